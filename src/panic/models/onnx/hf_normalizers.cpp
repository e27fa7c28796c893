// tokenizer.json normalizers (hf_components.h).
#include "panic/models/onnx/hf_components.h"

#include <algorithm>

#include "panic/core/utf8.h"
#include "panic/models/onnx/unicode_text.h"

namespace panic::models::onnx::hf {

namespace {

void CleanAndPadBert(std::u32string& s, bool clean_text, bool chinese) {
  std::u32string out;
  out.reserve(s.size());
  for (char32_t c : s) {
    if (clean_text) {
      const bool control = c != U'\t' && c != U'\n' && c != U'\r' && ClassOf(c) == CharClass::kOther;
      if (c == 0 || c == 0xFFFD || control) continue;
      if (c == U'\t' || c == U'\n' || c == U'\r' || IsWhiteSpace(c)) c = U' ';
    }
    if (chinese && IsCjkIdeograph(c)) {
      out += U' ';
      out += c;
      out += U' ';
    } else {
      out += c;
    }
  }
  s = std::move(out);
}

void StripAccents(std::u32string& s) {
  s = Nfd(s);
  std::erase_if(s, [](char32_t c) { return IsNonspacingMark(c); });
}

}  // namespace

Result<Normalizer> MakeNormalizer(const json& j, const std::string& where) {
  const std::string type = TypeOf(j);
  if (type == "Sequence") {
    std::vector<Normalizer> parts;
    if (!j.contains("normalizers") || !j["normalizers"].is_array()) return Unsupported(where, "normalizer Sequence", j);
    for (const auto& n : j["normalizers"]) {
      PANIC_ASSIGN_OR_RETURN(Normalizer part, MakeNormalizer(n, where));
      parts.push_back(std::move(part));
    }
    return Normalizer([parts](std::u32string& s) {
      for (const auto& p : parts) p(s);
    });
  }
  if (type == "NFC") return Normalizer([](std::u32string& s) { s = Nfc(s); });
  if (type == "NFD") return Normalizer([](std::u32string& s) { s = Nfd(s); });
  // Precompiled: SentencePiece's compiled character map, in practice NFKC ("nmt_nfkc").
  if (type == "NFKC" || type == "Precompiled") return Normalizer([](std::u32string& s) { s = Nfkc(s); });
  if (type == "Lowercase") return Normalizer([](std::u32string& s) { s = Lowercase(s); });
  if (type == "StripAccents") return Normalizer(StripAccents);
  if (type == "Strip") {
    const bool left = Flag(j, "strip_left", true), right = Flag(j, "strip_right", true);
    return Normalizer([left, right](std::u32string& s) {
      size_t b = 0, e = s.size();
      if (left) while (b < e && IsWhiteSpace(s[b])) ++b;
      if (right) while (e > b && IsWhiteSpace(s[e - 1])) --e;
      s = s.substr(b, e - b);
    });
  }
  if (type == "Prepend") {
    const std::u32string prefix = U32(j, "prepend");
    return Normalizer([prefix](std::u32string& s) {
      if (!s.empty()) s = prefix + s;
    });
  }
  if (type == "Replace") {
    const json& pattern = j.contains("pattern") ? j["pattern"] : json();
    const std::u32string content = U32(j, "content");
    if (pattern.contains("String") && pattern["String"].is_string()) {
      const std::u32string from = DecodeUtf8(pattern["String"].get<std::string>());
      return Normalizer([from, content](std::u32string& s) { ReplaceAll(s, from, content); });
    }
    if (pattern.contains("Regex") && pattern["Regex"] == "\\s+") {  // CLIP's: whitespace runs
      return Normalizer([content](std::u32string& s) {
        std::u32string out;
        for (size_t i = 0; i < s.size();) {
          if (!IsWhiteSpace(s[i])) {
            out += s[i++];
            continue;
          }
          while (i < s.size() && IsWhiteSpace(s[i])) ++i;
          out += content;
        }
        s = std::move(out);
      });
    }
    return Unsupported(where, "normalizer Replace with this pattern", j);
  }
  if (type == "BertNormalizer") {
    const bool clean = Flag(j, "clean_text", true), chinese = Flag(j, "handle_chinese_chars", true);
    const bool lower = Flag(j, "lowercase", true);
    // strip_accents null follows lowercase, as in the library.
    const bool strip = j.contains("strip_accents") && j["strip_accents"].is_boolean() ? j["strip_accents"].get<bool>() : lower;
    return Normalizer([=](std::u32string& s) {
      CleanAndPadBert(s, clean, chinese);
      if (strip) StripAccents(s);
      if (lower) s = Lowercase(s);
    });
  }
  return Unsupported(where, "normalizer '" + type + "'", j);
}

}  // namespace panic::models::onnx::hf
