"""The GPU residency manager (residency.py) on a simulated 48 GiB card: a network whose
models do not all fit is served by moving models to host memory and back (or unloading
and reloading them when the host is short), decided from the measured free memory; a
call that runs out of memory is retried once after the other models leave the GPU;
release to the CPU and unloading are real; no CUDA device is a permanent error."""
import unittest

from panic_worker import residency
from panic_worker.base import I2T, T2I
from panic_worker.errors import PermanentError, classify
from panic_worker.gpu import NoCudaError, TorchModel

GIB = residency.GIB


class OutOfMemoryError(RuntimeError):
    pass


class FakeCard:
    """GPU memory: the weights of the models placed on "cuda", plus a call's working memory."""

    def __init__(self, total_gib, host_gib):
        self.total = total_gib * GIB
        self.host = host_gib * GIB
        self.models = []
        self.working = 0
        self.peak_seen = 0
        self.loads = {}

    def allocated(self):
        return sum(m.size for m in self.models if m.device == "cuda" and m.loaded) + self.working

    def device_free(self):
        return self.total - self.allocated()

    def free_cache(self):
        pass

    def start_peak(self):
        self.peak_seen = self.allocated()

    def peak(self):
        return self.peak_seen

    def host_available(self):
        return self.host - sum(m.size for m in self.models if m.device == "cpu" and m.loaded)


CARD = None


def fake_model(name, size_gib, work_gib, kind=T2I, estimate_gib=None):
    class Fake(TorchModel):
        uses_gpu = True

        def load(self, options):
            self.size = int(size_gib * GIB)
            self.loaded = True
            CARD.loads[name] = CARD.loads.get(name, 0) + 1
            CARD.models.append(self)
            if CARD.device_free() < 0:
                CARD.models.remove(self)
                raise OutOfMemoryError("CUDA out of memory. Tried to allocate %d GiB" % size_gib)

        def place(self, device):
            self.device = device
            if CARD.device_free() < 0:
                raise OutOfMemoryError("CUDA out of memory while moving %s" % name)

        def unload(self):
            self.loaded = False
            CARD.models.remove(self)

        def invoke(self, inputs, seeds):
            assert self.device == "cuda", name + " called off the GPU"
            need = int(work_gib * GIB) * len(inputs)
            if CARD.device_free() < need:
                raise OutOfMemoryError("CUDA out of memory. Tried to allocate %.1f GiB" % (need / GIB))
            CARD.working = need
            CARD.peak_seen = max(CARD.peak_seen, CARD.allocated())
            CARD.working = 0
            return ["%s:%s" % (name, x) for x in inputs]

    Fake.name = name
    Fake.kind = kind
    Fake.estimate_gib = size_gib if estimate_gib is None else estimate_gib
    return Fake


NETWORK = [fake_model("FluxDev", 33, 0.5), fake_model("SD35Medium", 6, 1.0),
           fake_model("Moondream", 4, 0.2, I2T), fake_model("BLIP2", 8, 0.2, I2T)]


def pool(catalog, total_gib=48, host_gib=128):
    global CARD
    CARD = FakeCard(total_gib, host_gib)
    return residency.ModelPool({c.name: c for c in catalog}, memory=lambda: CARD, device=lambda: "cuda",
                               margin=GIB // 2, host_reserve=4 * GIB)


def run(p, name, inputs=("a",)):
    return p.call(name, lambda m: m.invoke(list(inputs), [1] * len(inputs)))


class ResidencyTest(unittest.TestCase):
    def test_a_network_larger_than_the_gpu_is_swapped_through_host_memory(self):
        p = pool(NETWORK)
        sequence = ["FluxDev", "SD35Medium", "Moondream", "BLIP2"] * 3
        for step, name in enumerate(sequence):
            self.assertEqual(run(p, name), [name + ":a"], "step %d" % step)
            self.assertIn(name, p.resident())
            self.assertLessEqual(CARD.allocated(), CARD.total)
        # 51 GiB of weights on a 48 GiB card: something had to leave, and came back
        # from host memory, never from disk again.
        self.assertEqual(CARD.loads, {"FluxDev": 1, "SD35Medium": 1, "Moondream": 1, "BLIP2": 1})
        self.assertTrue(any(m.device == "cpu" for m in CARD.models))

    def test_models_that_fit_stay_resident(self):
        p = pool(NETWORK[1:])
        for name in ["SD35Medium", "Moondream", "BLIP2"] * 3:
            run(p, name)
        self.assertEqual(p.resident(), ["BLIP2", "Moondream", "SD35Medium"])
        self.assertTrue(all(m.device == "cuda" for m in CARD.models))

    def test_the_least_recently_used_model_leaves_first(self):
        p = pool(NETWORK)
        for name in ["SD35Medium", "Moondream", "BLIP2", "SD35Medium"]:
            run(p, name)
        run(p, "FluxDev")  # 33 + 0.5 margin with 30 free: Moondream (4), used longest ago, leaves alone
        self.assertEqual(p.resident(), ["BLIP2", "FluxDev", "SD35Medium"])
        self.assertEqual([m.name for m in CARD.models if m.device == "cpu"], ["Moondream"])

    def test_with_little_host_memory_models_are_unloaded_and_reloaded(self):
        p = pool(NETWORK, host_gib=10)
        for name in ["FluxDev", "SD35Medium", "Moondream", "BLIP2"] * 2:
            run(p, name)
        self.assertGreater(CARD.loads["FluxDev"], 1)
        self.assertFalse(any(m.device == "cpu" for m in CARD.models))

    def test_an_out_of_memory_call_is_retried_after_the_others_leave(self):
        p = pool([fake_model("Big", 30, 2.0), fake_model("Other", 10, 0.1)])
        run(p, "Other")
        run(p, "Big")  # fits: 30 + 10 = 40, 8 GiB free
        self.assertEqual(run(p, "Big", "abc"), ["Big:a", "Big:b", "Big:c"])  # 6 GiB of work: fits
        # 5 inputs need 10 GiB of work: only after Other leaves the GPU.
        self.assertEqual(len(run(p, "Big", "abcde")), 5)
        self.assertEqual(p.resident(), ["Big"])
        # Alone and still too large: the error goes back, marked out-of-memory.
        with self.assertRaises(OutOfMemoryError) as err:
            run(p, "Big", "x" * 10)
        self.assertEqual(classify(err.exception), "oom")

    def test_release_to_the_cpu_and_back(self):
        p = pool(NETWORK[1:])
        run(p, "Moondream")
        p.release(["Moondream"], "cpu")
        self.assertEqual(p.resident(), [])
        self.assertEqual(CARD.models[0].device, "cpu")
        run(p, "Moondream")
        self.assertEqual(p.resident(), ["Moondream"])
        self.assertEqual(CARD.loads["Moondream"], 1)
        p.release(["Moondream"], "unload")
        self.assertEqual(p.slots, {})
        self.assertEqual(CARD.models, [])
        run(p, "Moondream")
        self.assertEqual(CARD.loads["Moondream"], 2)

    def test_the_first_load_makes_room_from_the_estimate(self):
        p = pool([fake_model("A", 20, 0.1), fake_model("B", 20, 0.1), fake_model("C", 20, 0.1)])
        run(p, "A")
        run(p, "B")
        run(p, "C")  # 60 GiB of weights: A had to leave before C loaded
        self.assertEqual(p.resident(), ["B", "C"])
        self.assertEqual(CARD.loads, {"A": 1, "B": 1, "C": 1})

    def test_an_underestimated_model_still_loads_after_the_others_leave(self):
        p = pool([fake_model("Small", 30, 0.1), fake_model("Liar", 30, 0.1, estimate_gib=1)])
        run(p, "Small")
        run(p, "Liar")  # its estimate said 1 GiB; the load ran out of memory, Small left, the retry fit
        self.assertEqual(p.resident(), ["Liar"])

    def test_new_load_options_reload_the_model(self):
        p = pool(NETWORK[1:])
        p.model("SD35Medium", {"image_size": 512})
        p.model("SD35Medium", {"image_size": 512})
        self.assertEqual(CARD.loads["SD35Medium"], 1)
        p.model("SD35Medium", {"image_size": 1024})
        self.assertEqual(CARD.loads["SD35Medium"], 2)
        self.assertEqual(p.slots["SD35Medium"].options, {"image_size": 1024})

    def test_no_cuda_device_is_permanent_and_leaves_nothing_behind(self):
        def no_cuda():
            raise NoCudaError("no CUDA GPU")

        p = residency.ModelPool({"FluxDev": NETWORK[0]}, memory=lambda: FakeCard(48, 128), device=no_cuda)
        with self.assertRaises(PermanentError):
            p.model("FluxDev")
        self.assertEqual(p.slots, {})


class FakeTorchCuda:
    """torch.cuda's memory calls, as TorchMemory uses them."""

    def __init__(self):
        self.calls = []

    def empty_cache(self):
        self.calls.append("empty_cache")

    def mem_get_info(self):
        return (7 * GIB, 48 * GIB)  # (free, total), as the driver reports them

    def memory_allocated(self):
        return 3 * GIB

    def reset_peak_memory_stats(self):
        self.calls.append("reset_peak_memory_stats")

    def max_memory_allocated(self):
        return 5 * GIB


class TorchMemoryTest(unittest.TestCase):
    def test_reads_the_driver_and_the_caching_allocator(self):
        memory = residency.TorchMemory()
        cuda = FakeTorchCuda()
        memory.torch = type("FakeTorch", (), {"cuda": cuda})
        memory.free_cache()
        self.assertEqual(cuda.calls, ["empty_cache"])
        self.assertEqual(memory.device_free(), 7 * GIB)
        self.assertEqual(memory.allocated(), 3 * GIB)
        memory.start_peak()
        self.assertEqual(memory.peak(), 5 * GIB)
        self.assertEqual(cuda.calls[-1], "reset_peak_memory_stats")
        self.assertGreater(memory.host_available(), 0)


if __name__ == "__main__":
    unittest.main()
