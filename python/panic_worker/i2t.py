"""Image-to-text models (transformers), with the references' settings (the table in
docs/PYTHON_WORKER.md). Each image is captioned on its own, after torch.manual_seed(seed)
when the run is seeded, so a seeded caption does not depend on the batch it was in.

Captions are stripped of surrounding whitespace and otherwise kept as the model wrote
them: a model that answers nothing gives "" (stored as an empty text, embedded, and fed
to the next model as an empty prompt), not a placeholder that no model wrote.
"""
from . import gpu
from .base import I2T
from .gpu import no_options


def seed_torch(seed):
    import torch
    if seed != -1:
        torch.manual_seed(int(seed))  # seeds the CPU and every CUDA device


def caption(text):
    return text.strip()


class Moondream(gpu.TorchModel):
    """The 2025-01-09 revision's remote code (vikhyat/moondream, moondream/torch) builds
    its layers, image crops and KV cache in float16 and decodes greedily (argmax), so
    the seed has no effect. It is loaded without a torch_dtype, as the Python reference
    did: a bfloat16 load fails at the first caption with a Half/BFloat16 mismatch. Its
    image cropping imports pyvips (pip: pyvips and pyvips-binary, or Debian's libvips)."""

    name = "Moondream"
    kind = I2T
    repo = "vikhyatk/moondream2"
    revision = "2025-01-09"
    requires = ("torch", "transformers", "einops", "pyvips")
    versions = {"transformers": (None, "5")}  # its remote code needs patches under 5 (the Elixir version's)
    max_batch = 16
    estimate_gib = 4.0
    description = "moondream2 (vikhyatk) revision 2025-01-09, float16 as its code builds it, short caption"

    def load(self, options):
        from transformers import AutoModelForCausalLM
        no_options(self.name, options)
        self.model = AutoModelForCausalLM.from_pretrained(self.repo, revision=self.revision, trust_remote_code=True)
        self.model.to(self.device)

    def invoke(self, inputs, seeds):
        out = []
        for image, seed in zip(inputs, seeds):
            seed_torch(seed)
            out.append(caption(self.model.caption(image, length="short")["caption"]))
        return out


class BLIP2(gpu.TorchModel):
    """As the Python reference: float16, max_length 50, 5 beams; a seeded run samples
    (beam sampling with top_p 0.9), an unseeded one searches the beams deterministically
    (the reference's do_sample = seed != -1). top_p is passed only when sampling, where
    it acts; the reference passed it always, and without sampling it is ignored.
    generate() runs under float16 autocast, as the reference's did: its layer norms and
    softmaxes then compute in float32 around the float16 weights, and captions follow
    those numerics."""

    weight_attrs = ("model",)
    name = "BLIP2"
    kind = I2T
    repo = "Salesforce/blip2-opt-2.7b"
    requires = ("torch", "transformers", "accelerate")
    max_batch = 16
    estimate_gib = 8.0
    description = "BLIP-2 OPT-2.7b (Salesforce), fp16, max_length 50, 5 beams, seeded runs sample with top_p 0.9"

    def load(self, options):
        import torch
        from transformers import Blip2ForConditionalGeneration, Blip2Processor
        no_options(self.name, options)
        self.dtype = torch.float16
        self.processor = Blip2Processor.from_pretrained(self.repo)
        self.model = Blip2ForConditionalGeneration.from_pretrained(self.repo, torch_dtype=self.dtype)
        self.model.to(self.device)

    @staticmethod
    def decoding(seed):
        kwargs = {"max_length": 50, "num_beams": 5, "do_sample": seed != -1}
        if kwargs["do_sample"]:
            kwargs["top_p"] = 0.9
        return kwargs

    def invoke(self, inputs, seeds):
        import torch
        out = []
        for image, seed in zip(inputs, seeds):
            seed_torch(seed)
            batch = self.processor(images=image, return_tensors="pt").to(self.device, self.dtype)
            with torch.inference_mode(), gpu.autocast(self.device, self.dtype):
                ids = self.model.generate(**batch, **self.decoding(seed))
            out.append(caption(self.processor.batch_decode(ids, skip_special_tokens=True)[0]))
        return out


class Florence2(gpu.TorchModel):
    """As the Elixir reference: florence-community/Florence-2-large-ft with transformers'
    own Florence2ForConditionalGeneration (transformers >= 4.56), bfloat16, 3 beams, no
    sampling. (microsoft/Florence-2-large's remote code fails to load on transformers
    >= 4.54.)"""

    name = "Florence2"
    kind = I2T
    repo = "florence-community/Florence-2-large-ft"
    task = "<MORE_DETAILED_CAPTION>"
    requires = ("torch", "transformers")
    versions = {"transformers": ("4.56", None)}  # the first with Florence2ForConditionalGeneration
    max_batch = 16
    estimate_gib = 2.0
    description = "Florence-2-large-ft (florence-community), bf16, <MORE_DETAILED_CAPTION>, 3 beams"

    def load(self, options):
        import torch
        from transformers import AutoProcessor, Florence2ForConditionalGeneration
        no_options(self.name, options)
        self.dtype = torch.bfloat16
        self.model = Florence2ForConditionalGeneration.from_pretrained(self.repo, torch_dtype=self.dtype).eval()
        self.model.to(self.device)
        self.processor = AutoProcessor.from_pretrained(self.repo)

    def invoke(self, inputs, seeds):
        import torch
        out = []
        for image, seed in zip(inputs, seeds):
            seed_torch(seed)
            batch = self.processor(text=self.task, images=image, return_tensors="pt").to(self.device, self.dtype)
            with torch.inference_mode():
                ids = self.model.generate(**batch, max_new_tokens=1024, num_beams=3, do_sample=False)
            text = self.processor.batch_decode(ids, skip_special_tokens=False)[0]
            parsed = self.processor.post_process_generation(text, task=self.task, image_size=(image.width, image.height))
            out.append(caption(parsed[self.task]))
        return out


MODELS = [Moondream, BLIP2, Florence2]
