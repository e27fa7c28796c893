"""Test-only fault injection. Inactive unless PANIC_WORKER_FAULTS is set.

PANIC_WORKER_FAULTS is a JSON list of faults, each an object:
  fault  "exit" (the process dies mid-batch, after half a response header),
         "hang" (sleeps for an hour), "malformed" (writes bytes that are not a frame),
         "raise" (a RuntimeError), "cuda" (an illegal memory access, as CUDA reports it),
         "oom" (torch's OutOfMemoryError), "empty" (the request is served, but every
         text output comes back empty, as a captioner may answer a blank image)
  op     the request op it applies to ("invoke", "embed", "load", ...)
  model  optional: only requests for this model
  seed   optional: only batches that contain this seed
  above  optional: only batches of more than this many inputs (an "oom" that a smaller
         batch avoids)
  at     the matching request (1-based, counted across worker restarts) that fires first
  times  how many matching requests fire from `at` on; 0 = all of them (default 1)
Counts survive restarts in files under PANIC_WORKER_FAULT_STATE (a folder), so a
fault that fires once is followed by a healthy retry in the restarted worker.
"""
import json
import os
import time


class InjectedFault(RuntimeError):
    pass


class OutOfMemoryError(RuntimeError):
    """Named like torch.cuda.OutOfMemoryError, which errors.classify() recognises by name."""


class Faults:
    def __init__(self, environ):
        self.faults = json.loads(environ.get("PANIC_WORKER_FAULTS", "[]") or "[]")
        self.state = environ.get("PANIC_WORKER_FAULT_STATE", "")
        if self.faults and not self.state:
            raise ValueError("PANIC_WORKER_FAULTS needs PANIC_WORKER_FAULT_STATE (a folder)")

    def _count(self, index):
        path = os.path.join(self.state, "fault-%d.count" % index)
        try:
            with open(path) as f:
                n = int(f.read() or 0)
        except FileNotFoundError:
            n = 0
        n += 1
        with open(path, "w") as f:
            f.write(str(n))
        return n

    def check(self, header):
        """The fault to inject for this request, or None."""
        for index, fault in enumerate(self.faults):
            if fault.get("op") != header.get("op"):
                continue
            if "model" in fault and fault["model"] != header.get("model"):
                continue
            if "seed" in fault and fault["seed"] not in header.get("seeds", []):
                continue
            if "above" in fault and len(header.get("inputs", [])) <= fault["above"]:
                continue
            n = self._count(index)
            at, times = fault.get("at", 1), fault.get("times", 1)
            if n >= at and (times == 0 or n < at + times):
                return fault["fault"]
        return None


def inject(kind, out):
    """Acts out `kind` on the protocol stream `out` (raising, dying or hanging); returns
    "malformed" or "empty" when the server has more to do."""
    if kind == "raise":
        raise InjectedFault("injected fault")
    if kind == "cuda":
        raise RuntimeError("CUDA error: an illegal memory access was encountered (injected)")
    if kind == "oom":
        raise OutOfMemoryError("CUDA out of memory. Tried to allocate 2.00 GiB (injected)")
    if kind == "empty":
        return "empty"
    if kind == "exit":
        out.write(b"PNKW\x40\x00")  # a response cut short by the death of the process
        out.flush()
        os._exit(17)
    if kind == "hang":
        time.sleep(3600)
    if kind == "malformed":
        out.write(b"this is not a frame\n" * 4)
        out.flush()
        return "malformed"
    raise ValueError("unknown fault " + repr(kind))
