"""Text-to-image models (diffusers), with the references' settings (the table in
docs/PYTHON_WORKER.md). Written against diffusers 0.35: `Pipeline.from_pretrained(repo,
torch_dtype=…, variant=…)`, `.to(device)`, `set_progress_bar_config(disable=True)` and
`pipe(prompt=[…], height, width, num_inference_steps, guidance_scale, generator=[…])
.images`.

The image size is the load option `image_size` (experiment option
`options.image_size.<Model>`): a multiple of 16 from 256 to 2048; each model has its
reference's default. A seed other than -1 gives the item its own seeded
torch.Generator, so a seeded image does not depend on the batch it was drawn in.
"""
from . import gpu
from .base import T2I
from .errors import PermanentError

MIN_SIZE, MAX_SIZE, SIZE_STEP = 256, 2048, 16


def image_size(name, options, default):
    unknown = sorted(set(options) - {"image_size"})
    if unknown:
        raise PermanentError("%s: unknown load option(s) %s (it takes: image_size)" % (name, ", ".join(unknown)))
    size = options.get("image_size", default)
    if not isinstance(size, int) or isinstance(size, bool) or not MIN_SIZE <= size <= MAX_SIZE or size % SIZE_STEP:
        raise PermanentError("%s: image_size %r is not allowed (a multiple of %d from %d to %d)"
                             % (name, size, SIZE_STEP, MIN_SIZE, MAX_SIZE))
    return size


class DiffusersT2I(gpu.TorchModel):
    kind = T2I
    requires = ("torch", "diffusers", "transformers", "accelerate")
    weight_attrs = ("pipe",)
    repo = ""
    pipeline = ""
    steps = 0
    guidance = 0.0
    dtype = "bfloat16"
    variant = None
    default_size = 256   # the Python reference's IMAGE_SIZE
    load_options = ("image_size",)
    max_batch = 8

    def pretrained_kwargs(self):
        import torch
        kwargs = {"torch_dtype": getattr(torch, self.dtype)}
        if self.variant:
            kwargs["variant"] = self.variant
        return kwargs

    def load(self, options):
        import diffusers
        self.size = image_size(self.name, options, self.default_size)
        cls = getattr(diffusers, self.pipeline)
        self.pipe = cls.from_pretrained(self.repo, **self.pretrained_kwargs())
        self.pipe.to(self.device)
        self.pipe.set_progress_bar_config(disable=True)

    def invoke(self, inputs, seeds):
        import torch
        with torch.inference_mode():
            result = self.pipe(prompt=list(inputs), height=self.size, width=self.size,
                               num_inference_steps=self.steps, guidance_scale=self.guidance,
                               generator=gpu.generators(seeds, self.device))
        return [image.convert("RGB") for image in result.images]


class FluxDev(DiffusersT2I):
    name = "FluxDev"
    repo = "black-forest-labs/FLUX.1-dev"
    pipeline = "FluxPipeline"
    steps = 20
    guidance = 3.5
    estimate_gib = 33.0  # transformer 23.8 + T5-XXL 9.5 + CLIP and VAE, bf16
    description = "FLUX.1-dev (black-forest-labs), bf16, 20 steps, guidance 3.5, 256 px"


class FluxSchnell(DiffusersT2I):
    name = "FluxSchnell"
    repo = "black-forest-labs/FLUX.1-schnell"
    pipeline = "FluxPipeline"
    steps = 6
    guidance = 3.5
    estimate_gib = 33.0
    description = "FLUX.1-schnell (black-forest-labs), bf16, 6 steps, guidance 3.5, 256 px"


class SDXLTurbo(DiffusersT2I):
    name = "SDXLTurbo"
    repo = "stabilityai/sdxl-turbo"
    pipeline = "AutoPipelineForText2Image"
    steps = 4
    guidance = 0.0
    dtype = "float16"
    variant = "fp16"
    estimate_gib = 7.0
    description = "SDXL-Turbo (stabilityai), fp16, 4 steps, guidance 0, 256 px"


class SD35Medium(DiffusersT2I):
    """Without the T5-XXL text encoder, as the Elixir reference loaded it: the prompt
    goes through the two CLIP encoders only (77 tokens), saving ~9.5 GB of GPU memory.
    1024 px by default, the model's native size and the Elixir reference's."""

    name = "SD35Medium"
    repo = "stabilityai/stable-diffusion-3.5-medium"
    pipeline = "StableDiffusion3Pipeline"
    steps = 20
    guidance = 5.0
    default_size = 1024
    estimate_gib = 6.0
    description = "Stable Diffusion 3.5 Medium (stabilityai), bf16, no T5, 20 steps, guidance 5, 1024 px"

    def pretrained_kwargs(self):
        return dict(super().pretrained_kwargs(), text_encoder_3=None, tokenizer_3=None)


MODELS = [FluxDev, FluxSchnell, SDXLTurbo, SD35Medium]
