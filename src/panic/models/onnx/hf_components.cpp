// Helpers shared by the tokenizer.json component readers (hf_components.h).
#include "panic/models/onnx/hf_components.h"

#include "panic/core/utf8.h"

namespace panic::models::onnx::hf {

std::string TypeOf(const json& j) {
  return j.is_object() && j.contains("type") && j["type"].is_string() ? j["type"].get<std::string>() : "";
}

Status Unsupported(const std::string& where, const std::string& what, const json& j) {
  std::string shown = j.dump();
  if (shown.size() > 120) shown = shown.substr(0, 117) + "...";
  return Status::InvalidArgument(where + ": " + what + " is not supported by panic-tda's tokenizer: " + shown);
}

std::u32string U32(const json& j, const char* key, std::u32string fallback) {
  return j.contains(key) && j[key].is_string() ? DecodeUtf8(j[key].get<std::string>()) : fallback;
}

bool Flag(const json& j, const char* key, bool fallback) {
  return j.contains(key) && j[key].is_boolean() ? j[key].get<bool>() : fallback;
}

void ReplaceAll(std::u32string& s, const std::u32string& from, const std::u32string& to) {
  if (from.empty()) return;
  std::u32string out;
  size_t at = 0;
  for (size_t hit; (hit = s.find(from, at)) != std::u32string::npos; at = hit + from.size()) {
    out.append(s, at, hit - at);
    out += to;
  }
  out.append(s, at);
  s = std::move(out);
}

}  // namespace panic::models::onnx::hf
