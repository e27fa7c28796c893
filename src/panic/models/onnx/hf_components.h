// The components of a Hugging Face tokenizer.json pipeline (hf_tokenizer.h), one file each:
// normalizers (hf_normalizers.cpp), pre-tokenizers (hf_pre_tokenizers.cpp), decoders
// (hf_decoders.cpp) and post-processors (hf_post_processors.cpp); the models (WordPiece,
// Unigram, BPE) are in tokenizer_models.*. Each Make* reads its component's JSON object and
// returns it as a function, or InvalidArgument naming `where` (the file) and what is not
// supported. Internal to models/onnx.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "panic/core/status.h"

namespace panic::models::onnx::hf {

using nlohmann::json;

using Normalizer = std::function<void(std::u32string&)>;
// Splits each piece further (pieces are in order; empty pieces are dropped later).
using PreTokenizer = std::function<void(std::vector<std::u32string>&)>;
using Decoder = std::function<void(std::vector<std::string>&)>;
// The special ids a post-processor puts around a single sequence.
struct Template {
  std::vector<int64_t> before, after;
};

Result<Normalizer> MakeNormalizer(const json& j, const std::string& where);
Result<PreTokenizer> MakePreTokenizer(const json& j, const std::string& where);
Result<Decoder> MakeDecoder(const json& j, const std::string& where);
// No template (std::nullopt) for a null post-processor or one that adds no special tokens.
Result<std::optional<Template>> MakeTemplate(const json& j, const std::string& where);

// Shared by the component readers (hf_components.cpp).
std::string TypeOf(const json& j);  // j["type"], or "" when absent
Status Unsupported(const std::string& where, const std::string& what, const json& j);
std::u32string U32(const json& j, const char* key, std::u32string fallback = U"");
bool Flag(const json& j, const char* key, bool fallback);
void ReplaceAll(std::u32string& s, const std::u32string& from, const std::u32string& to);

}  // namespace panic::models::onnx::hf
