"""The worker's models and where their weights live.

A network such as FluxDev + SD35Medium + Moondream + BLIP2 needs more GPU memory than a
48 GB card has, so not every model can stay on the GPU. Before a GPU model loads or is
called, the pool measures the free GPU memory and, when the model would not fit, moves
the least recently used other models off the GPU until it does: to host memory when the
host has room for them (moving back takes seconds), else they are unloaded and loaded
again from disk when next needed. What a model needs is measured, not guessed: its
weights as the growth of allocated memory over its load (a class estimate before the
first load), its working memory as the peak over its calls, plus a margin.

A call that runs out of GPU memory frees the cache, moves every other model off the
GPU and is tried once more; if it still does not fit, the error goes back marked "oom"
and the engine halves the batch (docs/PYTHON_WORKER.md).

Thread safety: none; the worker serves one request at a time.
"""
import gc
import sys

from .errors import classify

GIB = 1 << 30


def log(message):
    print("panic_worker: " + message, file=sys.stderr, flush=True)


def gib(n):
    return "%.1f GiB" % (n / GIB)


class TorchMemory:
    """GPU memory as torch and the driver see it; host memory from /proc/meminfo."""

    def __init__(self):
        import torch
        self.torch = torch

    def free_cache(self):
        gc.collect()
        self.torch.cuda.empty_cache()

    def device_free(self):
        # After free_cache() the caching allocator holds no unused blocks, so the
        # driver's figure is what this process (or any other) can still allocate.
        return self.torch.cuda.mem_get_info()[0]

    def allocated(self):
        return self.torch.cuda.memory_allocated()

    def start_peak(self):
        self.torch.cuda.reset_peak_memory_stats()

    def peak(self):
        return self.torch.cuda.max_memory_allocated()

    @staticmethod
    def host_available():
        with open("/proc/meminfo") as f:
            for line in f:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
        return 0


class Slot:
    """One model of the pool: its class and load options, the instance (None once
    unloaded) and its measured memory."""

    def __init__(self, cls, options):
        self.cls = cls
        self.options = options
        self.model = None
        self.on_gpu = False
        self.weights = int(getattr(cls, "estimate_gib", 0) * GIB)  # measured at the first load
        self.work = 0        # the largest peak over a call, above the allocated memory before it
        self.last_used = 0


class ModelPool:
    """name → Slot. `memory` and `device` are factories (tests pass fakes)."""

    def __init__(self, catalog, memory=TorchMemory, device=None, margin=GIB, host_reserve=4 * GIB):
        from . import gpu
        self.catalog = catalog
        self.slots = {}
        self._memory_factory = memory
        self._memory = None
        self._device = device or gpu.cuda_device
        self.margin = margin              # kept free above a model's measured needs
        self.host_reserve = host_reserve  # host memory left free when offloading
        self._tick = 0

    # -- what the server calls --------------------------------------------------------

    def model(self, name, options=None):
        """The ready instance of `name`: loaded (with `options`, or those of its last
        load) and, for a GPU model, on the GPU. New options reload it."""
        slot = self.slots.get(name)
        if slot is not None and options is not None and options != slot.options:
            self.unload(name)
            slot = None
        if slot is None:
            cls = self.catalog[name]
            slot = Slot(cls, dict(options or {}))
            self.slots[name] = slot
            try:
                self._load(slot)
            except BaseException:
                del self.slots[name]
                raise
        elif slot.model is None:
            self._load(slot)
        elif slot.cls.uses_gpu and not slot.on_gpu:
            self._to_gpu(slot)
        self._tick += 1
        slot.last_used = self._tick
        return slot.model

    def call(self, name, fn):
        """fn(model) with the model ready; a GPU model's working memory is measured, and
        an out-of-memory error is retried once after moving the other models off the GPU."""
        for attempt in (1, 2):
            model = self.model(name)
            slot = self.slots[name]
            if not slot.cls.uses_gpu:
                return fn(model)
            memory = self.memory()
            try:
                base = memory.allocated()
                memory.start_peak()
                out = fn(model)
                slot.work = max(slot.work, memory.peak() - base)
                return out
            except Exception as exc:
                if classify(exc) != "oom" or attempt == 2 or not self._others_on_gpu(slot):
                    raise
            # Out here the exception, and the tensors its frames held, are gone.
            log("%s ran out of GPU memory; moving the other models off the GPU and trying again" % name)
            self._evict_others(slot)
        raise AssertionError("unreachable")

    def release(self, names, mode):
        """mode "cpu": weights to host memory (moved back on next use); "unload": dropped."""
        for name in names:
            slot = self.slots.get(name)
            if slot is None:
                continue
            if mode == "unload":
                self.unload(name)
            elif slot.model is not None and slot.cls.uses_gpu and slot.on_gpu:
                self._evict(slot, "released to host memory")
        self.free_cache()

    def unload(self, name):
        slot = self.slots.pop(name, None)
        if slot is not None and slot.model is not None:
            slot.model.unload()
            slot.model = None
        self.free_cache()

    def free_cache(self):
        if self._memory is not None:
            self._memory.free_cache()
        else:
            gc.collect()

    def memory(self):
        if self._memory is None:
            self._memory = self._memory_factory()
        return self._memory

    def resident(self):
        """Names of the models whose weights are on the GPU (tests, logs)."""
        return sorted(n for n, s in self.slots.items() if s.model is not None and s.on_gpu)

    def loaded(self):
        """Names of the models whose weights are held anywhere (GPU or host memory)."""
        return sorted(n for n, s in self.slots.items() if s.model is not None)

    # -- loading and moving -----------------------------------------------------------

    def _load(self, slot):
        model = slot.cls()
        if not slot.cls.uses_gpu:
            model.load(slot.options)
            slot.model = model
            return
        model.device = self._device()  # no CUDA: a PermanentError before anything downloads
        memory = self.memory()
        self._make_room(slot.weights + self.margin, slot, "load " + slot.cls.name)
        for attempt in (1, 2):
            before = memory.allocated()
            try:
                model.load(slot.options)
                break
            except Exception as exc:
                if classify(exc) != "oom" or attempt == 2 or not self._others_on_gpu(slot):
                    raise
            model = slot.cls()
            model.device = self._device()
            self._evict_others(slot)
        slot.weights = max(0, memory.allocated() - before)
        slot.model = model
        slot.on_gpu = True
        log("%s loaded: %s of weights on the GPU" % (slot.cls.name, gib(slot.weights)))

    def _to_gpu(self, slot):
        self._make_room(slot.weights + slot.work + self.margin, slot, "run " + slot.cls.name)
        try:
            slot.model.place(self._device())
        except Exception as exc:
            if classify(exc) != "oom" or not self._others_on_gpu(slot):
                raise
        else:
            slot.on_gpu = True
            return
        self._evict_others(slot)
        slot.model.place(self._device())
        slot.on_gpu = True

    def _make_room(self, need, keep, why):
        memory = self.memory()
        memory.free_cache()
        free = memory.device_free()
        victims = sorted((s for s in self._gpu_slots() if s is not keep), key=lambda s: s.last_used)
        for victim in victims:
            if free >= need:
                break
            self._evict(victim, "to make room for " + keep.cls.name)
            memory.free_cache()
            free = memory.device_free()
        if free < need:
            log("%s free on the GPU to %s, which needs about %s; trying anyway" % (gib(free), why, gib(need)))

    def _evict(self, slot, why):
        """Moves a model's weights to host memory if the host can hold them, else unloads it."""
        memory = self.memory()
        if memory.host_available() >= slot.weights + self.host_reserve:
            slot.model.place("cpu")
            slot.on_gpu = False
            log("moved %s (%s) to host memory %s" % (slot.cls.name, gib(slot.weights), why))
        else:
            slot.model.unload()
            slot.model = None
            slot.on_gpu = False
            log("unloaded %s (%s; host memory too low to keep it) %s" % (slot.cls.name, gib(slot.weights), why))

    def _evict_others(self, keep):
        for slot in [s for s in self._gpu_slots() if s is not keep]:
            self._evict(slot, "after an out-of-memory error in " + keep.cls.name)
        self.memory().free_cache()

    def _gpu_slots(self):
        return [s for s in self.slots.values() if s.model is not None and s.on_gpu]

    def _others_on_gpu(self, keep):
        return any(s is not keep for s in self._gpu_slots())
