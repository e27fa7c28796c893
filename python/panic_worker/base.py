"""The model interface the worker serves, and what `list` reports about each model."""
import functools
import importlib.metadata
import importlib.util

T2I = "T2I"
I2T = "I2T"
TEXT_EMBEDDING = "text-embedding"
IMAGE_EMBEDDING = "image-embedding"

NON_DETERMINISTIC = -1


@functools.lru_cache(maxsize=None)  # asked before every call; installs do not change under a worker
def installed_version(distribution):
    """The installed version of a distribution, read from its metadata (nothing is
    imported), or None when it is not installed."""
    try:
        return importlib.metadata.version(distribution)
    except importlib.metadata.PackageNotFoundError:
        return None


def version_tuple(text):
    """The leading numbers of a version: "4.57.1" -> (4, 57, 1), "5.0.0rc1" -> (5, 0, 0)."""
    out = []
    for part in text.split("."):
        digits = len(part) - len(part.lstrip("0123456789"))
        if digits == 0:
            break
        out.append(int(part[:digits]))
        if digits != len(part):
            break
    return tuple(out)


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
    # distribution -> (lowest version it works with or None, first version it does not
    # work with or None): API or remote-code breaks the adapter cannot cross.
    versions = {}

    def load(self, options):
        pass

    def unload(self):
        """Drops the weights (the worker then forgets the instance)."""

    @classmethod
    def missing_packages(cls):
        return [p for p in cls.requires if importlib.util.find_spec(p) is None]

    @classmethod
    def version_problems(cls):
        """What is wrong with the installed versions of `versions`, one text each (a
        package that is not installed is left to missing_packages)."""
        problems = []
        for distribution, (lowest, too_new) in sorted(cls.versions.items()):
            have = installed_version(distribution)
            if have is None:
                continue
            if lowest and version_tuple(have) < version_tuple(lowest):
                problems.append("%s needs %s >= %s, and %s is installed" % (cls.name, distribution, lowest, have))
            if too_new and version_tuple(have) >= version_tuple(too_new):
                problems.append("%s needs %s < %s, and %s is installed" % (cls.name, distribution, too_new, have))
        return problems

    @classmethod
    def modalities(cls):
        return {T2I: ("text", "image"), I2T: ("image", "text"),
                TEXT_EMBEDDING: ("text", "text"), IMAGE_EMBEDDING: ("image", "image")}[cls.kind]

    @classmethod
    def describe(cls, cuda_visible):
        """The `list` entry. A GPU model is unavailable without a CUDA device, or with a
        package version its adapter cannot work with, `reason` saying which (missing
        packages are named in `missing` instead)."""
        missing = cls.missing_packages()
        reason = ""
        problems = [] if missing else cls.version_problems()
        if problems:
            reason = "; ".join(problems) + " (pip install -r python/requirements-gpu.txt)"
        elif not missing and cls.uses_gpu and not cuda_visible():
            reason = "no CUDA GPU is visible to the worker (the real models need an NVIDIA GPU and its driver)"
        source, target = cls.modalities()
        return {"name": cls.name, "kind": cls.kind, "input": source, "output": target,
                "dimension": cls.dimension, "max_batch": cls.max_batch, "available": not missing and not reason,
                "missing": missing, "reason": reason, "requires": list(cls.requires), "options": list(cls.load_options),
                "description": cls.description}
