// libFuzzer target for the ONNX backend's readers of outside bytes (models/onnx/):
//   first byte % 3 == 0  the rest is a tokenizer.json: parsed, then a fixed text encoded and decoded
//   first byte % 3 == 1  the rest is a text: encoded by a WordPiece, a byte-level BPE and a
//                        Unigram tokenizer (small inline vocabularies) and decoded back
//   first byte % 3 == 2  the rest is a manifest.json, parsed against an empty folder
// Build (clang, ASan + UBSan), e.g. beside the other targets of tests/fuzz:
//   panic_fuzzer(onnx_tokenizer ${src}/models/onnx/hf_tokenizer.cpp ${src}/models/onnx/tokenizer_models.cpp
//                ${src}/models/onnx/unicode_text.cpp ${src}/models/native/unicode_nfkc.cpp
//                ${src}/models/onnx/manifest.cpp)
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "panic/models/onnx/hf_tokenizer.h"
#include "panic/models/onnx/manifest.h"

namespace {

using panic::models::onnx::HfTokenizer;

const char* const kWordPiece = R"({"normalizer": {"type": "BertNormalizer", "lowercase": true},
  "pre_tokenizer": {"type": "BertPreTokenizer"},
  "post_processor": {"type": "BertProcessing", "cls": ["[CLS]", 2], "sep": ["[SEP]", 3]},
  "decoder": {"type": "WordPiece"},
  "added_tokens": [{"id": 2, "content": "[CLS]", "special": true}, {"id": 3, "content": "[SEP]", "special": true}],
  "model": {"type": "WordPiece", "unk_token": "[UNK]", "vocab": {"[PAD]": 0, "[UNK]": 1, "[CLS]": 2, "[SEP]": 3,
    "a": 4, "cat": 5, "##s": 6, "on": 7, "##t": 8, "c": 9, "##a": 10, ".": 11}}})";

const char* const kByteLevel = R"({"normalizer": {"type": "Sequence", "normalizers": [{"type": "NFC"},
    {"type": "Replace", "pattern": {"Regex": "\\s+"}, "content": " "}, {"type": "Lowercase"}]},
  "pre_tokenizer": {"type": "ByteLevel", "add_prefix_space": false, "use_regex": true},
  "decoder": {"type": "ByteLevel"},
  "model": {"type": "BPE", "vocab": {"a": 0, "b": 1, "c": 2, "Ġ": 3, "ab": 4, "Ġa": 5, "abc": 6},
            "merges": ["a b", "Ġ a", "ab c"]}})";

const char* const kUnigram = R"({"normalizer": {"type": "Sequence", "normalizers": [{"type": "NFKC"},
    {"type": "Replace", "pattern": {"String": " "}, "content": "▁"}, {"type": "Prepend", "prepend": "▁"}]},
  "pre_tokenizer": {"type": "Metaspace", "replacement": "▁", "prepend_scheme": "always", "split": true},
  "decoder": {"type": "Metaspace", "replacement": "▁"},
  "model": {"type": "Unigram", "unk_id": 0, "vocab": [["<unk>", 0], ["▁", -2], ["a", -3], ["▁a", -2.5],
    ["b", -3], ["ab", -4], ["▁cat", -5], ["c", -4], ["t", -4]]}})";

const std::vector<std::shared_ptr<const HfTokenizer>>& Tokenizers() {
  static const auto* all = [] {
    auto* v = new std::vector<std::shared_ptr<const HfTokenizer>>();
    for (const char* json : {kWordPiece, kByteLevel, kUnigram}) {
      auto t = HfTokenizer::FromJson(json, "inline");
      if (!t.ok()) __builtin_trap();  // the inline tokenizers must load
      v->push_back(*t);
    }
    return v;
  }();
  return *all;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const std::string_view rest(reinterpret_cast<const char*>(data + 1), size - 1);
  switch (data[0] % 3) {
    case 0: {
      auto tok = HfTokenizer::FromJson(rest, "fuzz");
      if (tok.ok()) (void)(*tok)->Decode((*tok)->Encode("a cat, isn't it? 東京 👩‍👩‍👧", true, 8));
      break;
    }
    case 1:
      for (const auto& tok : Tokenizers()) {
        const auto ids = tok->Encode(rest, true, static_cast<int>(size % 32));
        (void)tok->Decode(ids);
      }
      break;
    default:
      (void)panic::models::onnx::ParseManifest(rest, "/nonexistent-fuzz-folder");
      break;
  }
  return 0;
}
