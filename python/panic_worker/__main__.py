"""Entry point: `python -m panic_worker`. The protocol owns the process's original
stdout; anything else that prints (libraries, warnings) is sent to stderr, which the
engine copies into its log."""
import os
import sys


def die_with_parent():
    """Ask Linux to kill this process when the engine dies (best effort)."""
    try:
        import ctypes
        import signal
        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except Exception:
        pass


def main():
    die_with_parent()
    protocol_out = os.fdopen(os.dup(1), "wb", buffering=1 << 16)
    os.dup2(2, 1)
    sys.stdout = sys.stderr
    protocol_in = os.fdopen(os.dup(0), "rb", buffering=1 << 16)
    from .gpu import configure_environment
    configure_environment(os.environ)  # before any model imports torch
    from .server import Server
    return Server(protocol_in, protocol_out, os.environ).serve()


if __name__ == "__main__":
    sys.exit(main())
