"""The request loop: one request at a time, one response per request, in order."""
import os
import sys
import time
import traceback

from . import PROTOCOL_VERSION, WORKER_VERSION, dummy, embed, errors, faults, gpu, i2t, protocol, residency, t2i
from .base import I2T, IMAGE_EMBEDDING, T2I, TEXT_EMBEDDING

CATALOG = {cls.name: cls for cls in dummy.MODELS + t2i.MODELS + i2t.MODELS + embed.MODELS}


class RequestError(Exception):
    pass


class Server:
    def __init__(self, stdin, stdout, environ, pool=None):
        self.stdin = stdin
        self.stdout = stdout
        self.faults = faults.Faults(environ)
        self.pool = pool or residency.ModelPool(CATALOG)

    # -- payloads -------------------------------------------------------------------

    def decode_inputs(self, header, blobs, modality):
        out = []
        for item in header.get("inputs", []):
            if item.get("type") != modality:
                raise RequestError("expected %s inputs, got %r" % (modality, item.get("type")))
            blob = blobs[item["blob"]]
            if modality == "text":
                out.append(protocol.decode_text(blob))
            else:
                from PIL import Image
                w, h = item["width"], item["height"]
                if len(blob) != w * h * 3:
                    raise RequestError("image of %dx%d with %d bytes" % (w, h, len(blob)))
                out.append(Image.frombytes("RGB", (w, h), blob))
        return out

    @staticmethod
    def encode_outputs(outputs, modality):
        items, blobs = [], []
        for out in outputs:
            if modality == "text":
                if not isinstance(out, str):
                    raise RequestError("the model returned %s where text was expected" % type(out).__name__)
                items.append({"type": "text", "blob": len(blobs)})
                blobs.append(protocol.encode_text(out))
            else:
                image = out.convert("RGB") if out.mode != "RGB" else out
                items.append({"type": "image", "width": image.width, "height": image.height, "blob": len(blobs)})
                blobs.append(image.tobytes())
        return items, blobs

    # -- models ---------------------------------------------------------------------

    def check_model(self, name):
        cls = CATALOG.get(name)
        if cls is None:
            raise RequestError("unknown model %r (known: %s)" % (name, ", ".join(sorted(CATALOG))))
        missing = cls.missing_packages()
        if missing:
            raise ModuleNotFoundError("%s needs the Python package(s) %s, not importable by %s"
                                      % (name, ", ".join(missing), sys.executable))
        problems = cls.version_problems()
        if problems:
            raise errors.PermanentError("; ".join(problems) + " (in %s)" % sys.executable)
        return cls

    # -- ops ------------------------------------------------------------------------

    def op_hello(self, header, blobs):
        return {"protocol": PROTOCOL_VERSION, "worker_version": WORKER_VERSION, "pid": os.getpid(),
                "python": sys.version.split()[0], "executable": sys.executable}, []

    def op_list(self, header, blobs):
        return {"models": [CATALOG[n].describe(gpu.cuda_visible) for n in sorted(CATALOG)]}, []

    def op_load(self, header, blobs):
        started = time.monotonic()
        self.check_model(header["model"])
        self.pool.model(header["model"], header.get("options") or {})
        return {"seconds": time.monotonic() - started, "resident": self.pool.resident()}, []

    def op_invoke(self, header, blobs):
        cls = self.check_model(header["model"])
        if cls.kind not in (T2I, I2T):
            raise RequestError("%s is not a genAI model" % cls.name)
        source, target = cls.modalities()
        inputs = self.decode_inputs(header, blobs, source)
        seeds = header.get("seeds", [])
        if len(seeds) != len(inputs):
            raise RequestError("%d inputs but %d seeds" % (len(inputs), len(seeds)))
        outputs = self.pool.call(cls.name, lambda model: model.invoke(inputs, seeds))
        if len(outputs) != len(inputs):
            raise RequestError("%s returned %d outputs for %d inputs" % (cls.name, len(outputs), len(inputs)))
        items, out_blobs = self.encode_outputs(outputs, target)
        return {"outputs": items}, out_blobs

    def op_embed(self, header, blobs):
        import numpy as np
        cls = self.check_model(header["model"])
        if cls.kind not in (TEXT_EMBEDDING, IMAGE_EMBEDDING):
            raise RequestError("%s is not an embedding model" % cls.name)
        inputs = self.decode_inputs(header, blobs, cls.modalities()[0])
        vectors = np.ascontiguousarray(self.pool.call(cls.name, lambda model: model.embed(inputs)), dtype="<f4")
        if vectors.shape != (len(inputs), cls.dimension):
            raise RequestError("%s returned shape %r for %d inputs of dimension %d"
                               % (cls.name, vectors.shape, len(inputs), cls.dimension))
        return {"count": len(inputs), "dimension": cls.dimension, "blob": 0}, [vectors.tobytes()]

    def op_release(self, header, blobs):
        """mode "unload" (default) drops the weights; "cpu" moves them to host memory,
        and the model's next call moves them back."""
        mode = header.get("mode", "unload")
        if mode not in ("unload", "cpu"):
            raise RequestError("release mode %r (expected 'unload' or 'cpu')" % mode)
        names = [header["model"]] if header.get("model") else sorted(self.pool.slots)
        self.pool.release(names, mode)
        return {"released": names, "resident": self.pool.resident()}, []

    def op_status(self, header, blobs):
        """What the worker holds: `loaded` (weights anywhere), `resident` (on the GPU),
        and the allocator settings torch starts with (tests, diagnostics)."""
        return {"loaded": self.pool.loaded(), "resident": self.pool.resident(),
                "cuda_alloc_conf": os.environ.get("PYTORCH_CUDA_ALLOC_CONF", "")}, []

    def op_echo(self, header, blobs):
        """The inputs back, untouched: the transport's own round trip (tests, benchmark)."""
        return {"outputs": header.get("inputs", [])}, blobs

    def op_shutdown(self, header, blobs):
        return {"bye": True}, []

    # -- loop -----------------------------------------------------------------------

    def handle(self, frame):
        header = frame.header
        rid = header.get("id")
        try:
            fault = self.faults.check(header)
            acted = faults.inject(fault, self.stdout) if fault else None
            if acted == "malformed":
                return True
            handler = getattr(self, "op_" + str(header.get("op")), None)
            if handler is None:
                raise RequestError("unknown op %r" % header.get("op"))
            reply, blobs = handler(header, frame.blobs)
            if acted == "empty":
                blobs = [b"" if item["type"] == "text" else blobs[item["blob"]] for item in reply["outputs"]]
            reply.update({"id": rid, "ok": True})
            protocol.write_frame(self.stdout, reply, blobs)
        except Exception as exc:  # every error goes back to the engine, typed
            kind = errors.classify(exc)
            error = {"type": type(exc).__name__, "message": str(exc), "traceback": traceback.format_exc(),
                     "fatal": kind == "fatal", "oom": kind == "oom", "permanent": errors.is_permanent(exc)}
        else:
            return header.get("op") != "shutdown"
        if error["oom"]:
            self.pool.free_cache()  # the failed batch's tensors went with the exception
        protocol.write_frame(self.stdout, {"id": rid, "ok": False, "error": error})
        return True

    def serve(self):
        while True:
            try:
                frame = protocol.read_frame(self.stdin)
            except EOFError:
                return 0
            if not self.handle(frame):
                return 0
