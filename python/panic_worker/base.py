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

    def load(self, options):
        pass

    def release(self, mode):
        """mode "cpu": move weights off the GPU; "unload": drop them (the worker then
        forgets the instance)."""

    @classmethod
    def missing_packages(cls):
        return [p for p in cls.requires if importlib.util.find_spec(p) is None]

    @classmethod
    def modalities(cls):
        return {T2I: ("text", "image"), I2T: ("image", "text"),
                TEXT_EMBEDDING: ("text", "text"), IMAGE_EMBEDDING: ("image", "image")}[cls.kind]

    @classmethod
    def describe(cls):
        missing = cls.missing_packages()
        source, target = cls.modalities()
        return {"name": cls.name, "kind": cls.kind, "input": source, "output": target,
                "dimension": cls.dimension, "max_batch": cls.max_batch, "available": not missing,
                "missing": missing, "requires": list(cls.requires), "description": cls.description}
