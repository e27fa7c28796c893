"""PyDummyT2I, PyDummyI2T, PyDummyText, PyDummyVision: numpy/PIL-only models with the
recipes of the native DummyT2I, DummyI2T, DummyText and DummyVision (the Python
reference's recipes; src/panic/models/dummy/*.h), so that an experiment through the
worker reproduces the native one output for output when seeded.
"""
import hashlib
import itertools
import random
import secrets
import time

from .base import I2T, IMAGE_EMBEDDING, NON_DETERMINISTIC, T2I, TEXT_EMBEDDING, WorkerModel
from .gpu import no_options

IMAGE_SIZE = 256
EMBEDDING_DIM = 768
ADJECTIVES = ["bright", "dark", "vivid", "muted", "complex", "simple", "detailed", "abstract"]
NOUNS = ["scene", "image", "picture", "view", "composition", "artwork", "photo", "visual"]


def sha8(text):
    return int(hashlib.sha256(text.encode("utf-8", "surrogateescape")).hexdigest()[:8], 16)


def first_pixels(image, n):
    return list(itertools.islice(image.getdata(), n))


class PyDummyT2I(WorkerModel):
    name = "PyDummyT2I"
    kind = T2I
    requires = ("PIL",)
    description = "worker twin of DummyT2I: solid 256x256 colour from SHA-256 of the prompt and the seed"

    def load(self, options):
        from PIL import Image
        no_options(self.name, options)
        self._image = Image

    def colour(self, prompt, seed):
        if seed == NON_DETERMINISTIC:
            us = time.time_ns() // 1000
            return (us % 100, 200 + us % 56, 200 + (us // 100) % 56)
        rng = random.Random(seed + sha8(prompt))  # the same stream as random.seed(...)
        r = rng.randint(0, 100)
        g = rng.randint(200, 255)
        b = rng.randint(200, 255)
        return (r, g, b)

    def invoke(self, inputs, seeds):
        return [self._image.new("RGB", (IMAGE_SIZE, IMAGE_SIZE), self.colour(p, s)) for p, s in zip(inputs, seeds)]


class PyDummyI2T(WorkerModel):
    name = "PyDummyI2T"
    kind = I2T
    requires = ("PIL",)
    description = "worker twin of DummyI2T: 'dummy caption: <adjective> <noun> #<100-999>'"

    def load(self, options):
        no_options(self.name, options)

    def caption(self, image, seed):
        if seed == NON_DETERMINISTIC:
            return "dummy text caption " + secrets.token_hex(4)
        rng = random.Random(seed + sha8(repr(first_pixels(image, 10))))
        adjective = ADJECTIVES[rng.randint(0, 7)]
        noun = NOUNS[rng.randint(0, 7)]
        return "dummy caption: %s %s #%d" % (adjective, noun, rng.randint(100, 999))

    def invoke(self, inputs, seeds):
        return [self.caption(image, seed) for image, seed in zip(inputs, seeds)]


class PyDummyText(WorkerModel):
    name = "PyDummyText"
    kind = TEXT_EMBEDDING
    dimension = EMBEDDING_DIM
    requires = ("numpy",)
    description = "worker twin of DummyText: np.random.seed(sum of code points); rand(768)"

    def load(self, options):
        import numpy
        no_options(self.name, options)
        self._np = numpy

    def embed(self, inputs):
        np = self._np
        out = np.empty((len(inputs), EMBEDDING_DIM), dtype=np.float32)
        for i, text in enumerate(inputs):
            # RandomState(s) is the generator np.random.seed(s) installs globally.
            out[i] = np.random.RandomState(sum(ord(c) for c in text)).rand(EMBEDDING_DIM).astype(np.float32)
        return out


class PyDummyVision(WorkerModel):
    name = "PyDummyVision"
    kind = IMAGE_EMBEDDING
    dimension = EMBEDDING_DIM
    requires = ("numpy", "PIL")
    description = "worker twin of DummyVision: np.random.seed(size + first 100 pixels); rand(768)"

    def load(self, options):
        import numpy
        no_options(self.name, options)
        self._np = numpy

    def embed(self, inputs):
        np = self._np
        out = np.empty((len(inputs), EMBEDDING_DIM), dtype=np.float32)
        for i, image in enumerate(inputs):
            seed = 0
            if image.width * image.height > 0:
                pixels = first_pixels(image, 100)
                seed = (image.width + image.height + sum(sum(p) for p in pixels)) % 2**32
            out[i] = np.random.RandomState(seed).rand(EMBEDDING_DIM).astype(np.float32)
        return out


MODELS = [PyDummyT2I, PyDummyI2T, PyDummyText, PyDummyVision]
