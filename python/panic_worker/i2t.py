"""Image-to-text models (transformers), with the references' settings. A seed other
than -1 seeds torch before the call."""
from . import gpu
from .base import I2T


def seed_torch(seed):
    import torch
    if seed != -1:
        torch.manual_seed(int(seed))


class Moondream(gpu.TorchModel):
    name = "Moondream"
    kind = I2T
    requires = ("torch", "transformers", "accelerate")
    max_batch = 16
    description = "moondream2 (vikhyatk), short caption"

    def load(self, options):
        import torch
        from transformers import AutoModelForCausalLM
        self.device = gpu.device()
        self.model = AutoModelForCausalLM.from_pretrained(
            "vikhyatk/moondream2", revision="2025-01-09", trust_remote_code=True,
            torch_dtype=torch.bfloat16 if self.device == "cuda" else torch.float32,
            device_map={"": self.device})

    def invoke(self, inputs, seeds):
        out = []
        for image, seed in zip(inputs, seeds):
            seed_torch(seed)
            out.append(self.model.caption(image, length="short")["caption"].strip())
        return out


class BLIP2(gpu.TorchModel):
    name = "BLIP2"
    kind = I2T
    requires = ("torch", "transformers", "accelerate")
    max_batch = 16
    description = "BLIP-2 OPT-2.7b (Salesforce), max_length 50, 5 beams, sampling only when seeded"

    def load(self, options):
        import torch
        from transformers import Blip2ForConditionalGeneration, Blip2Processor
        self.device = gpu.device()
        self.dtype = torch.float16 if self.device == "cuda" else torch.float32
        self.processor = Blip2Processor.from_pretrained("Salesforce/blip2-opt-2.7b")
        self.model = Blip2ForConditionalGeneration.from_pretrained(
            "Salesforce/blip2-opt-2.7b", torch_dtype=self.dtype).to(self.device)

    def invoke(self, inputs, seeds):
        import torch
        out = []
        for image, seed in zip(inputs, seeds):
            seed_torch(seed)
            batch = self.processor(images=image, return_tensors="pt").to(self.device, self.dtype)
            with torch.inference_mode():
                ids = self.model.generate(**batch, max_length=50, num_beams=5, do_sample=seed != -1)
            out.append(self.processor.batch_decode(ids, skip_special_tokens=True)[0].strip())
        return out


class Florence2(gpu.TorchModel):
    name = "Florence2"
    kind = I2T
    requires = ("torch", "transformers", "accelerate", "timm", "einops")
    max_batch = 16
    description = "Florence-2-large (microsoft), detailed caption"
    task = "<MORE_DETAILED_CAPTION>"

    def load(self, options):
        import torch
        from transformers import AutoModelForCausalLM, AutoProcessor
        self.device = gpu.device()
        self.dtype = torch.float16 if self.device == "cuda" else torch.float32
        self.model = AutoModelForCausalLM.from_pretrained(
            "microsoft/Florence-2-large", torch_dtype=self.dtype, trust_remote_code=True).to(self.device)
        self.processor = AutoProcessor.from_pretrained("microsoft/Florence-2-large", trust_remote_code=True)

    def invoke(self, inputs, seeds):
        import torch
        out = []
        for image, seed in zip(inputs, seeds):
            seed_torch(seed)
            batch = self.processor(text=self.task, images=image, return_tensors="pt").to(self.device, self.dtype)
            with torch.inference_mode():
                ids = self.model.generate(input_ids=batch["input_ids"], pixel_values=batch["pixel_values"],
                                          max_new_tokens=1024, num_beams=3, do_sample=False)
            text = self.processor.batch_decode(ids, skip_special_tokens=False)[0]
            parsed = self.processor.post_process_generation(text, task=self.task,
                                                            image_size=(image.width, image.height))
            out.append(parsed[self.task].strip())
        return out


MODELS = [Moondream, BLIP2, Florence2]
