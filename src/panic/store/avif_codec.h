// AVIF, the Elixir era's image format (lossy; 256² for dummy models, 1024² for real ones),
// through Debian's libavif. The importer decodes each AVIF once and stores the decoded
// pixels as lossless WEBP, so nothing further is lost.
//
// Thread safety: free functions with no shared state.
#pragma once

#include <string>
#include <string_view>

#include "panic/core/image.h"
#include "panic/core/status.h"

namespace panic::store {

// The largest AVIF decoded: 8192 per side and 2^26 pixels (the era's images are ≤ 1024²),
// checked by libavif from the headers before it allocates the image.
inline constexpr uint32_t kMaxAvifSide = 8192;
inline constexpr uint32_t kMaxAvifPixels = uint32_t{1} << 26;

// RGB pixels of the AVIF's first image (alpha dropped, depth reduced to 8 bits).
// Corruption when the bytes are not AVIF, are damaged or truncated, or exceed the limits.
Result<RgbImage> DecodeAvif(std::string_view bytes);

// An AVIF of `image` at `quality` 0–100 (libavif's encoder): for test fixtures of the
// Elixir era. InvalidArgument for a malformed image; Internal when no encoder is built in.
Result<std::string> EncodeAvif(const RgbImage& image, int quality);

}  // namespace panic::store
