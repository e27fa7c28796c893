#!/usr/bin/python3
"""Builds tiny random-weight ONNX models with the real graph signatures of each kind the
ONNX backend runs, and the outputs an independent numpy + Pillow implementation expects
from them (the tests' oracle).

    /usr/bin/python3 tools/onnx/make_tiny_models.py OUT_DIR

OUT_DIR receives one model folder per model (manifest.json, graphs, tokenizer) and
expected.json. Token ids come from tests/fixtures/onnx/tokenizer_reference.json (Hugging
Face's tokenizers), images from TestImage below (the tests build the same pixels), image
preprocessing from Pillow (as transformers' CLIPImageProcessor does it), random numbers of
the genAI models from a Python MT19937-64 and Box-Muller, as models/onnx/seeded_random.h
specifies. Needs Debian's python3-onnx, python3-numpy and python3-pil.

  TinyClipVision        image-embedding: pixel_values -> image_embeds [B, 6], batch cap 2
  TinyBert              text-embedding: input_ids, attention_mask, token_type_ids ->
                        last_hidden_state [B, L, 8]; BERT WordPiece, 16 tokens, mean pooling
  TinyCaptioner{,Beam,Sample}  image-to-text: encoder pixel_values -> last_hidden_state;
                        decoder input_ids, encoder_hidden_states -> logits; GPT-2 BPE
  TinyDiffusion{,Guided}       text-to-image: CLIP BPE text encoder, UNet, VAE decoder
"""
import json
import os
import shutil
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper
from PIL import Image

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
FIXTURES = os.path.join(ROOT, "tests", "fixtures", "onnx")
MEAN = np.array([0.48145466, 0.4578275, 0.40821073], np.float32)
STD = np.array([0.26862954, 0.26130258, 0.27577711], np.float32)
RESIZE, CROP = 32, 24
IMAGE_SIZES = [(40, 48), (64, 36), (50, 50)]


def test_image(i, w, h):
    """The tests' images: (w, h) RGB, pixel (x, y) as below."""
    y, x = np.mgrid[0:h, 0:w]
    r = (x * 7 + y * 3 + 50 * i) % 256
    g = (x * 5 + y * 2 + 11 * i) % 256
    b = (y * 9 + x + 3 * i) % 256
    return np.stack([r, g, b], axis=-1).astype(np.uint8)


def preprocess(pixels):
    """CLIPImageProcessor: shorter side to RESIZE (bicubic), centre crop, rescale, normalise."""
    h, w = pixels.shape[:2]
    if w < h:
        size = (RESIZE, RESIZE * h // w)
    elif h < w:
        size = (RESIZE * w // h, RESIZE)
    else:
        size = (RESIZE, RESIZE)
    img = np.asarray(Image.fromarray(pixels).resize(size, Image.BICUBIC), np.float32)
    top, left = (size[1] - CROP) // 2, (size[0] - CROP) // 2
    img = img[top:top + CROP, left:left + CROP] / 255.0
    return ((img - MEAN) / STD).transpose(2, 0, 1).astype(np.float32)


class MT19937_64:
    """std::mt19937_64 (C++ [rand.predef]), seeded with one value."""

    def __init__(self, seed):
        self.mt = [seed & 0xFFFFFFFFFFFFFFFF]
        for i in range(1, 312):
            prev = self.mt[-1]
            self.mt.append((6364136223846793005 * (prev ^ (prev >> 62)) + i) & 0xFFFFFFFFFFFFFFFF)
        self.index = 312

    def next(self):
        if self.index >= 312:
            for i in range(312):
                x = (self.mt[i] & 0xFFFFFFFF80000000) | (self.mt[(i + 1) % 312] & 0x7FFFFFFF)
                xa = x >> 1
                if x & 1:
                    xa ^= 0xB5026F5AA96619E9
                self.mt[i] = self.mt[(i + 156) % 312] ^ xa
            self.index = 0
        y = self.mt[self.index]
        self.index += 1
        y ^= (y >> 29) & 0x5555555555555555
        y ^= (y << 17) & 0x71D67FFFEDA60000
        y ^= (y << 37) & 0xFFF7EEE000000000
        y ^= y >> 43
        return y


class SeededRandom:
    def __init__(self, seed):
        self.engine = MT19937_64(seed)
        self.spare = None

    def uniform(self):
        return (self.engine.next() >> 11) * 2.0 ** -53

    def normal(self):
        if self.spare is not None:
            s, self.spare = self.spare, None
            return s
        u1 = 1.0 - self.uniform()
        u2 = self.uniform()
        r = np.sqrt(-2.0 * np.log(u1))
        self.spare = r * np.sin(2.0 * np.pi * u2)
        return r * np.cos(2.0 * np.pi * u2)


def tensor(name, elem, shape):
    return helper.make_tensor_value_info(name, elem, shape)


def save(graph_nodes, name, inputs, outputs, inits, path):
    graph = helper.make_graph(graph_nodes, name, inputs, outputs,
                              [numpy_helper.from_array(np.ascontiguousarray(v), k) for k, v in inits.items()])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 8
    onnx.checker.check_model(model)
    onnx.save(model, path)


def write_manifest(folder, manifest):
    with open(os.path.join(folder, "manifest.json"), "w", encoding="utf-8") as f:
        json.dump(manifest, f, indent=2)


def conv_patches(x, w, b):
    """Conv with kernel = stride = 4 (no overlap): x [B, 3, 24, 24], w [8, 3, 4, 4] -> [B, 8, 6, 6]."""
    bsz = x.shape[0]
    p = x.reshape(bsz, 3, 6, 4, 6, 4).transpose(0, 2, 4, 1, 3, 5)  # B, 6, 6, 3, 4, 4
    return (np.einsum("bijcuv,ocuv->boij", p, w) + b[None, :, None, None]).astype(np.float32)


def clip_vision(out, rng, images):
    folder = os.path.join(out, "TinyClipVision")
    os.makedirs(folder)
    w = rng.normal(0, 0.3, (8, 3, 4, 4)).astype(np.float32)
    b = rng.normal(0, 0.1, 8).astype(np.float32)
    proj = rng.normal(0, 0.5, (8, 6)).astype(np.float32)
    nodes = [helper.make_node("Conv", ["pixel_values", "w", "b"], ["c"], kernel_shape=[4, 4], strides=[4, 4]),
             helper.make_node("Relu", ["c"], ["r"]),
             helper.make_node("ReduceMean", ["r"], ["m"], axes=[2, 3], keepdims=0),
             helper.make_node("MatMul", ["m", "proj"], ["image_embeds"])]
    save(nodes, "TinyClipVision", [tensor("pixel_values", TensorProto.FLOAT, ["batch", 3, CROP, CROP])],
         [tensor("image_embeds", TensorProto.FLOAT, ["batch", 6])], {"w": w, "b": b, "proj": proj},
         os.path.join(folder, "vision.onnx"))
    write_manifest(folder, {
        "schema": 1, "kind": "image-embedding", "dimension": 6, "max_batch": 2,
        "graphs": {"encoder": "vision.onnx"},
        "image": {"resize": RESIZE, "crop": CROP, "resample": "bicubic", "mean": MEAN.tolist(), "std": STD.tolist()},
        "embedding": {"output": "image_embeds", "pooling": "none", "normalize": True}})
    x = np.stack([preprocess(im) for im in images])
    v = np.maximum(conv_patches(x, w, b), 0).mean(axis=(2, 3)) @ proj
    v /= np.maximum(np.linalg.norm(v, axis=1, keepdims=True), 1e-12)
    return {"vectors": v.tolist()}


def tiny_bert(out, rng, reference):
    folder = os.path.join(out, "TinyBert")
    os.makedirs(folder)
    shutil.copy(os.path.join(FIXTURES, "bert.tokenizer.json"), os.path.join(folder, "tokenizer.json"))
    emb = rng.normal(0, 0.5, (30522, 8)).astype(np.float32)
    types = rng.normal(0, 0.5, (2, 8)).astype(np.float32)
    pos = rng.normal(0, 0.5, (16, 8)).astype(np.float32)
    w = rng.normal(0, 0.5, (8, 8)).astype(np.float32)
    b = rng.normal(0, 0.1, 8).astype(np.float32)
    nodes = [helper.make_node("Gather", ["emb", "input_ids"], ["e"], axis=0),
             helper.make_node("Gather", ["types", "token_type_ids"], ["t"], axis=0),
             helper.make_node("Shape", ["input_ids"], ["shape"]),
             helper.make_node("Gather", ["shape", "one"], ["len"], axis=0),
             helper.make_node("Slice", ["pos", "zero", "len", "zero"], ["p"]),
             helper.make_node("Add", ["e", "t"], ["et"]), helper.make_node("Add", ["et", "p"], ["h"]),
             helper.make_node("MatMul", ["h", "w"], ["hw"]), helper.make_node("Add", ["hw", "b"], ["hb"]),
             helper.make_node("Tanh", ["hb"], ["last_hidden_state"])]
    ids_in = [tensor(n, TensorProto.INT64, ["batch", "tokens"]) for n in ("input_ids", "attention_mask", "token_type_ids")]
    # attention_mask is declared (as exported BERTs have it) but unused by this tiny graph:
    # an Identity keeps the input alive.
    nodes.append(helper.make_node("Identity", ["attention_mask"], ["mask_out"]))
    save(nodes, "TinyBert", ids_in,
         [tensor("last_hidden_state", TensorProto.FLOAT, ["batch", "tokens", 8]),
          tensor("mask_out", TensorProto.INT64, ["batch", "tokens"])],
         {"emb": emb, "types": types, "pos": pos, "w": w, "b": b,
          "one": np.array([1], np.int64), "zero": np.array([0], np.int64)},
         os.path.join(folder, "model.onnx"))
    write_manifest(folder, {
        "schema": 1, "kind": "text-embedding", "dimension": 8, "max_batch": 3,
        "graphs": {"encoder": "model.onnx"}, "tokenizer": {"file": "tokenizer.json", "max_tokens": 16},
        "embedding": {"output": "last_hidden_state", "pooling": "mean", "normalize": True}})
    cases = []
    for index in (9, 0, 63, 10, 69):
        ids = reference["bert"][index]["ids"]
        if len(ids) > 16:
            ids = ids[:15] + [ids[-1]]
        h = np.tanh((emb[ids] + types[0] + pos[:len(ids)]) @ w + b)
        v = h.mean(axis=0)
        v /= max(np.linalg.norm(v), 1e-12)
        cases.append({"text": reference["bert"][index]["text"], "ids": ids, "vector": v.tolist()})
    return {"cases": cases}


def captioner(out, rng, images, reference):
    gpt2 = json.load(open(os.path.join(FIXTURES, "gpt2.tokenizer.json"), encoding="utf-8"))
    vocab = max(gpt2["model"]["vocab"].values()) + 1
    eos = gpt2["model"]["vocab"]["<|endoftext|>"]
    conv_w = rng.normal(0, 0.3, (8, 3, 4, 4)).astype(np.float32)
    conv_b = rng.normal(0, 0.1, 8).astype(np.float32)
    emb = rng.normal(0, 1.0, (vocab, 8)).astype(np.float32)
    pos = rng.normal(0, 0.5, (40, 8)).astype(np.float32)
    w = rng.normal(0, 1.0, (8, vocab)).astype(np.float32)
    b = rng.normal(0, 0.5, vocab).astype(np.float32)
    b[eos] += 1.0  # so that some captions end before max_length
    max_length, beams = 12, 3
    base = os.path.join(out, "TinyCaptioner")
    os.makedirs(base)
    enc_nodes = [helper.make_node("Conv", ["pixel_values", "w", "b"], ["c"], kernel_shape=[4, 4], strides=[4, 4]),
                 helper.make_node("Reshape", ["c", "shape"], ["r"]),
                 helper.make_node("Transpose", ["r"], ["last_hidden_state"], perm=[0, 2, 1])]
    save(enc_nodes, "TinyEncoder", [tensor("pixel_values", TensorProto.FLOAT, ["batch", 3, CROP, CROP])],
         [tensor("last_hidden_state", TensorProto.FLOAT, ["batch", 36, 8])],
         {"w": conv_w, "b": conv_b, "shape": np.array([0, 8, 36], np.int64)}, os.path.join(base, "encoder.onnx"))
    dec_nodes = [helper.make_node("ReduceMean", ["encoder_hidden_states"], ["ctx"], axes=[1], keepdims=1),
                 helper.make_node("Gather", ["emb", "input_ids"], ["e"], axis=0),
                 helper.make_node("Shape", ["input_ids"], ["shape"]),
                 helper.make_node("Gather", ["shape", "one"], ["len"], axis=0),
                 helper.make_node("Slice", ["pos", "zero", "len", "zero"], ["p"]),
                 helper.make_node("Add", ["e", "p"], ["ep"]), helper.make_node("Add", ["ep", "ctx"], ["h0"]),
                 helper.make_node("Tanh", ["h0"], ["h"]),
                 helper.make_node("MatMul", ["h", "w"], ["hw"]), helper.make_node("Add", ["hw", "b"], ["logits"])]
    save(dec_nodes, "TinyDecoder",
         [tensor("input_ids", TensorProto.INT64, ["batch", "tokens"]),
          tensor("encoder_hidden_states", TensorProto.FLOAT, ["batch", 36, 8])],
         [tensor("logits", TensorProto.FLOAT, ["batch", "tokens", vocab])],
         {"emb": emb, "pos": pos, "w": w, "b": b, "one": np.array([1], np.int64), "zero": np.array([0], np.int64)},
         os.path.join(base, "decoder.onnx"))
    shutil.copy(os.path.join(FIXTURES, "gpt2.tokenizer.json"), os.path.join(base, "tokenizer.json"))
    image = {"resize": RESIZE, "crop": CROP, "resample": "bicubic", "mean": MEAN.tolist(), "std": STD.tolist()}
    for name, decoding in [("TinyCaptioner", {"strategy": "greedy"}),
                           ("TinyCaptionerBeam", {"strategy": "beam", "num_beams": beams, "length_penalty": 1.0}),
                           ("TinyCaptionerSample", {"strategy": "sample", "top_k": 5, "temperature": 1.0})]:
        folder = os.path.join(out, name)
        if folder != base:
            shutil.copytree(base, folder)
        decoding.update({"max_length": max_length, "decoder_start_id": eos, "eos_id": eos})
        write_manifest(folder, {"schema": 1, "kind": "image-to-text", "max_batch": 2,
                                "graphs": {"encoder": "encoder.onnx", "decoder": "decoder.onnx"},
                                "tokenizer": {"file": "tokenizer.json", "max_tokens": 64}, "image": image,
                                "decoding": decoding})

    def logprobs(ctx, seq):
        h = np.tanh(emb[seq[-1]] + pos[len(seq) - 1] + ctx)
        z = (h @ w + b).astype(np.float64)
        z -= z.max()
        return z - np.log(np.exp(z).sum())

    greedy, beam = [], []
    for im in images:
        enc = conv_patches(preprocess(im)[None], conv_w, conv_b).reshape(8, 36).T
        ctx = enc.mean(axis=0)
        seq = [eos]
        for _ in range(max_length):
            nxt = int(np.argmax(logprobs(ctx, seq)))
            seq.append(nxt)
            if nxt == eos:
                break
        greedy.append([t for t in seq[1:] if t != eos])
        # Beam search as transformers' (early_stopping=False): 2*beams candidates, eos among the
        # first `beams` finishes a hypothesis, done when no live one can beat the worst finished.
        norm = lambda s, n: s / max(n, 1) ** 1.0
        live, finished, done = [([], 0.0)], [], False
        for step in range(max_length):
            if done:
                break
            cands = []
            for bi, (ids, score) in enumerate(live):
                lp = logprobs(ctx, [eos] + ids)
                for v in range(vocab):
                    cands.append((score + lp[v], bi, v))
            cands.sort(key=lambda c: (-c[0], c[1], c[2]))
            nxt = []
            for k, (score, bi, v) in enumerate(cands[:2 * beams]):
                if len(nxt) >= beams:
                    break
                if v == eos:
                    if k < beams:
                        finished.append((live[bi][0], score))
                    continue
                nxt.append((live[bi][0] + [v], score))
            live = nxt
            if len(finished) >= beams:
                finished.sort(key=lambda h: -norm(h[1], len(h[0])))
                finished = finished[:beams]
                worst = norm(finished[-1][1], len(finished[-1][0]))
                done = not live or norm(live[0][1], len(live[0][0]) + 1) <= worst
        pool = finished if finished else live
        beam.append(max(pool, key=lambda h: norm(h[1], len(h[0])))[0])
    return {"greedy": greedy, "beam": beam, "eos": eos}


def diffusion(out, rng, reference):
    clip = json.load(open(os.path.join(FIXTURES, "clip.tokenizer.json"), encoding="utf-8"))
    vocab = max(clip["model"]["vocab"].values()) + 1
    eot = clip["model"]["vocab"]["<|endoftext|>"]
    tokens, width, size, latent, factor = 16, 8, 32, 8, 4
    emb = rng.normal(0, 0.5, (vocab, width)).astype(np.float32)
    pos = rng.normal(0, 0.5, (tokens, width)).astype(np.float32)
    mix = rng.normal(0, 0.4, (4, 4, 1, 1)).astype(np.float32)
    ctx_w = rng.normal(0, 0.5, (width, 4)).astype(np.float32)
    vae_w = rng.normal(0, 0.6, (3, 4, 1, 1)).astype(np.float32)
    vae_b = rng.normal(0, 0.1, 3).astype(np.float32)
    base = os.path.join(out, "TinyDiffusion")
    os.makedirs(base)
    shutil.copy(os.path.join(FIXTURES, "clip.tokenizer.json"), os.path.join(base, "tokenizer.json"))
    save([helper.make_node("Gather", ["emb", "input_ids"], ["e"], axis=0),
          helper.make_node("Add", ["e", "pos"], ["h"]), helper.make_node("Tanh", ["h"], ["last_hidden_state"])],
         "TinyTextEncoder", [tensor("input_ids", TensorProto.INT32, ["batch", tokens])],
         [tensor("last_hidden_state", TensorProto.FLOAT, ["batch", tokens, width])], {"emb": emb, "pos": pos},
         os.path.join(base, "text_encoder.onnx"))
    save([helper.make_node("Conv", ["sample", "mix"], ["m"], kernel_shape=[1, 1]),
          helper.make_node("ReduceMean", ["encoder_hidden_states"], ["ctx"], axes=[1], keepdims=0),
          helper.make_node("MatMul", ["ctx", "ctx_w"], ["c"]),
          helper.make_node("Reshape", ["c", "c_shape"], ["c4"]),
          helper.make_node("Mul", ["timestep", "t_scale"], ["ts"]),
          helper.make_node("Add", ["m", "c4"], ["mc"]), helper.make_node("Add", ["mc", "ts"], ["out_sample"])],
         "TinyUNet", [tensor("sample", TensorProto.FLOAT, ["batch", 4, latent, latent]),
                      tensor("timestep", TensorProto.FLOAT, [1]),
                      tensor("encoder_hidden_states", TensorProto.FLOAT, ["batch", tokens, width])],
         [tensor("out_sample", TensorProto.FLOAT, ["batch", 4, latent, latent])],
         {"mix": mix, "ctx_w": ctx_w, "c_shape": np.array([0, 4, 1, 1], np.int64),
          "t_scale": np.array([0.001], np.float32)}, os.path.join(base, "unet.onnx"))
    save([helper.make_node("Conv", ["latent_sample", "vae_w", "vae_b"], ["c"], kernel_shape=[1, 1]),
          helper.make_node("Resize", ["c", "", "scales"], ["r"], mode="nearest"),
          helper.make_node("Tanh", ["r"], ["sample"])],
         "TinyVae", [tensor("latent_sample", TensorProto.FLOAT, ["batch", 4, latent, latent])],
         [tensor("sample", TensorProto.FLOAT, ["batch", 3, size, size])],
         {"vae_w": vae_w, "vae_b": vae_b, "scales": np.array([1, 1, factor, factor], np.float32)},
         os.path.join(base, "vae_decoder.onnx"))
    variants = [("TinyDiffusion", {"steps": 2, "guidance_scale": 0.0, "scheduler": "euler_ancestral",
                                   "timestep_spacing": "trailing"}),
                ("TinyDiffusionGuided", {"steps": 3, "guidance_scale": 3.0, "scheduler": "euler",
                                         "timestep_spacing": "leading", "steps_offset": 1})]
    prompts = [(9, 7), (0, 8), (10, 7)]  # (text index in the tokenizer reference, seed)
    expected = {}
    for name, spec in variants:
        folder = os.path.join(out, name)
        if folder != base:
            shutil.copytree(base, folder)
        spec = dict(spec, width=size, height=size, latent_channels=4, vae_scale_factor=factor,
                    scaling_factor=0.18215, beta_start=0.00085, beta_end=0.012, train_timesteps=1000)
        write_manifest(folder, {"schema": 1, "kind": "text-to-image", "max_batch": 2,
                                "graphs": {"text_encoder": "text_encoder.onnx", "unet": "unet.onnx",
                                           "vae_decoder": "vae_decoder.onnx"},
                                "tokenizer": {"file": "tokenizer.json", "max_tokens": tokens, "pad_id": eot},
                                "diffusion": spec})
        expected[name] = run_diffusion(spec, prompts, reference, emb, pos, mix, ctx_w, vae_w, vae_b, tokens, eot)
    return {"prompts": [reference["clip"][i]["text"] for i, _ in prompts], "seeds": [s for _, s in prompts],
            "images": expected}


def run_diffusion(spec, prompts, reference, emb, pos, mix, ctx_w, vae_w, vae_b, tokens, eot):
    """diffusers' Euler (ancestral) scheduler formulas over the same tiny graphs, in float64."""
    T = spec["train_timesteps"]
    betas = np.linspace(spec["beta_start"] ** 0.5, spec["beta_end"] ** 0.5, T) ** 2
    ac = np.cumprod(1.0 - betas)
    full = np.sqrt((1 - ac) / ac)
    n = spec["steps"]
    if spec["timestep_spacing"] == "trailing":
        ts = np.round(np.arange(T, 0, -T / n)) - 1
    else:
        ts = (np.arange(0, n) * (T // n)).round()[::-1] + spec.get("steps_offset", 0)
    sigmas = np.interp(ts, np.arange(T), full)
    init = sigmas.max() if spec["timestep_spacing"] == "trailing" else np.sqrt(sigmas.max() ** 2 + 1)
    sigmas = np.append(sigmas, 0.0)

    def ids_of(index):
        ids = reference["clip"][index]["ids"]
        if len(ids) > tokens:
            ids = ids[:tokens - 1] + [ids[-1]]
        return ids + [eot] * (tokens - len(ids))

    def encode(ids):
        return np.tanh(emb[ids] + pos)

    def unet(x, t, states):
        ctx = states.mean(axis=0) @ ctx_w
        return np.einsum("oc,chw->ohw", mix[:, :, 0, 0], x) + ctx[:, None, None] + np.float32(t) * np.float32(0.001)

    images = []
    guided = spec["guidance_scale"] > 1
    for index, seed in prompts:
        rnd = SeededRandom(seed)
        x = np.array([rnd.normal() for _ in range(4 * 8 * 8)]).reshape(4, 8, 8) * init
        cond = encode(ids_of(index))
        uncond = encode(ids_of(0))
        for i in range(n):
            s, nxt = sigmas[i], sigmas[i + 1]
            inp = x / np.sqrt(s * s + 1)
            eps = unet(inp, ts[i], cond)
            if guided:
                eu = unet(inp, ts[i], uncond)
                eps = eu + spec["guidance_scale"] * (eps - eu)
            if spec["scheduler"] == "euler_ancestral":
                up = np.sqrt(nxt ** 2 * (s ** 2 - nxt ** 2) / s ** 2)
                down = np.sqrt(nxt ** 2 - up ** 2)
                noise = np.array([rnd.normal() for _ in range(4 * 8 * 8)]).reshape(4, 8, 8)
                x = x + eps * (down - s) + noise * up
            else:
                x = x + eps * (nxt - s)
        lat = x / spec["scaling_factor"]
        rgb = np.einsum("oc,chw->ohw", vae_w[:, :, 0, 0], lat) + vae_b[:, None, None]
        rgb = np.tanh(np.repeat(np.repeat(rgb, 4, axis=1), 4, axis=2))
        px = np.round(np.clip(rgb / 2 + 0.5, 0, 1) * 255).astype(np.uint8).transpose(1, 2, 0)
        images.append(px.reshape(-1).tolist())
    return images


def main():
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    reference = json.load(open(os.path.join(FIXTURES, "tokenizer_reference.json"), encoding="utf-8"))["tokenizers"]
    rng = np.random.default_rng(20260)
    images = [test_image(i, w, h) for i, (w, h) in enumerate(IMAGE_SIZES)]
    expected = {
        "image_sizes": IMAGE_SIZES,
        "clip_vision": clip_vision(out, rng, images),
        "bert": tiny_bert(out, rng, reference),
        "captioner": captioner(out, rng, images, reference),
        "diffusion": diffusion(out, rng, reference),
        "preprocessed": [preprocess(im).reshape(-1).tolist() for im in images],
    }
    with open(os.path.join(out, "expected.json"), "w", encoding="utf-8") as f:
        json.dump(expected, f)


if __name__ == "__main__":
    main()
