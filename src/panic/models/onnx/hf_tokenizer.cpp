#include "panic/models/onnx/hf_tokenizer.h"

#include <algorithm>
#include <fstream>
#include <functional>
#include <limits>
#include <map>
#include <sstream>
#include <unordered_map>

#include <nlohmann/json.hpp>

#include "panic/core/utf8.h"
#include "panic/models/onnx/tokenizer_models.h"
#include "panic/models/onnx/unicode_text.h"

namespace panic::models::onnx {
namespace {

using nlohmann::json;
using Normalizer = std::function<void(std::u32string&)>;
// Splits each piece further (pieces are in order; empty pieces are dropped later).
using PreTokenizer = std::function<void(std::vector<std::u32string>&)>;
using Decoder = std::function<void(std::vector<std::string>&)>;

std::string TypeOf(const json& j) { return j.is_object() && j.contains("type") && j["type"].is_string() ? j["type"].get<std::string>() : ""; }

Status Unsupported(const std::string& where, const std::string& what, const json& j) {
  std::string shown = j.dump();
  if (shown.size() > 120) shown = shown.substr(0, 117) + "...";
  return Status::InvalidArgument(where + ": " + what + " is not supported by panic-tda's tokenizer: " + shown);
}

std::u32string U32(const json& j, const char* key, std::u32string fallback = U"") {
  return j.contains(key) && j[key].is_string() ? DecodeUtf8(j[key].get<std::string>()) : fallback;
}
bool Flag(const json& j, const char* key, bool fallback) {
  return j.contains(key) && j[key].is_boolean() ? j[key].get<bool>() : fallback;
}

// ---- normalizers -------------------------------------------------------------------

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

// ---- pre-tokenizers ----------------------------------------------------------------

bool IsL(char32_t c) { return ClassOf(c) == CharClass::kLetter; }
bool IsN(char32_t c) { return ClassOf(c) == CharClass::kNumber; }
bool IsWord(char32_t c) {  // regex \w
  const CharClass k = ClassOf(c);
  return k == CharClass::kLetter || k == CharClass::kNumber || k == CharClass::kMark || k == CharClass::kNonspacingMark ||
         c == U'_';
}
bool IsBertPunctuation(char32_t c) {
  return (c >= 33 && c <= 47) || (c >= 58 && c <= 64) || (c >= 91 && c <= 96) || (c >= 123 && c <= 126) ||
         ClassOf(c) == CharClass::kPunctuation;
}

// Applies `split` to every piece, replacing it by what it returns.
PreTokenizer EachPiece(std::function<std::vector<std::u32string>(const std::u32string&)> split) {
  return [split](std::vector<std::u32string>& pieces) {
    std::vector<std::u32string> out;
    for (const auto& p : pieces) {
      for (auto& q : split(p)) {
        if (!q.empty()) out.push_back(std::move(q));
      }
    }
    pieces = std::move(out);
  };
}

std::vector<std::u32string> SplitBert(const std::u32string& s) {
  std::vector<std::u32string> out;
  std::u32string cur;
  for (char32_t c : s) {
    if (IsWhiteSpace(c)) {
      out.push_back(std::move(cur));
      cur.clear();
    } else if (IsBertPunctuation(c)) {
      out.push_back(std::move(cur));
      cur.clear();
      out.push_back(std::u32string(1, c));
    } else {
      cur += c;
    }
  }
  out.push_back(std::move(cur));
  return out;
}

// \w+|[^\w\s]+
std::vector<std::u32string> SplitWhitespaceRegex(const std::u32string& s) {
  std::vector<std::u32string> out;
  size_t i = 0;
  while (i < s.size()) {
    if (IsWhiteSpace(s[i])) {
      ++i;
      continue;
    }
    const bool word = IsWord(s[i]);
    size_t j = i;
    while (j < s.size() && !IsWhiteSpace(s[j]) && IsWord(s[j]) == word) ++j;
    out.push_back(s.substr(i, j - i));
    i = j;
  }
  return out;
}

// The contraction at s[i] ('s 't 're 've 'm 'll 'd), its length or 0.
size_t Contraction(const std::u32string& s, size_t i) {
  if (s[i] != U'\'') return 0;
  for (const char32_t* c : {U"s", U"t", U"re", U"ve", U"m", U"ll", U"d"}) {
    const std::u32string_view tail(c);
    if (s.compare(i + 1, tail.size(), tail) == 0) return 1 + tail.size();
  }
  return 0;
}

// GPT-2's pattern: 's|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+
std::vector<std::u32string> SplitGpt2(const std::u32string& s) {
  std::vector<std::u32string> out;
  size_t i = 0;
  const size_t n = s.size();
  auto other = [](char32_t c) { return !IsWhiteSpace(c) && !IsL(c) && !IsN(c); };
  while (i < n) {
    if (size_t len = Contraction(s, i)) {
      out.push_back(s.substr(i, len));
      i += len;
      continue;
    }
    const size_t k = i + (s[i] == U' ' ? 1 : 0);
    if (k < n && (IsL(s[k]) || IsN(s[k]) || other(s[k]))) {
      bool (*same)(char32_t) = IsL(s[k]) ? IsL : IsN(s[k]) ? IsN : nullptr;
      size_t j = k;
      while (j < n && (same ? same(s[j]) : other(s[j]))) ++j;
      out.push_back(s.substr(i, j - i));
      i = j;
      continue;
    }
    size_t j = i;
    while (j < n && IsWhiteSpace(s[j])) ++j;
    if (j < n && j - i >= 2) --j;  // \s+(?!\S) leaves the last space to the next word
    out.push_back(s.substr(i, j - i));
    i = j;
  }
  return out;
}

// CLIP's Split pattern, keeping the matches (behaviour Removed, invert true):
// <\|startoftext\|>|<\|endoftext\|>|'s|'t|'re|'ve|'m|'ll|'d|[\p{L}]+|[\p{N}]|[^\s\p{L}\p{N}]+
const char* const kClipPattern =
    "<\\|startoftext\\|>|<\\|endoftext\\|>|'s|'t|'re|'ve|'m|'ll|'d|[\\p{L}]+|[\\p{N}]|[^\\s\\p{L}\\p{N}]+";

std::vector<std::u32string> SplitClip(const std::u32string& s) {
  std::vector<std::u32string> out;
  size_t i = 0;
  const size_t n = s.size();
  while (i < n) {
    size_t len = 0;
    for (const char32_t* special : {U"<|startoftext|>", U"<|endoftext|>"}) {
      const std::u32string_view sv(special);
      if (len == 0 && s.compare(i, sv.size(), sv) == 0) len = sv.size();
    }
    if (len == 0) len = Contraction(s, i);
    if (len == 0 && IsL(s[i])) {
      while (i + len < n && IsL(s[i + len])) ++len;
    } else if (len == 0 && IsN(s[i])) {
      len = 1;
    } else if (len == 0 && !IsWhiteSpace(s[i])) {
      while (i + len < n && !IsWhiteSpace(s[i + len]) && !IsL(s[i + len]) && !IsN(s[i + len])) ++len;
    }
    if (len == 0) {
      ++i;  // whitespace between matches is removed
      continue;
    }
    out.push_back(s.substr(i, len));
    i += len;
  }
  return out;
}

std::u32string ToByteLevel(const std::u32string& piece) {
  std::string bytes = EncodeUtf8(piece);
  std::u32string out;
  out.reserve(bytes.size());
  for (unsigned char b : bytes) out += ByteToUnicode(b);
  return out;
}

Result<PreTokenizer> MakePreTokenizer(const json& j, const std::string& where) {
  const std::string type = TypeOf(j);
  if (type == "Sequence") {
    std::vector<PreTokenizer> parts;
    if (!j.contains("pretokenizers") || !j["pretokenizers"].is_array()) return Unsupported(where, "pre-tokenizer Sequence", j);
    for (const auto& p : j["pretokenizers"]) {
      PANIC_ASSIGN_OR_RETURN(PreTokenizer part, MakePreTokenizer(p, where));
      parts.push_back(std::move(part));
    }
    return PreTokenizer([parts](std::vector<std::u32string>& pieces) {
      for (const auto& p : parts) p(pieces);
    });
  }
  if (type == "BertPreTokenizer") return EachPiece(SplitBert);
  if (type == "Whitespace") return EachPiece(SplitWhitespaceRegex);
  if (type == "WhitespaceSplit") {
    return EachPiece([](const std::u32string& s) {
      std::vector<std::u32string> out(1);
      for (char32_t c : s) {
        if (IsWhiteSpace(c)) {
          out.emplace_back();
        } else {
          out.back() += c;
        }
      }
      return out;
    });
  }
  if (type == "Punctuation") {
    return EachPiece([](const std::u32string& s) {
      std::vector<std::u32string> out(1);
      for (char32_t c : s) {
        if (IsBertPunctuation(c)) {
          out.emplace_back(1, c);
          out.emplace_back();
        } else {
          out.back() += c;
        }
      }
      return out;
    });
  }
  if (type == "Digits") {
    const bool individual = Flag(j, "individual_digits", false);
    return EachPiece([individual](const std::u32string& s) {
      std::vector<std::u32string> out(1);
      bool in_digits = false;
      for (char32_t c : s) {
        const bool digit = c >= U'0' && c <= U'9';
        if (digit && (individual || !in_digits)) out.emplace_back();
        if (!digit && in_digits) out.emplace_back();
        out.back() += c;
        in_digits = digit;
      }
      return out;
    });
  }
  if (type == "Metaspace") {
    const std::u32string replacement = U32(j, "replacement", U"\u2581");
    std::string scheme = j.contains("prepend_scheme") && j["prepend_scheme"].is_string()
                             ? j["prepend_scheme"].get<std::string>()
                             : (Flag(j, "add_prefix_space", true) ? "always" : "never");
    const bool split = Flag(j, "split", true);
    // "first" prepends only to the first piece of the text; pieces arrive in order.
    return PreTokenizer([replacement, scheme, split](std::vector<std::u32string>& pieces) {
      std::vector<std::u32string> out;
      for (size_t p = 0; p < pieces.size(); ++p) {
        std::u32string s = pieces[p];
        ReplaceAll(s, U" ", replacement);
        if ((scheme == "always" || (scheme == "first" && p == 0)) && s.compare(0, replacement.size(), replacement) != 0) {
          s = replacement + s;
        }
        if (!split) {
          out.push_back(std::move(s));
          continue;
        }
        // Split before each replacement character (it stays with the next word).
        std::u32string cur;
        for (size_t i = 0; i < s.size();) {
          if (s.compare(i, replacement.size(), replacement) == 0) {
            if (!cur.empty()) out.push_back(std::move(cur));
            cur = replacement;
            i += replacement.size();
          } else {
            cur += s[i++];
          }
        }
        if (!cur.empty()) out.push_back(std::move(cur));
      }
      pieces = std::move(out);
    });
  }
  if (type == "ByteLevel") {
    const bool prefix = Flag(j, "add_prefix_space", true), regex = Flag(j, "use_regex", true);
    return PreTokenizer([prefix, regex](std::vector<std::u32string>& pieces) {
      std::vector<std::u32string> out;
      for (size_t p = 0; p < pieces.size(); ++p) {
        std::u32string s = pieces[p];
        if (prefix && !s.empty() && s[0] != U' ') s = U" " + s;
        std::vector<std::u32string> parts = regex ? SplitGpt2(s) : std::vector<std::u32string>{s};
        for (const auto& part : parts) {
          if (!part.empty()) out.push_back(ToByteLevel(part));
        }
      }
      pieces = std::move(out);
    });
  }
  if (type == "Split") {
    const json& pattern = j.contains("pattern") ? j["pattern"] : json();
    const bool clip = pattern.contains("Regex") && pattern["Regex"] == kClipPattern && Flag(j, "invert", false) &&
                      j.value("behavior", "") == "Removed";
    if (clip) return EachPiece(SplitClip);
    return Unsupported(where, "pre-tokenizer Split with this pattern (only CLIP's is)", j);
  }
  return Unsupported(where, "pre-tokenizer '" + type + "'", j);
}

// ---- decoders ----------------------------------------------------------------------

std::string ReplaceAll8(std::string s, const std::string& from, const std::string& to) {
  if (from.empty()) return s;
  for (size_t at = 0; (at = s.find(from, at)) != std::string::npos; at += to.size()) s.replace(at, from.size(), to);
  return s;
}

std::string CleanUpWordPiece(std::string s) {
  for (const auto& [from, to] : std::vector<std::pair<std::string, std::string>>{
           {" .", "."}, {" ?", "?"}, {" !", "!"}, {" ,", ","}, {" ' ", "'"}, {" n't", "n't"}, {" 'm", "'m"},
           {" do not", " don't"}, {" 's", "'s"}, {" 've", "'ve"}, {" 're", "'re"}}) {
    s = ReplaceAll8(std::move(s), from, to);
  }
  return s;
}

Result<Decoder> MakeDecoder(const json& j, const std::string& where) {
  const std::string type = TypeOf(j);
  if (type == "Sequence") {
    std::vector<Decoder> parts;
    if (!j.contains("decoders") || !j["decoders"].is_array()) return Unsupported(where, "decoder Sequence", j);
    for (const auto& d : j["decoders"]) {
      PANIC_ASSIGN_OR_RETURN(Decoder part, MakeDecoder(d, where));
      parts.push_back(std::move(part));
    }
    return Decoder([parts](std::vector<std::string>& tokens) {
      for (const auto& p : parts) p(tokens);
    });
  }
  if (type == "WordPiece") {
    const std::string prefix = j.value("prefix", "##");
    const bool cleanup = Flag(j, "cleanup", true);
    return Decoder([prefix, cleanup](std::vector<std::string>& tokens) {
      for (size_t i = 0; i < tokens.size(); ++i) {
        std::string& t = tokens[i];
        if (i > 0 && t.compare(0, prefix.size(), prefix) == 0) {
          t = t.substr(prefix.size());
        } else if (i > 0) {
          t = " " + t;
        }
        if (cleanup) t = CleanUpWordPiece(std::move(t));
      }
    });
  }
  if (type == "ByteLevel") {
    return Decoder([](std::vector<std::string>& tokens) {
      std::string bytes;
      for (const auto& t : tokens) {
        for (char32_t c : DecodeUtf8(t)) {
          const int b = UnicodeToByte(c);
          if (b >= 0) {
            bytes += static_cast<char>(b);
          } else {
            AppendUtf8(c, bytes);
          }
        }
      }
      tokens.assign(1, EncodeUtf8(DecodeUtf8(bytes)));  // ill-formed UTF-8 becomes U+FFFD
    });
  }
  if (type == "Metaspace") {
    const std::string replacement = j.value("replacement", "\u2581");
    const bool strip_first = j.value("prepend_scheme", Flag(j, "add_prefix_space", true) ? "always" : "never") != "never";
    return Decoder([replacement, strip_first](std::vector<std::string>& tokens) {
      for (size_t i = 0; i < tokens.size(); ++i) {
        tokens[i] = ReplaceAll8(tokens[i], replacement, " ");
        if (i == 0 && strip_first && !tokens[i].empty() && tokens[i][0] == ' ') tokens[i].erase(0, 1);
      }
    });
  }
  if (type == "BPEDecoder") {
    const std::string suffix = j.value("suffix", "</w>");
    return Decoder([suffix](std::vector<std::string>& tokens) {
      for (size_t i = 0; i < tokens.size(); ++i) tokens[i] = ReplaceAll8(tokens[i], suffix, i + 1 == tokens.size() ? "" : " ");
    });
  }
  if (type == "Fuse") {
    return Decoder([](std::vector<std::string>& tokens) {
      std::string all;
      for (const auto& t : tokens) all += t;
      tokens.assign(1, all);
    });
  }
  if (type == "Replace" && j.contains("pattern") && j["pattern"].contains("String")) {
    const std::string from = j["pattern"]["String"].get<std::string>(), to = j.value("content", "");
    return Decoder([from, to](std::vector<std::string>& tokens) {
      for (auto& t : tokens) t = ReplaceAll8(t, from, to);
    });
  }
  if (type == "Strip") {
    const std::string content = j.value("content", " ");
    const int start = j.value("start", 0), stop = j.value("stop", 0);
    return Decoder([content, start, stop](std::vector<std::string>& tokens) {
      for (auto& t : tokens) {
        for (int k = 0; k < start && t.compare(0, content.size(), content) == 0; ++k) t.erase(0, content.size());
        for (int k = 0; k < stop && t.size() >= content.size() &&
                        t.compare(t.size() - content.size(), content.size(), content) == 0;
             ++k) {
          t.erase(t.size() - content.size());
        }
      }
    });
  }
  return Unsupported(where, "decoder '" + type + "'", j);
}

// The ids a special token of a post-processor stands for: ["[CLS]", 101] or a template's
// special_tokens entry.
Result<int64_t> PairId(const json& j, const std::string& where, const std::string& what) {
  if (j.is_array() && j.size() == 2 && j[1].is_number_integer()) return j[1].get<int64_t>();
  return Unsupported(where, "post-processor " + what, j);
}

struct Template {
  std::vector<int64_t> before, after;  // special ids around the sequence
};

Result<std::optional<Template>> MakeTemplate(const json& j, const std::string& where) {
  const std::string type = TypeOf(j);
  if (j.is_null() || type == "ByteLevel") return std::optional<Template>();
  if (type == "BertProcessing" || type == "RobertaProcessing") {
    Template t;
    PANIC_ASSIGN_OR_RETURN(int64_t cls, PairId(j.value("cls", json()), where, "cls"));
    PANIC_ASSIGN_OR_RETURN(int64_t sep, PairId(j.value("sep", json()), where, "sep"));
    t.before = {cls};
    t.after = {sep};
    return std::optional<Template>(t);
  }
  if (type == "TemplateProcessing") {
    Template t;
    bool seen_sequence = false;
    if (!j.contains("single") || !j["single"].is_array()) return Unsupported(where, "post-processor template", j);
    for (const auto& piece : j["single"]) {
      if (piece.contains("Sequence")) {
        seen_sequence = true;
        continue;
      }
      if (!piece.contains("SpecialToken") || !piece["SpecialToken"].contains("id")) {
        return Unsupported(where, "post-processor template piece", piece);
      }
      const std::string name = piece["SpecialToken"]["id"].get<std::string>();
      const json& specials = j.value("special_tokens", json::object());
      if (!specials.contains(name) || !specials[name].contains("ids") || !specials[name]["ids"].is_array()) {
        return Unsupported(where, "post-processor special token '" + name + "'", j);
      }
      for (const auto& id : specials[name]["ids"]) (seen_sequence ? t.after : t.before).push_back(id.get<int64_t>());
    }
    return std::optional<Template>(t);
  }
  if (type == "Sequence" && j.contains("processors") && j["processors"].is_array()) {
    std::optional<Template> result;
    for (const auto& p : j["processors"]) {
      PANIC_ASSIGN_OR_RETURN(std::optional<Template> t, MakeTemplate(p, where));
      if (t) result = t;
    }
    return result;
  }
  return Unsupported(where, "post-processor '" + type + "'", j);
}

}  // namespace

struct HfTokenizer::Impl {
  std::optional<Normalizer> normalizer;
  std::optional<PreTokenizer> pre_tokenizer;
  std::unique_ptr<TokenizerModel> model;
  std::optional<Template> post;
  std::optional<Decoder> decoder;
  // Added tokens, longest first, so that the longest literal match wins.
  std::vector<std::pair<std::u32string, int64_t>> added;
  std::unordered_map<int64_t, bool> added_special;  // id -> special
  std::unordered_map<int64_t, std::string> added_text;
  std::optional<int64_t> pad_id;
};

HfTokenizer::HfTokenizer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
HfTokenizer::~HfTokenizer() = default;

Result<std::shared_ptr<const HfTokenizer>> HfTokenizer::LoadFile(const std::filesystem::path& path,
                                                                  const TokenizerOptions& options) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::NotFound(path.string() + " does not exist");
  std::ostringstream text;
  text << in.rdbuf();
  return FromJson(text.str(), path.string(), options);
}

Result<std::shared_ptr<const HfTokenizer>> HfTokenizer::FromJson(std::string_view json_text, const std::string& where,
                                                                  const TokenizerOptions& options) {
  const json doc = json::parse(json_text, nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded() || !doc.is_object()) return Status::InvalidArgument(where + ": not a JSON object");
  if (!doc.contains("model") || !doc["model"].is_object()) return Status::InvalidArgument(where + ": no \"model\" object");
  auto impl = std::make_unique<Impl>();
  // The library throws on malformed components; here a wrong type is a clear error.
  try {
    if (doc.contains("normalizer") && !doc["normalizer"].is_null()) {
      PANIC_ASSIGN_OR_RETURN(Normalizer n, MakeNormalizer(doc["normalizer"], where));
      impl->normalizer = std::move(n);
    }
    if (doc.contains("pre_tokenizer") && !doc["pre_tokenizer"].is_null()) {
      PANIC_ASSIGN_OR_RETURN(PreTokenizer p, MakePreTokenizer(doc["pre_tokenizer"], where));
      impl->pre_tokenizer = std::move(p);
    }
    PANIC_ASSIGN_OR_RETURN(impl->model, MakeTokenizerModel(doc["model"], where, options));
    PANIC_ASSIGN_OR_RETURN(impl->post, MakeTemplate(doc.value("post_processor", json()), where));
    if (doc.contains("decoder") && !doc["decoder"].is_null()) {
      PANIC_ASSIGN_OR_RETURN(Decoder d, MakeDecoder(doc["decoder"], where));
      impl->decoder = std::move(d);
    }
    if (doc.contains("added_tokens") && doc["added_tokens"].is_array()) {
      for (const auto& t : doc["added_tokens"]) {
        if (!t.is_object() || !t.contains("id") || !t.contains("content")) {
          return Status::InvalidArgument(where + ": an added token lacks id or content");
        }
        const int64_t id = t["id"].get<int64_t>();
        const std::string content = t["content"].get<std::string>();
        impl->added.emplace_back(DecodeUtf8(content), id);
        impl->added_special[id] = Flag(t, "special", false);
        impl->added_text[id] = content;
      }
      std::stable_sort(impl->added.begin(), impl->added.end(),
                       [](const auto& a, const auto& b) { return a.first.size() > b.first.size(); });
    }
    if (doc.contains("padding") && doc["padding"].is_object() && doc["padding"].contains("pad_id")) {
      impl->pad_id = doc["padding"]["pad_id"].get<int64_t>();
    }
  } catch (const json::exception& e) {
    return Status::InvalidArgument(where + ": a field has the wrong type: " + e.what());
  }
  return std::shared_ptr<const HfTokenizer>(std::make_shared<HfTokenizer>(std::move(impl)));
}

std::vector<int64_t> HfTokenizer::Encode(std::string_view utf8, bool add_special_tokens, int max_tokens) const {
  const Impl& m = *impl_;
  const std::u32string text = DecodeUtf8(utf8);
  std::vector<int64_t> ids;
  // Split out added tokens; the text between them goes through the pipeline.
  auto run = [&](std::u32string part) {
    if (part.empty()) return;
    if (m.normalizer) (*m.normalizer)(part);
    std::vector<std::u32string> pieces{std::move(part)};
    if (m.pre_tokenizer) (*m.pre_tokenizer)(pieces);
    for (const auto& p : pieces) {
      if (!p.empty()) m.model->Tokenize(p, ids);
    }
  };
  size_t start = 0;
  for (size_t i = 0; i < text.size();) {
    bool matched = false;
    for (const auto& [content, id] : m.added) {
      if (!content.empty() && text.compare(i, content.size(), content) == 0) {
        run(text.substr(start, i - start));
        ids.push_back(id);
        i += content.size();
        start = i;
        matched = true;
        break;
      }
    }
    if (!matched) ++i;
  }
  run(text.substr(start));
  if (add_special_tokens && m.post) {
    const size_t specials = m.post->before.size() + m.post->after.size();
    if (max_tokens > 0) ids.resize(std::min(ids.size(), static_cast<size_t>(std::max<int>(0, max_tokens - static_cast<int>(specials)))));
    std::vector<int64_t> out = m.post->before;
    out.insert(out.end(), ids.begin(), ids.end());
    out.insert(out.end(), m.post->after.begin(), m.post->after.end());
    return out;
  }
  if (max_tokens > 0 && ids.size() > static_cast<size_t>(max_tokens)) ids.resize(static_cast<size_t>(max_tokens));
  return ids;
}

std::string HfTokenizer::Decode(std::span<const int64_t> ids) const {
  const Impl& m = *impl_;
  std::vector<std::string> tokens;
  for (int64_t id : ids) {
    auto special = m.added_special.find(id);
    if (special != m.added_special.end()) {
      if (!special->second) tokens.push_back(m.added_text.at(id));
      continue;
    }
    if (auto t = m.model->IdToToken(id)) tokens.push_back(*t);
  }
  if (m.decoder) (*m.decoder)(tokens);
  std::string out;
  for (const auto& t : tokens) out += t;
  return out;
}

std::optional<int64_t> HfTokenizer::TokenId(std::string_view token) const {
  for (const auto& [content, id] : impl_->added) {
    if (EncodeUtf8(content) == token) return id;
  }
  return impl_->model->TokenToId(std::string(token));
}

std::optional<int64_t> HfTokenizer::PaddingId() const { return impl_->pad_id; }
size_t HfTokenizer::vocab_size() const { return impl_->model->vocab_size(); }

}  // namespace panic::models::onnx
