// The Unicode operations of Hugging Face tokenizer.json normalisers and pre-tokenizers:
// NFC/NFD, lowercasing, coarse general categories, White_Space, and the byte-level
// alphabet of GPT-2/CLIP BPE. Tables come from tools/onnx/gen_unicode_tables.py
// (unicode_tables.inc); NFKC is the native layer's (native/unicode_nfkc.h), UTF-8 is
// core/utf8.h.
//
// Thread safety: pure functions over constant tables.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace panic::models::onnx {

// General categories by their first letter; marks split into nonspacing (Mn) and the rest.
enum class CharClass : uint8_t {
  kUnassigned = 0, kLetter, kNumber, kMark, kPunctuation, kSymbol, kSeparator, kOther, kNonspacingMark
};

CharClass ClassOf(char32_t c);
bool IsWhiteSpace(char32_t c);      // the White_Space property (Rust's char::is_whitespace)
bool IsNonspacingMark(char32_t c);  // general category Mn
bool IsCjkIdeograph(char32_t c);    // the ranges BERT pads with spaces

std::u32string Nfd(std::u32string_view s);
std::u32string Nfc(std::u32string_view s);
std::u32string Nfkc(std::u32string_view s);
std::u32string Lowercase(std::u32string_view s);  // full mappings, as Rust's to_lowercase

// GPT-2's bytes_to_unicode: each byte as a printable code point, and back (-1: not one).
char32_t ByteToUnicode(uint8_t b);
int UnicodeToByte(char32_t c);

}  // namespace panic::models::onnx
