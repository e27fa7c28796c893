"""The model interface the worker serves, and what `list` reports about each model."""
import importlib.util

T2I = "T2I"
I2T = "I2T"
TEXT_EMBEDDING = "text-embedding"
IMAGE_EMBEDDING = "image-embedding"

NON_DETERMINISTIC = -1


class WorkerModel:
    """One model class. Subclasses set the class attributes and implement load() plus
    invoke() (T2I, I2T) or embed() (embedding kinds).

    load(options): options is the `load` request's object (e.g. {"image_size": 1024});
    a model raises errors.PermanentError for an option it does not take.
    invoke(inputs, seeds): inputs are str (T2I) or PIL RGB images (I2T); returns one
    output per input (a PIL image or a str). embed(inputs): returns a float32 array of
    shape (len(inputs), dimension).
    """

    name = ""
    kind = ""
    dimension = 0        # embedding models only
    max_batch = 0        # largest batch one call takes; 0 = unlimited
    requires = ()        # top-level Python packages imported by load()
    description = ""
    uses_gpu = False     # True: needs a CUDA device, and residency.py manages its memory
    load_options = ()    # the keys its load() takes

    def load(self, options):
        pass

    def unload(self):
        """Drops the weights (the worker then forgets the instance)."""

    @classmethod
    def missing_packages(cls):
        return [p for p in cls.requires if importlib.util.find_spec(p) is None]

    @classmethod
    def modalities(cls):
        return {T2I: ("text", "image"), I2T: ("image", "text"),
                TEXT_EMBEDDING: ("text", "text"), IMAGE_EMBEDDING: ("image", "image")}[cls.kind]

    @classmethod
    def describe(cls, cuda_visible):
        """The `list` entry. A GPU model is unavailable without a CUDA device, with
        `reason` saying so (missing packages are named in `missing` instead)."""
        missing = cls.missing_packages()
        reason = ""
        if not missing and cls.uses_gpu and not cuda_visible():
            reason = "no CUDA GPU is visible to the worker (the real models need an NVIDIA GPU and its driver)"
        source, target = cls.modalities()
        return {"name": cls.name, "kind": cls.kind, "input": source, "output": target,
                "dimension": cls.dimension, "max_batch": cls.max_batch, "available": not missing and not reason,
                "missing": missing, "reason": reason, "requires": list(cls.requires), "options": list(cls.load_options),
                "description": cls.description}
