"""Helpers shared by the real (GPU) models. torch is imported only by callers that
have been loaded, never at worker start-up."""
import random

from .base import WorkerModel


def device():
    import torch
    return "cuda" if torch.cuda.is_available() else "cpu"


def generators(seeds, dev):
    """One torch.Generator per item: seeded when the run's seed is not -1, else from a
    fresh random seed (diffusers takes a list of generators, not a mix with None)."""
    import torch
    out = []
    for s in seeds:
        g = torch.Generator(dev)
        g.manual_seed(int(s) if s != -1 else random.SystemRandom().getrandbits(63))
        out.append(g)
    return out


def free_cuda():
    import gc
    gc.collect()
    try:
        import torch
        if torch.cuda.is_available():
            torch.cuda.empty_cache()
    except ImportError:
        pass


def to_device(module, dev):
    if module is not None and hasattr(module, "to"):
        return module.to(dev)
    return module


class TorchModel(WorkerModel):
    """A model whose weights live in one torch module or diffusers pipeline, held in the
    attribute named by `weights`; releasing moves it to the CPU or drops it."""

    weights = "model"

    def release(self, mode):
        if mode == "cpu":
            getattr(self, self.weights).to("cpu")
        else:
            setattr(self, self.weights, None)
        free_cuda()
