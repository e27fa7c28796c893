// UTF-8 ↔ Unicode code points: the one decoder of panic-tda (the dummy recipes, the USELite
// and ONNX tokenizers all use it).
//
// Error rule: each maximal ill-formed subpart becomes one U+FFFD (Unicode §3.9 "U+FFFD
// substitution of maximal subparts", as the WHATWG decoder, Node and Python's
// `bytes.decode("utf-8", "replace")` do it): overlong forms, surrogates, values above
// U+10FFFF, stray continuation bytes and sequences cut short are all replaced, and decoding
// resumes at the byte that broke the sequence. Well-formed text decodes exactly.
//
// Thread safety: pure functions.
#pragma once

#include <string>
#include <string_view>

namespace panic {

std::u32string DecodeUtf8(std::string_view utf8);

// Appends the UTF-8 form of `c` (a Unicode scalar value; callers pass decoded text).
void AppendUtf8(char32_t c, std::string& out);
std::string EncodeUtf8(std::u32string_view text);

}  // namespace panic
