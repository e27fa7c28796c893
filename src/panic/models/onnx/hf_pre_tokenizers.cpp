// tokenizer.json pre-tokenizers (hf_components.h).
#include "panic/models/onnx/hf_components.h"

#include <string_view>

#include "panic/core/utf8.h"
#include "panic/models/onnx/unicode_text.h"

namespace panic::models::onnx::hf {

namespace {

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

}  // namespace

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

}  // namespace panic::models::onnx::hf
