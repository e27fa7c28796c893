"""panic_worker: the Python model worker of panic-tda.

The C++ engine starts it as `PYTHON -m panic_worker` and speaks the framed protocol of
docs/PYTHON_WORKER.md over its stdin/stdout. Only the standard library is imported at
start-up; numpy/PIL (dummy models) and torch/diffusers/transformers (real models) are
imported when a model that needs them is loaded.
"""

import os

# The version of the panic-tda that started this worker (one version string: CMake's
# project VERSION, passed in the environment); "unknown" when started by hand.
WORKER_VERSION = os.environ.get("PANIC_TDA_VERSION", "unknown")
PROTOCOL_VERSION = 1
