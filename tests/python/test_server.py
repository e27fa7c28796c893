"""The request loop over in-memory streams: errors are classified (out of memory is not
fatal; device faults are; configuration errors are permanent), `list` refuses the real
models without a CUDA device, `load` options reach the model, release is real."""
import io
import unittest
from unittest import mock

import stand_ins

stand_ins.install()

from panic_worker import base, errors, gpu, protocol, residency, server  # noqa: E402
from test_residency import FakeCard  # noqa: E402


class FakeTorchError(RuntimeError):
    pass


def exchange(srv, *requests):
    out = io.BytesIO()
    srv.stdin = io.BytesIO(b"".join(frame(r) for r in requests))
    srv.stdout = out
    srv.serve()
    out.seek(0)
    replies = []
    while out.tell() < len(out.getvalue()):
        replies.append(protocol.read_frame(out))
    return replies


def frame(request):
    header, blobs = request
    buf = io.BytesIO()
    protocol.write_frame(buf, header, blobs)
    return buf.getvalue()


def cpu_server():
    """A server whose GPU models run on the CPU, with a simulated 48 GiB card."""
    card = FakeCard(48, 128)
    card.allocated = lambda: 0
    pool = residency.ModelPool(server.CATALOG, memory=lambda: card, device=lambda: "cpu")
    return server.Server(None, None, {}, pool=pool)


class ClassificationTest(unittest.TestCase):
    def test_out_of_memory_is_not_fatal(self):
        oom = type("OutOfMemoryError", (RuntimeError,), {})
        for exc in (oom("CUDA out of memory. Tried to allocate 20.00 MiB"), MemoryError(),
                    RuntimeError("CUDA error: out of memory"), RuntimeError("CUBLAS_STATUS_ALLOC_FAILED when calling x")):
            with self.subTest(exc=repr(exc)):
                self.assertEqual(errors.classify(exc), "oom")

    def test_device_faults_are_fatal(self):
        for text in ("CUDA error: an illegal memory access was encountered", "CUDA error: device-side assert triggered",
                     "CUBLAS_STATUS_EXECUTION_FAILED when calling cublasGemmEx", "cuDNN error: CUDNN_STATUS_INTERNAL_ERROR",
                     "CUDA error: unspecified launch failure"):
            with self.subTest(text=text):
                self.assertEqual(errors.classify(FakeTorchError(text)), "fatal")

    def test_ordinary_errors(self):
        self.assertIsNone(errors.classify(ValueError("bad")))
        self.assertTrue(errors.is_permanent(gpu.NoCudaError("x")))
        self.assertTrue(errors.is_permanent(ModuleNotFoundError("x")))
        self.assertTrue(errors.is_permanent(ImportError("cannot import name 'Florence2ForConditionalGeneration'")))
        self.assertFalse(errors.is_permanent(RuntimeError("CUDA error: device-side assert triggered")))


class ServerTest(unittest.TestCase):
    def setUp(self):
        stand_ins.install()

    def test_list_refuses_gpu_models_without_cuda(self):
        with mock.patch.object(gpu, "cuda_visible", lambda: False):
            (reply,) = exchange(server.Server(None, None, {}), ({"id": 1, "op": "list"}, []))
        models = {m["name"]: m for m in reply.header["models"]}
        self.assertTrue(models["PyDummyT2I"]["available"])
        self.assertEqual(models["FluxDev"]["missing"], [])
        self.assertFalse(models["FluxDev"]["available"])
        self.assertIn("no CUDA GPU", models["FluxDev"]["reason"])
        self.assertEqual(models["SD35Medium"]["options"], ["image_size"])
        self.assertEqual(models["Moondream"]["options"], [])
        with mock.patch.object(gpu, "cuda_visible", lambda: True):
            (reply,) = exchange(server.Server(None, None, {}), ({"id": 1, "op": "list"}, []))
        self.assertTrue({m["name"]: m for m in reply.header["models"]}["FluxDev"]["available"])

    def test_list_marks_package_versions_the_adapters_cannot_work_with(self):
        def listed(transformers):
            versions = {"transformers": transformers}
            with mock.patch.object(gpu, "cuda_visible", lambda: True), \
                    mock.patch.object(base, "installed_version", versions.get):
                (reply,) = exchange(server.Server(None, None, {}), ({"id": 1, "op": "list"}, []))
            return {m["name"]: m for m in reply.header["models"]}

        old = listed("4.50.0")  # before the native Florence-2 class
        self.assertFalse(old["Florence2"]["available"])
        self.assertEqual(old["Florence2"]["missing"], [])
        self.assertIn("Florence2 needs transformers >= 4.56, and 4.50.0 is installed", old["Florence2"]["reason"])
        self.assertTrue(old["Moondream"]["available"])
        new = listed("5.0.0rc1")  # the remote-code models' break
        remote_code = {"Moondream", "Nomic", "JinaClip", "JinaClipVision", "NomicVision"}
        self.assertEqual({n for n, m in new.items() if not m["available"]}, remote_code)
        self.assertIn("Nomic needs transformers < 5, and 5.0.0rc1 is installed", new["Nomic"]["reason"])
        pinned = listed("4.57.1")
        self.assertEqual({n for n, m in pinned.items() if not m["available"]}, set())

    def test_a_version_the_adapter_cannot_work_with_fails_its_load_permanently(self):
        with mock.patch.object(base, "installed_version", {"transformers": "4.55.2"}.get):
            (reply,) = exchange(cpu_server(), ({"id": 1, "op": "load", "model": "Florence2", "options": {}}, []))
        self.assertFalse(reply.header["ok"])
        self.assertTrue(reply.header["error"]["permanent"])
        self.assertIn("Florence2 needs transformers >= 4.56, and 4.55.2 is installed", reply.header["error"]["message"])
        self.assertEqual(stand_ins.calls("Florence2ForConditionalGeneration.from_pretrained"), [])

    def test_version_numbers(self):
        self.assertEqual(base.version_tuple("4.57.1"), (4, 57, 1))
        self.assertEqual(base.version_tuple("5.0.0rc1"), (5, 0, 0))
        self.assertEqual(base.version_tuple("2.8.0+cu128"), (2, 8, 0))
        self.assertEqual(base.version_tuple("4.56.dev0"), (4, 56))
        self.assertLess(base.version_tuple("4.9"), base.version_tuple("4.56"))

    def test_load_without_cuda_is_a_permanent_error(self):
        def no_cuda():
            raise gpu.NoCudaError("no CUDA GPU: torch.cuda.is_available() = False")

        srv = server.Server(None, None, {}, pool=residency.ModelPool(server.CATALOG, memory=lambda: FakeCard(48, 8),
                                                                      device=no_cuda))
        (reply,) = exchange(srv, ({"id": 1, "op": "load", "model": "BLIP2", "options": {}}, []))
        self.assertFalse(reply.header["ok"])
        self.assertEqual(reply.header["error"]["type"], "NoCudaError")
        self.assertTrue(reply.header["error"]["permanent"])
        self.assertFalse(reply.header["error"]["fatal"])

    def test_load_options_reach_the_model(self):
        srv = cpu_server()
        text = protocol.encode_text("a lighthouse")
        replies = exchange(
            srv,
            ({"id": 1, "op": "load", "model": "SD35Medium", "options": {"image_size": 512}}, []),
            ({"id": 2, "op": "invoke", "model": "SD35Medium", "seeds": [4], "inputs": [{"type": "text", "blob": 0}]},
             [text]),
            ({"id": 3, "op": "load", "model": "SDXLTurbo", "options": {"image_size": 100}}, []))
        self.assertTrue(replies[0].header["ok"], replies[0].header)
        self.assertEqual(replies[1].header["outputs"][0]["width"], 512)
        self.assertEqual(len(replies[1].blobs[0]), 512 * 512 * 3)
        self.assertFalse(replies[2].header["ok"])
        self.assertTrue(replies[2].header["error"]["permanent"])
        self.assertIn("image_size 100 is not allowed", replies[2].header["error"]["message"])

    def test_release_to_cpu_then_use_then_unload(self):
        srv = cpu_server()
        srv.pool._device = lambda: "cuda-standin"
        replies = exchange(
            srv,
            ({"id": 1, "op": "load", "model": "Nomic", "options": {}}, []),
            ({"id": 2, "op": "release", "model": "Nomic", "mode": "cpu"}, []),
            ({"id": 3, "op": "embed", "model": "Nomic", "inputs": [{"type": "text", "blob": 0}]}, [b"x"]),
            ({"id": 4, "op": "release", "mode": "unload"}, []),
            ({"id": 5, "op": "release", "mode": "swap"}, []))
        self.assertEqual(replies[0].header["resident"], ["Nomic"])
        self.assertEqual(replies[1].header["resident"], [])
        self.assertTrue(replies[2].header["ok"], replies[2].header)
        self.assertEqual(stand_ins.calls("SentenceTransformer.encode")[0]["sentences"], ["search_document: x"])
        self.assertEqual(replies[3].header["released"], ["Nomic"])
        self.assertEqual(srv.pool.slots, {})
        self.assertFalse(replies[4].header["ok"])

    def test_status_names_what_the_worker_holds_and_where(self):
        srv = cpu_server()
        srv.pool._device = lambda: "cuda-standin"
        status = {"id": 0, "op": "status"}
        replies = exchange(
            srv,
            (status, []),
            ({"id": 1, "op": "load", "model": "Nomic", "options": {}}, []),
            ({"id": 2, "op": "load", "model": "PyDummyText", "options": {}}, []),
            (status, []),
            ({"id": 3, "op": "release", "model": "Nomic", "mode": "cpu"}, []),
            (status, []),
            ({"id": 4, "op": "release", "mode": "unload"}, []),
            (status, []))
        held = [(r.header["loaded"], r.header["resident"]) for r in replies if "loaded" in r.header]
        self.assertEqual(held, [([], []), (["Nomic", "PyDummyText"], ["Nomic"]), (["Nomic", "PyDummyText"], []),
                                ([], [])])

    def test_torch_allocator_defaults_are_set_unless_the_user_set_them(self):
        environ = {}
        gpu.configure_environment(environ)
        self.assertEqual(environ, {"PYTORCH_CUDA_ALLOC_CONF": "expandable_segments:True"})
        environ = {"PYTORCH_CUDA_ALLOC_CONF": "backend:cudaMallocAsync"}
        gpu.configure_environment(environ)
        self.assertEqual(environ, {"PYTORCH_CUDA_ALLOC_CONF": "backend:cudaMallocAsync"})

    def test_an_out_of_memory_answer_is_flagged_and_frees_the_cache(self):
        srv = cpu_server()
        srv.faults.faults = [{"fault": "oom", "op": "invoke", "above": 1}]
        srv.faults._count = lambda index: 1
        with mock.patch.object(srv.pool, "free_cache") as free:
            replies = exchange(
                srv,
                ({"id": 1, "op": "invoke", "model": "PyDummyI2T", "seeds": [1, 2],
                  "inputs": [{"type": "text", "blob": 0}, {"type": "text", "blob": 1}]}, [b"a", b"b"]))
        error = replies[0].header["error"]
        self.assertEqual((error["oom"], error["fatal"], error["permanent"]), (True, False, False))
        free.assert_called()


if __name__ == "__main__":
    unittest.main()
