"""Test-only: a worker started with this folder on its PYTHONPATH serves the real
adapters (t2i.py, i2t.py, embed.py) on the stand-in libraries of ../stand_ins.py, on the
CPU, with a simulated 48 GiB card, so that whole experiments run through the C++
supervisor and the real adapters (tests/engine/python_worker_pipeline_test.cpp,
RealAdaptersOnStandInsThroughTheWholePipeline). Python imports `sitecustomize` at start-up
from the first folder of sys.path that has one; nothing in panic_worker knows about it.

PANIC_STANDIN_CALLS: a file that receives every recorded stand-in call as a JSON line,
as it happens (the worker may be killed, not asked to exit).
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
            out.write(json.dumps(dict(kwargs, what=what), default=str, sort_keys=True) + "\n")

    stand_ins.record = _record_to_file  # the stand-ins look `record` up at each call

from panic_worker import gpu, residency  # noqa: E402

GIB = residency.GIB


class SimulatedCard:
    """A 48 GiB card with nothing on it: every model fits, nothing is swapped."""

    def __init__(self):
        pass

    def free_cache(self):
        gc.collect()

    def device_free(self):
        return 48 * GIB

    def allocated(self):
        return 0

    def start_peak(self):
        pass

    def peak(self):
        return 0

    @staticmethod
    def host_available():
        return 128 * GIB


gpu.cuda_visible = lambda: True
gpu.cuda_device = lambda: "cpu"  # the stand-ins compute on the CPU
for _name in ("__init__", "free_cache", "device_free", "allocated", "start_peak", "peak", "host_available"):
    setattr(residency.TorchMemory, _name, SimulatedCard.__dict__[_name])
