"""Stand-ins for diffusers 0.35, transformers 4.57 and sentence-transformers 5.1: the
classes, methods and keyword arguments the worker's adapters call, each with the real
parameter names (an argument the real API does not take is a TypeError here too),
returning outputs of the real shapes and types. Every call is recorded in CALLS so that
tests can assert the arguments that decide a model's results. Sampling draws from
torch's generators exactly where the real libraries do (per-item generators in
diffusers, the global generator in transformers' generate), so seeding is testable.

install() puts the stand-ins into sys.modules; the adapters import them in load().
"""
import hashlib
import importlib.machinery
import sys
import types
import weakref

import numpy as np
import torch
from PIL import Image

CALLS = []  # (what, args): "Pipeline.from_pretrained", "pipe()", "generate", ...
AUTOCAST = []  # the (device_type, dtype) of each Autocast context being entered, innermost last


class Autocast:
    """Replaces torch.autocast in tests that place a model on "cuda" (CPU torch cannot
    autocast to float16): records the contexts that generate() runs inside."""

    def __init__(self, device_type, dtype=None, enabled=True, cache_enabled=None):
        self.state = (device_type, dtype)

    def __enter__(self):
        AUTOCAST.append(self.state)
        return self

    def __exit__(self, *exc):
        AUTOCAST.pop()
        return False


def record(what, **kwargs):
    CALLS.append((what, kwargs))


def calls(what):
    return [kw for name, kw in CALLS if name == what]


def digest(text):
    return int(hashlib.sha256(text.encode("utf-8", "surrogateescape")).hexdigest()[:8], 16)


class BatchFeature(dict):
    """transformers.BatchFeature: .to(device) moves, .to(device, dtype) also casts the
    floating tensors (as the real one does); both return the same object."""

    def to(self, *args, **kwargs):
        dtype = next((a for a in args if isinstance(a, torch.dtype)), kwargs.get("dtype"))
        device = next((a for a in args if not isinstance(a, torch.dtype)), kwargs.get("device"))
        for key, value in self.items():
            if isinstance(value, torch.Tensor) and value.is_floating_point() and dtype is not None:
                self[key] = value.to(dtype)
        self.device = device
        return self


LIVE = weakref.WeakSet()  # every Weights alive (stand_in_site's simulated card counts them)


class Weights:
    """A module-like holder of float weights: .to(device) / .to(dtype), .eval(). A move
    to another device is recorded ("moved")."""

    def __init__(self, dtype=torch.float32):
        self.dtype = dtype
        self.device = "cpu"
        LIVE.add(self)

    def to(self, *args, **kwargs):
        for a in args:
            if isinstance(a, torch.dtype):
                self.dtype = a
            elif str(a) != self.device:
                self.device = str(a)
                record("moved", model=type(self).__name__, device=self.device)
        return self

    def eval(self):
        self.evaluated = True
        return self


# -- diffusers ------------------------------------------------------------------------

class DiffusionPipeline(Weights):
    components = ("text_encoder", "tokenizer", "transformer", "vae", "scheduler")

    @classmethod
    def from_pretrained(cls, pretrained_model_name_or_path, *, torch_dtype=None, variant=None, revision=None,
                        use_safetensors=None, **components):
        unknown = set(components) - set(cls.components)
        if unknown:
            raise TypeError("%s does not take %s" % (cls.__name__, sorted(unknown)))
        record(cls.__name__ + ".from_pretrained", repo=pretrained_model_name_or_path, torch_dtype=torch_dtype,
               variant=variant, revision=revision, **components)
        pipe = cls(torch_dtype or torch.float32)
        pipe.loaded_components = components
        return pipe

    def set_progress_bar_config(self, **kwargs):
        self.progress_bar_config = kwargs

    def __call__(self, prompt=None, prompt_2=None, height=None, width=None, num_inference_steps=28,
                 guidance_scale=3.5, num_images_per_prompt=1, generator=None, latents=None, output_type="pil",
                 return_dict=True, max_sequence_length=512):
        prompts = [prompt] if isinstance(prompt, str) else list(prompt)
        if isinstance(generator, list) and len(generator) != len(prompts):
            raise ValueError("You have passed a list of generators of length %d, but requested an effective batch "
                             "size of %d." % (len(generator), len(prompts)))
        record(type(self).__name__ + "()", prompt=prompts, height=height, width=width,
               num_inference_steps=num_inference_steps, guidance_scale=guidance_scale, generator=generator,
               device=self.device)
        images = []
        for i, text in enumerate(prompts):
            # randn_tensor with a list of generators: item i's noise from generator[i].
            g = generator[i] if isinstance(generator, list) else generator
            noise = torch.randn((3,), generator=g)
            shade = (digest(text) + (noise * 1000).long()) % 256
            images.append(Image.new("RGB", (width, height), tuple(int(v) for v in shade)))
        return types.SimpleNamespace(images=images)


class FluxPipeline(DiffusionPipeline):
    components = ("text_encoder", "text_encoder_2", "tokenizer", "tokenizer_2", "transformer", "vae", "scheduler")


class StableDiffusion3Pipeline(DiffusionPipeline):
    components = ("text_encoder", "text_encoder_2", "text_encoder_3", "tokenizer", "tokenizer_2", "tokenizer_3",
                  "transformer", "vae", "scheduler")


class AutoPipelineForText2Image(DiffusionPipeline):
    components = ("text_encoder", "text_encoder_2", "tokenizer", "tokenizer_2", "unet", "vae", "scheduler")


# -- transformers ---------------------------------------------------------------------

def from_pretrained_record(cls, repo, kwargs, allowed):
    unknown = set(kwargs) - set(allowed)
    if unknown:
        raise TypeError("%s.from_pretrained does not take %s here" % (cls.__name__, sorted(unknown)))
    record(cls.__name__ + ".from_pretrained", repo=repo, **kwargs)


class Tokenizing:
    """batch_decode of the token ids our stand-in models emit: ids are code points."""

    def batch_decode(self, sequences, skip_special_tokens=False, **kwargs):
        out = []
        for row in sequences.tolist():
            text = "".join(chr(t) for t in row if t > 2)
            out.append(text if skip_special_tokens else "</s><s>" + text + "</s>")
        return out


class MoondreamModel(Weights):
    """The 2025-01-09 revision: layers built in float16, crops and KV cache made in
    float16 whatever the weights are, so weights cast to bfloat16 fail at the first call."""

    def __init__(self):
        super().__init__(torch.float16)

    def caption(self, image, length="normal", stream=False, settings=None):
        record("Moondream.caption", length=length, stream=stream, settings=settings, device=self.device)
        if self.dtype != torch.float16:
            raise RuntimeError("expected mat1 and mat2 to have the same dtype, but got: c10::Half != c10::BFloat16")
        first = image.getpixel((0, 0))
        text = "" if first == (0, 0, 0) else " a picture of shade %d \n" % sum(first)
        return {"caption": text}


class AutoModelForCausalLM:
    @classmethod
    def from_pretrained(cls, pretrained_model_name_or_path, **kwargs):
        from_pretrained_record(cls, pretrained_model_name_or_path, kwargs,
                               ("revision", "trust_remote_code", "torch_dtype", "device_map"))
        model = MoondreamModel()
        if kwargs.get("torch_dtype") is not None:
            model.to(kwargs["torch_dtype"])
        return model


class Blip2Processor(Tokenizing):
    @classmethod
    def from_pretrained(cls, pretrained_model_name_or_path, **kwargs):
        from_pretrained_record(cls, pretrained_model_name_or_path, kwargs, ("revision",))
        return cls()

    def __call__(self, images=None, text=None, return_tensors=None, **kwargs):
        pixels = torch.tensor(np.asarray(images.resize((8, 8)), dtype=np.float32)).permute(2, 0, 1)[None] / 255
        return BatchFeature(pixel_values=pixels)


class Blip2ForConditionalGeneration(Weights):
    GENERATE_KWARGS = ("max_length", "max_new_tokens", "num_beams", "do_sample", "top_p", "top_k", "temperature",
                       "early_stopping", "num_return_sequences")

    @classmethod
    def from_pretrained(cls, pretrained_model_name_or_path, **kwargs):
        from_pretrained_record(cls, pretrained_model_name_or_path, kwargs, ("torch_dtype", "revision", "device_map"))
        return cls(kwargs.get("torch_dtype") or torch.float32)

    def generate(self, pixel_values=None, input_ids=None, attention_mask=None, **generate_kwargs):
        unknown = set(generate_kwargs) - set(self.GENERATE_KWARGS)
        if unknown:
            raise TypeError("generate() got unexpected %s" % sorted(unknown))
        if pixel_values.dtype != self.dtype:
            raise RuntimeError("Input type (%s) and weight type (%s) should be the same" % (pixel_values.dtype, self.dtype))
        record("Blip2.generate", pixel_dtype=pixel_values.dtype, autocast=list(AUTOCAST), **generate_kwargs)
        base = int(pixel_values.float().sum().item() * 1000) % 26
        if generate_kwargs.get("do_sample"):
            picks = torch.randint(0, 26, (6,))  # sampling draws from torch's global generator
        else:
            picks = torch.arange(6)
        ids = [2] + [ord("a") + (base + int(p)) % 26 for p in picks]
        return torch.tensor([ids])


class Florence2Processor(Tokenizing):
    def __call__(self, images=None, text=None, return_tensors=None, **kwargs):
        record("Florence2Processor()", text=text)
        pixels = torch.tensor(np.asarray(images.resize((8, 8)), dtype=np.float32)).permute(2, 0, 1)[None] / 255
        return BatchFeature(input_ids=torch.tensor([[0, 5, 6, 2]]), attention_mask=torch.ones(1, 4, dtype=torch.long),
                            pixel_values=pixels)

    def post_process_generation(self, text=None, sequence=None, task=None, image_size=None):
        record("Florence2.post_process_generation", task=task, image_size=image_size)
        return {task: text.replace("<s>", "").replace("</s>", "")}


class AutoProcessor:
    @classmethod
    def from_pretrained(cls, pretrained_model_name_or_path, **kwargs):
        from_pretrained_record(cls, pretrained_model_name_or_path, kwargs, ("revision", "trust_remote_code"))
        return Florence2Processor()


class Florence2ForConditionalGeneration(Weights):
    @classmethod
    def from_pretrained(cls, pretrained_model_name_or_path, **kwargs):
        from_pretrained_record(cls, pretrained_model_name_or_path, kwargs, ("torch_dtype", "revision", "device_map"))
        return cls(kwargs.get("torch_dtype") or torch.float32)

    def generate(self, input_ids=None, pixel_values=None, attention_mask=None, max_new_tokens=None, num_beams=None,
                 do_sample=None, **kwargs):
        if pixel_values.dtype != self.dtype:
            raise RuntimeError("Input type (%s) and weight type (%s) should be the same" % (pixel_values.dtype, self.dtype))
        record("Florence2.generate", max_new_tokens=max_new_tokens, num_beams=num_beams, do_sample=do_sample,
               input_ids=input_ids.tolist(), **kwargs)
        shade = int(pixel_values.float().mean().item() * 100)
        return torch.tensor([[2, 0] + [ord(c) for c in " The image shows shade %d. " % shade] + [2]])


class JinaClipModel(Weights):
    """jina-clip-v2's remote code: 1024-d vectors, Matryoshka-truncated on request,
    normalised by default."""

    def encode_text(self, sentences, batch_size=32, show_progress_bar=None, convert_to_numpy=True,
                    convert_to_tensor=False, device=None, normalize_embeddings=True, truncate_dim=None, task=None):
        record("JinaClip.encode_text", sentences=list(sentences), truncate_dim=truncate_dim, task=task)
        return self._vectors([digest(s) for s in sentences], truncate_dim, normalize_embeddings)

    def encode_image(self, images, batch_size=32, show_progress_bar=None, convert_to_numpy=True,
                     convert_to_tensor=False, device=None, normalize_embeddings=True, truncate_dim=None):
        record("JinaClip.encode_image", count=len(images), truncate_dim=truncate_dim)
        return self._vectors([sum(im.getpixel((0, 0))) for im in images], truncate_dim, normalize_embeddings)

    @staticmethod
    def _vectors(seeds, truncate_dim, normalise):
        out = np.stack([np.random.RandomState(s).standard_normal(1024).astype(np.float32) for s in seeds])
        out = out[:, :truncate_dim] if truncate_dim else out
        return out / np.linalg.norm(out, axis=1, keepdims=True) if normalise else out


class NomicVisionModel(Weights):
    """A ViT: last_hidden_state of (batch, 197, 768) whose token 0 is the CLS token."""

    def __call__(self, pixel_values=None, **kwargs):
        batch = pixel_values.shape[0]
        hidden = torch.ones(batch, 197, 768)
        for i in range(batch):
            hidden[i, 0] = torch.tensor(np.random.RandomState(int(pixel_values[i].sum().item())).rand(768))
        return types.SimpleNamespace(last_hidden_state=hidden)


class AutoModel:
    REPOS = {"jinaai/jina-clip-v2": JinaClipModel, "nomic-ai/nomic-embed-vision-v1.5": NomicVisionModel}

    @classmethod
    def from_pretrained(cls, pretrained_model_name_or_path, **kwargs):
        from_pretrained_record(cls, pretrained_model_name_or_path, kwargs, ("trust_remote_code", "torch_dtype", "revision"))
        return cls.REPOS[pretrained_model_name_or_path]()


class ImageProcessor:
    def __call__(self, images, return_tensors=None, **kwargs):
        pixels = [torch.tensor(np.asarray(im.resize((4, 4)), dtype=np.float32)).permute(2, 0, 1) for im in images]
        return BatchFeature(pixel_values=torch.stack(pixels))


class AutoImageProcessor:
    @classmethod
    def from_pretrained(cls, pretrained_model_name_or_path, **kwargs):
        from_pretrained_record(cls, pretrained_model_name_or_path, kwargs, ("revision", "trust_remote_code"))
        return ImageProcessor()


# -- sentence-transformers ------------------------------------------------------------

class SentenceTransformer(Weights):
    def __init__(self, model_name_or_path=None, modules=None, device=None, prompts=None, default_prompt_name=None,
                 similarity_fn_name=None, cache_folder=None, trust_remote_code=False, revision=None,
                 local_files_only=False, token=None, use_auth_token=None, truncate_dim=None, model_kwargs=None,
                 tokenizer_kwargs=None, config_kwargs=None, model_card_data=None, backend="torch"):
        super().__init__()
        record("SentenceTransformer()", repo=model_name_or_path, device=device, trust_remote_code=trust_remote_code,
               revision=revision, truncate_dim=truncate_dim)
        self.device = device

    def encode(self, sentences, prompt_name=None, prompt=None, batch_size=32, show_progress_bar=None,
               output_value="sentence_embedding", precision="float32", convert_to_numpy=True, convert_to_tensor=False,
               device=None, normalize_embeddings=False, truncate_dim=None, pool=None, chunk_size=None):
        record("SentenceTransformer.encode", sentences=list(sentences), prompt_name=prompt_name, prompt=prompt,
               batch_size=batch_size, convert_to_numpy=convert_to_numpy, normalize_embeddings=normalize_embeddings,
               show_progress_bar=show_progress_bar)
        out = np.stack([np.random.RandomState(digest(s)).standard_normal(768).astype(np.float32) + 0.5 for s in sentences])
        return out / np.linalg.norm(out, axis=1, keepdims=True) if normalize_embeddings else out


def module(name, **attrs):
    m = types.ModuleType(name)
    m.__spec__ = importlib.machinery.ModuleSpec(name, None)  # so that importlib.util.find_spec finds it
    m.__dict__.update(attrs)
    return m


def install():
    """Puts the stand-in packages into sys.modules (and the ones the adapters' `requires`
    name) and clears CALLS."""
    CALLS.clear()
    AUTOCAST.clear()
    sys.modules["diffusers"] = module("diffusers", FluxPipeline=FluxPipeline, AutoPipelineForText2Image=AutoPipelineForText2Image,
                                      StableDiffusion3Pipeline=StableDiffusion3Pipeline)
    sys.modules["transformers"] = module(
        "transformers", AutoModelForCausalLM=AutoModelForCausalLM, Blip2Processor=Blip2Processor,
        Blip2ForConditionalGeneration=Blip2ForConditionalGeneration, AutoProcessor=AutoProcessor,
        Florence2ForConditionalGeneration=Florence2ForConditionalGeneration, AutoModel=AutoModel,
        AutoImageProcessor=AutoImageProcessor)
    sys.modules["sentence_transformers"] = module("sentence_transformers", SentenceTransformer=SentenceTransformer)
    for name in ("accelerate", "einops", "timm", "pyvips"):
        sys.modules[name] = module(name)
