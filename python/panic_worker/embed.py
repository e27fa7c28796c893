"""Embedding models (sentence-transformers, transformers remote code), with the
references' settings (the table in docs/PYTHON_WORKER.md). Every vector is float32 of
the model's dimension, L2-normalised; texts and images are truncated by each model's own
tokenizer or image processor, with its defaults."""
from . import gpu
from .base import IMAGE_EMBEDDING, TEXT_EMBEDDING
from .gpu import no_options

DIMENSION = 768


def normalised(array):
    import numpy as np
    array = np.asarray(array, dtype=np.float32)
    norms = np.linalg.norm(array, axis=1, keepdims=True)
    return array / np.where(norms > 0, norms, 1)


class SentenceTransformerModel(gpu.TorchModel):
    """sentence-transformers 5.1: SentenceTransformer(repo, device=…, trust_remote_code=…)
    and encode(texts, batch_size, convert_to_numpy, normalize_embeddings,
    show_progress_bar). encode() returns the vectors in input order (it sorts by
    length only inside)."""

    kind = TEXT_EMBEDDING
    dimension = DIMENSION
    requires = ("torch", "sentence_transformers", "numpy")
    max_batch = 64
    estimate_gib = 0.5
    repo = ""
    prefix = ""
    trust_remote_code = False

    def load(self, options):
        from sentence_transformers import SentenceTransformer
        no_options(self.name, options)
        self.model = SentenceTransformer(self.repo, device=self.device, trust_remote_code=self.trust_remote_code)
        self.model.eval()

    def embed(self, inputs):
        texts = [self.prefix + t for t in inputs]
        vectors = self.model.encode(texts, batch_size=max(1, len(texts)), convert_to_numpy=True,
                                    normalize_embeddings=True, show_progress_bar=False)
        return normalised(vectors)


class STSBMpnet(SentenceTransformerModel):
    name = "STSBMpnet"
    repo = "sentence-transformers/stsb-mpnet-base-v2"
    description = "sentence-transformers stsb-mpnet-base-v2, normalised, 768-d"


class STSBRoberta(SentenceTransformerModel):
    name = "STSBRoberta"
    repo = "sentence-transformers/stsb-roberta-base-v2"
    description = "sentence-transformers stsb-roberta-base-v2, normalised, 768-d"


class STSBDistilRoberta(SentenceTransformerModel):
    name = "STSBDistilRoberta"
    repo = "sentence-transformers/stsb-distilroberta-base-v2"
    description = "sentence-transformers stsb-distilroberta-base-v2, normalised, 768-d"


class Nomic(SentenceTransformerModel):
    """nomic-embed-text-v2-moe, as both references. It is trained with task prefixes;
    the outputs are documents, so every text gets "search_document: " (the prompt the
    references asked for with prompt_name="passage", which their encode override lost)."""

    name = "Nomic"
    repo = "nomic-ai/nomic-embed-text-v2-moe"
    prefix = "search_document: "
    trust_remote_code = True
    requires = ("torch", "sentence_transformers", "numpy", "einops")
    versions = {"transformers": (None, "5")}  # remote code (nomic-bert), as for JinaClip
    estimate_gib = 1.5
    description = "nomic-embed-text-v2-moe with the 'search_document: ' prefix, normalised, 768-d"


class JinaClip(gpu.TorchModel):
    """jina-clip-v2's remote code: encode_text(texts, truncate_dim=768,
    task="retrieval.query") and encode_image(images, truncate_dim=768), as both references
    (Matryoshka truncation of its 1024-d vectors to the first 768)."""

    name = "JinaClip"
    kind = TEXT_EMBEDDING
    dimension = DIMENSION
    repo = "jinaai/jina-clip-v2"
    requires = ("torch", "transformers", "numpy", "einops", "timm")
    # Its remote code, like moondream2's and nomic-bert's, needed patches under transformers 5
    # (the Elixir version's setup()).
    versions = {"transformers": (None, "5")}
    max_batch = 64
    estimate_gib = 2.0
    description = "jina-clip-v2 text tower (retrieval.query), truncated to 768-d, normalised"

    def load(self, options):
        from transformers import AutoModel
        no_options(self.name, options)
        self.model = AutoModel.from_pretrained(self.repo, trust_remote_code=True)
        self.model.to(self.device)
        self.model.eval()

    def embed(self, inputs):
        import torch
        with torch.inference_mode():
            vectors = self.model.encode_text(list(inputs), truncate_dim=self.dimension, task="retrieval.query")
        return normalised(vectors)


class JinaClipVision(JinaClip):
    name = "JinaClipVision"
    kind = IMAGE_EMBEDDING
    description = "jina-clip-v2 image tower, truncated to 768-d, normalised"

    def embed(self, inputs):
        import torch
        with torch.inference_mode():
            vectors = self.model.encode_image(list(inputs), truncate_dim=self.dimension)
        return normalised(vectors)


class NomicVision(gpu.TorchModel):
    """nomic-embed-vision-v1.5 as the Python reference: the image processor's defaults,
    the CLS token of the last hidden state, L2-normalised."""

    weight_attrs = ("model",)
    name = "NomicVision"
    kind = IMAGE_EMBEDDING
    dimension = DIMENSION
    repo = "nomic-ai/nomic-embed-vision-v1.5"
    requires = ("torch", "transformers", "numpy", "einops")
    versions = {"transformers": (None, "5")}  # remote code, as for JinaClip
    max_batch = 64
    estimate_gib = 0.5
    description = "nomic-embed-vision-v1.5, CLS token, normalised, 768-d"

    def load(self, options):
        from transformers import AutoImageProcessor, AutoModel
        no_options(self.name, options)
        self.processor = AutoImageProcessor.from_pretrained(self.repo)
        self.model = AutoModel.from_pretrained(self.repo, trust_remote_code=True)
        self.model.to(self.device)
        self.model.eval()

    def embed(self, inputs):
        import torch
        batch = self.processor(list(inputs), return_tensors="pt").to(self.device)
        with torch.inference_mode():
            hidden = self.model(**batch).last_hidden_state
            vectors = torch.nn.functional.normalize(hidden[:, 0], p=2, dim=1)
        return normalised(vectors.float().cpu().numpy())


MODELS = [STSBMpnet, STSBRoberta, STSBDistilRoberta, Nomic, JinaClip, NomicVision, JinaClipVision]
