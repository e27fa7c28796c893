"""Embedding models (sentence-transformers, transformers). Every vector is float32 of
the model's dimension, L2-normalised."""
from . import gpu
from .base import IMAGE_EMBEDDING, TEXT_EMBEDDING


def normalised(array):
    import numpy as np
    array = np.asarray(array, dtype=np.float32)
    norms = np.linalg.norm(array, axis=1, keepdims=True)
    return array / np.where(norms > 0, norms, 1)


class SentenceTransformerModel(gpu.TorchModel):
    kind = TEXT_EMBEDDING
    dimension = 768
    requires = ("torch", "sentence_transformers", "numpy")
    max_batch = 64
    repo = ""
    prefix = ""
    trust_remote_code = False

    def load(self, options):
        from sentence_transformers import SentenceTransformer
        self.model = SentenceTransformer(self.repo, device=gpu.device(), trust_remote_code=self.trust_remote_code)
        self.model.eval()

    def embed(self, inputs):
        texts = [self.prefix + t for t in inputs]
        # encode() keeps the input order in its output (it sorts by length only inside).
        vectors = self.model.encode(texts, convert_to_numpy=True, normalize_embeddings=True,
                                    show_progress_bar=False)
        return normalised(vectors)[:, :self.dimension]


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
    name = "Nomic"
    repo = "nomic-ai/nomic-embed-text-v1.5"
    # The model is trained with task prefixes; outputs are documents, so every text
    # gets the passage prefix (the Python reference lost it in its encode override).
    prefix = "search_document: "
    trust_remote_code = True
    requires = ("torch", "sentence_transformers", "numpy", "einops")
    description = "nomic-embed-text-v1.5 with the 'search_document: ' prefix, normalised, 768-d"


class JinaClip(gpu.TorchModel):
    name = "JinaClip"
    kind = TEXT_EMBEDDING
    dimension = 768
    requires = ("torch", "transformers", "numpy", "einops", "timm")
    max_batch = 64
    description = "jina-clip-v2 text tower (retrieval.query), truncated to 768-d, normalised"

    def load(self, options):
        from transformers import AutoModel
        self.model = AutoModel.from_pretrained("jinaai/jina-clip-v2", trust_remote_code=True).to(gpu.device()).eval()

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
    name = "NomicVision"
    kind = IMAGE_EMBEDDING
    dimension = 768
    requires = ("torch", "transformers", "numpy", "einops")
    max_batch = 64
    description = "nomic-embed-vision-v1.5, CLS token, normalised, 768-d"

    def load(self, options):
        from transformers import AutoImageProcessor, AutoModel
        self.device = gpu.device()
        self.processor = AutoImageProcessor.from_pretrained("nomic-ai/nomic-embed-vision-v1.5")
        self.model = AutoModel.from_pretrained("nomic-ai/nomic-embed-vision-v1.5",
                                               trust_remote_code=True).to(self.device).eval()

    def embed(self, inputs):
        import torch
        batch = self.processor(list(inputs), return_tensors="pt").to(self.device)
        with torch.inference_mode():
            hidden = self.model(**batch).last_hidden_state
            vectors = torch.nn.functional.normalize(hidden[:, 0], p=2, dim=1)
        return normalised(vectors.float().cpu().numpy())


MODELS = [STSBMpnet, STSBRoberta, STSBDistilRoberta, Nomic, JinaClip, NomicVision, JinaClipVision]
