"""What the real models share: the CUDA device (there is no CPU fallback), per-item
seeded generators, and the TorchModel base whose weights the residency manager
(residency.py) moves between the GPU and host memory. torch is imported only by
models being loaded, never at worker start-up."""
import random

from .base import WorkerModel
from .errors import PermanentError

_cuda_visible = None

# The worker's defaults for torch's environment, set before torch is imported (a value
# the user set wins). A long experiment loads, moves and unloads models of many sizes and
# runs batches of changing shapes; expandable segments let the caching allocator grow and
# shrink its blocks instead of fragmenting into ones no later request fits (an
# out-of-memory error with gigabytes free, the failure the OOM halving cannot heal).
TORCH_ENVIRONMENT = {"PYTORCH_CUDA_ALLOC_CONF": "expandable_segments:True"}


class NoCudaError(PermanentError):
    pass


def configure_environment(environ):
    """Puts TORCH_ENVIRONMENT's defaults into `environ` (os.environ at start-up)."""
    for key, value in TORCH_ENVIRONMENT.items():
        environ.setdefault(key, value)


def cuda_visible():
    """Whether the CUDA driver reports a device, asked through libcuda without importing
    torch (cheap enough for `list`). Cached for the life of the worker."""
    global _cuda_visible
    if _cuda_visible is None:
        try:
            import ctypes
            cuda = ctypes.CDLL("libcuda.so.1")
            count = ctypes.c_int(0)
            _cuda_visible = cuda.cuInit(0) == 0 and cuda.cuDeviceGetCount(ctypes.byref(count)) == 0 and count.value > 0
        except OSError:
            _cuda_visible = False
    return _cuda_visible


def cuda_device():
    """"cuda", or NoCudaError: like both references, the real models refuse to run on
    the CPU (hours per step, and outputs that differ from GPU ones)."""
    import sys
    import torch
    if not torch.cuda.is_available():
        raise NoCudaError("no CUDA GPU: torch %s in %s reports torch.cuda.is_available() = False (built for CUDA %s); "
                          "the real models need an NVIDIA GPU" % (torch.__version__, sys.executable, torch.version.cuda))
    return "cuda"


def autocast(device, dtype):
    """torch.autocast(dtype) on a CUDA device: matmuls in `dtype`, norms and softmaxes in
    float32. A no-op elsewhere (the stand-in tests run on the CPU)."""
    import contextlib
    import torch
    if torch.device(device).type != "cuda":
        return contextlib.nullcontext()
    return torch.autocast("cuda", dtype=dtype)


def no_options(name, options):
    if options:
        raise PermanentError("%s takes no load options (got %s)" % (name, ", ".join(sorted(options))))


def generators(seeds, dev):
    """One torch.Generator per item: seeded when the run's seed is not -1, else from a
    fresh random seed (diffusers takes a list of generators, not a mix with None). Each
    item draws its initial noise from its own generator, so a seeded output does not
    depend on the batch it was in."""
    import torch
    out = []
    for s in seeds:
        g = torch.Generator(dev)
        g.manual_seed(int(s) if s != -1 else random.SystemRandom().getrandbits(63))
        out.append(g)
    return out


class TorchModel(WorkerModel):
    """A model whose weights live in torch modules or diffusers pipelines.

    Subclasses load them in load(options) onto self.device and name them in
    `weight_attrs`; place(device) moves them all. `estimate_gib` is the GPU memory of
    the weights before a load has measured it (the residency manager makes that much
    room before the first load)."""

    uses_gpu = True
    weight_attrs = ("model",)
    estimate_gib = 1.0
    device = "cuda"

    def init_device(self):
        self.device = cuda_device()
        return self.device

    def place(self, device):
        for attr in self.weight_attrs:
            module = getattr(self, attr, None)
            if module is not None:
                module.to(device)  # torch modules and diffusers pipelines move in place
        self.device = device

    def unload(self):
        for attr in self.weight_attrs:
            setattr(self, attr, None)
