"""How the worker classifies a failure, which decides what the engine does next:

  "oom"    the GPU (or host) ran out of memory for this batch. The CUDA context is
           intact: the worker frees its cache and the engine retries with half the batch.
  "fatal"  a device fault after which the process cannot be trusted (an illegal memory
           access, a device-side assert, a failed kernel launch): the engine replaces it.
  None     an ordinary Python error: retried in the same process.

PermanentError marks errors that no retry can heal (no CUDA device, a bad load option,
a package version the adapter cannot work with); so does a failed import. The engine
gives up on them at once.
"""

# Texts that name an allocation failure. Checked before FATAL_MARKERS: "CUDA error: out
# of memory" is an allocation failure, not a corrupted context.
OOM_MARKERS = ("CUDA out of memory", "CUDA error: out of memory", "CUBLAS_STATUS_ALLOC_FAILED",
               "CUDNN_STATUS_ALLOC_FAILED", "HIP out of memory")
FATAL_MARKERS = ("CUDA error", "CUBLAS_STATUS", "cuDNN error", "CUDNN_STATUS", "device-side assert",
                 "illegal memory access", "unspecified launch failure", "NCCL error")


class PermanentError(Exception):
    """An error that the same request would meet again (configuration, environment)."""


def classify(exc):
    """"oom", "fatal" or None for an exception raised while serving a request."""
    if isinstance(exc, MemoryError) or type(exc).__name__ == "OutOfMemoryError":
        return "oom"
    text = "%s: %s" % (type(exc).__name__, exc)
    if any(marker in text for marker in OOM_MARKERS):
        return "oom"
    if any(marker in text for marker in FATAL_MARKERS):
        return "fatal"
    return None


def is_permanent(exc):
    # An import that failed (a missing module, or a name an installed version lacks)
    # fails the same way on every retry.
    return isinstance(exc, (PermanentError, ImportError))
