"""panic_worker: the Python model worker of panic-tda.

The C++ engine starts it as `PYTHON -m panic_worker` and speaks the framed protocol of
docs/PYTHON_WORKER.md over its stdin/stdout. Only the standard library is imported at
start-up; numpy/PIL (dummy models) and torch/diffusers/transformers (real models) are
imported when a model that needs them is loaded.
"""

WORKER_VERSION = "0.1.0"
PROTOCOL_VERSION = 1
