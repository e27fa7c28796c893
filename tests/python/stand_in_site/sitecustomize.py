"""Test-only: a worker started with this folder on its PYTHONPATH serves the real
adapters (t2i.py, i2t.py, embed.py) on the stand-in libraries of ../stand_ins.py, on the
CPU, with a simulated 48 GiB card, so that whole experiments run through the C++
supervisor and the real adapters (tests/engine/python_worker_pipeline_test.cpp,
RealAdaptersOnStandInsThroughTheWholePipeline). Python imports `sitecustomize` at start-up
from the first folder of sys.path that has one; nothing in panic_worker knows about it.

PANIC_STANDIN_CALLS: a file that receives every recorded stand-in call as a JSON line,
as it happens (the worker may be killed, not asked to exit), with `gpu_gib`, the simulated
card's allocated memory at that moment.
PANIC_STANDIN_GPU_GIB: simulate a card of that many GiB whose allocated memory is the sum
of the sizes below over the stand-in weights placed on "cuda" (the models' real bf16/fp16
sizes, as their adapters estimate them); the host has 128 GiB. Without it, the models run
on "cpu" and the card is empty.
"""
import gc
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))  # tests/python

import stand_ins  # noqa: E402

stand_ins.install()

_calls_path = os.environ.get("PANIC_STANDIN_CALLS")
if _calls_path:
    _record = stand_ins.record

    def _record_to_file(what, **kwargs):
        _record(what, **kwargs)
        with open(_calls_path, "a") as out:
            line = dict(kwargs, what=what, gpu_gib=_gpu_allocated() / GIB)
            out.write(json.dumps(line, default=str, sort_keys=True) + "\n")

    stand_ins.record = _record_to_file  # the stand-ins look `record` up at each call

from panic_worker import gpu, residency  # noqa: E402

GIB = residency.GIB
CARD_GIB = float(os.environ.get("PANIC_STANDIN_GPU_GIB", "0"))
HOST_GIB = 128
SIZES_GIB = {"FluxPipeline": 33.0, "StableDiffusion3Pipeline": 6.0, "AutoPipelineForText2Image": 7.0,
             "MoondreamModel": 4.0, "Blip2ForConditionalGeneration": 8.0, "Florence2ForConditionalGeneration": 2.0,
             "SentenceTransformer": 1.5, "JinaClipModel": 2.0, "NomicVisionModel": 0.5}


def _held_gib(device):
    return sum(SIZES_GIB.get(type(w).__name__, 0.0) for w in list(stand_ins.LIVE) if w.device == device)


def _gpu_allocated():
    return int(_held_gib("cuda") * GIB)


class SimulatedCard:
    """The card of PANIC_STANDIN_GPU_GIB (or, without it, an empty 48 GiB one)."""

    def __init__(self):
        pass

    def free_cache(self):
        gc.collect()  # unloaded stand-ins leave stand_ins.LIVE

    def device_free(self):
        return int(CARD_GIB * GIB) - _gpu_allocated() if CARD_GIB else 48 * GIB

    def allocated(self):
        return _gpu_allocated()

    def start_peak(self):
        pass

    def peak(self):
        return _gpu_allocated()

    @staticmethod
    def host_available():
        return int((HOST_GIB - _held_gib("cpu")) * GIB)


gpu.cuda_visible = lambda: True
if CARD_GIB:
    gpu.cuda_device = lambda: "cuda"  # only recorded: the stand-ins compute on the CPU whatever the device
    _generators = gpu.generators
    gpu.generators = lambda seeds, dev: _generators(seeds, "cpu")  # CPU torch has no CUDA generators
else:
    gpu.cuda_device = lambda: "cpu"
for _name in ("__init__", "free_cache", "device_free", "allocated", "start_peak", "peak", "host_available"):
    setattr(residency.TorchMemory, _name, SimulatedCard.__dict__[_name])
