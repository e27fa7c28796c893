// UTF-8 → Unicode code points, as Python sees a `str`. The dummy text recipes sum or
// copy code points (Python's `ord(c)` over the characters), not bytes.
#pragma once

#include <string_view>
#include <vector>

namespace panic::models {

// The code points of `utf8`, in order. Well-formed UTF-8 decodes exactly. A byte that
// does not start or continue a well-formed sequence (overlong forms, surrogates, values
// above U+10FFFF, truncated sequences) becomes one U+FFFD and decoding resumes at the
// next byte; Python could not hold such text in a `str` at all, so no reference output
// exists to match there.
std::vector<char32_t> Utf8CodePoints(std::string_view utf8);

}  // namespace panic::models
