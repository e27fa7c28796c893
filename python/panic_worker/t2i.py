"""Text-to-image models (diffusers), with the references' settings. The image size is
a load option (`image_size`, default 256 as in the Python reference; the Elixir one
used 1024). A seed other than -1 makes the call deterministic through a seeded
torch.Generator per item."""
from . import gpu
from .base import T2I

DEFAULT_IMAGE_SIZE = 256


class DiffusersT2I(gpu.TorchModel):
    weights = "pipe"
    kind = T2I
    requires = ("torch", "diffusers", "transformers", "accelerate")
    repo = ""
    pipeline = ""
    steps = 0
    guidance = 0.0
    dtype = "bfloat16"
    variant = None
    max_batch = 8

    def load(self, options):
        import diffusers
        import torch
        cls = getattr(diffusers, self.pipeline)
        kwargs = {"torch_dtype": getattr(torch, self.dtype)}
        if self.variant:
            kwargs["variant"] = self.variant
        self.device = gpu.device()
        self.size = int(options.get("image_size", DEFAULT_IMAGE_SIZE))
        self.pipe = cls.from_pretrained(self.repo, **kwargs).to(self.device)
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
    description = "FLUX.1-dev (black-forest-labs), 20 steps, guidance 3.5"


class FluxSchnell(DiffusersT2I):
    name = "FluxSchnell"
    repo = "black-forest-labs/FLUX.1-schnell"
    pipeline = "FluxPipeline"
    steps = 6
    guidance = 3.5
    description = "FLUX.1-schnell (black-forest-labs), 6 steps, guidance 3.5"


class SDXLTurbo(DiffusersT2I):
    name = "SDXLTurbo"
    repo = "stabilityai/sdxl-turbo"
    pipeline = "AutoPipelineForText2Image"
    steps = 4
    guidance = 0.0
    dtype = "float16"
    variant = "fp16"
    description = "SDXL-Turbo (stabilityai), 4 steps, guidance 0"


class SD35Medium(DiffusersT2I):
    name = "SD35Medium"
    repo = "stabilityai/stable-diffusion-3.5-medium"
    pipeline = "StableDiffusion3Pipeline"
    steps = 20
    guidance = 5.0
    description = "Stable Diffusion 3.5 Medium (stabilityai), 20 steps, guidance 5"


MODELS = [FluxDev, FluxSchnell, SDXLTurbo, SD35Medium]
