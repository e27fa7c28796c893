// Image blob codecs: WEBP for storage (DESIGN.md §5: lossless by default, quality
// configurable) and JPEG at Pillow's settings, whose bytes are the reference's image
// equality for loop detection (issue 2 §5).
//
// Formats:
//   WEBP  a RIFF container, "RIFF" <u32 LE size> "WEBP" …, written by libwebp. Lossless
//         (VP8L) encodings decode to exactly the pixels encoded.
//   JPEG  baseline JFIF as libjpeg-turbo writes it for Pillow's
//         `img.save(buf, "JPEG", quality=q)`: jpeg_set_defaults (YCbCr with 4:2:0 chroma
//         subsampling, integer "islow" DCT, the standard Huffman tables, no optimisation,
//         not progressive, a JFIF 1.01 APP0 with density 1:1 and no unit), then the
//         standard quantisation tables scaled for q (jpeg_set_quality). Equal pixels give
//         equal bytes, and so do pixels whose quantised DCT coefficients are equal.
//
// Thread safety: free functions with no shared state; call from any thread.
#pragma once

#include <string>
#include <string_view>

#include "panic/core/image.h"
#include "panic/core/status.h"

namespace panic::store {

// libwebp's quality knob: for lossy WEBP the usual 0–100 quality, for lossless the
// compression effort (higher = smaller and slower; the output decodes the same).
inline constexpr int kDefaultWebpQuality = 75;
// The quality of the reference's loop-detection encoding.
inline constexpr int kLoopDetectionJpegQuality = 30;

enum class ImageFormat { kUnknown, kWebp, kJpeg, kPng };
// The format named by the first bytes (magic numbers); kUnknown when none matches.
ImageFormat SniffImageFormat(std::string_view bytes);
const char* ImageFormatName(ImageFormat format);  // "WEBP", "JPEG", "PNG", "unknown"

// The WEBP encoding of `image`. InvalidArgument for a malformed image (pixels not
// width × height × 3 bytes, or a side of 0 or above 16383, WEBP's limit) or a quality
// outside [0, 100]; Internal if libwebp fails otherwise.
Result<std::string> EncodeWebp(const RgbImage& image, bool lossless = true, int quality = kDefaultWebpQuality);

// The JPEG encoding of `image` at `quality`, byte for byte what Pillow 9 with
// libjpeg-turbo 2.1 writes for an RGB image saved with only `quality` given.
// InvalidArgument for a malformed image (or a side of 0 or above 65500) or a quality
// outside [1, 100].
Result<std::string> EncodeJpeg(const RgbImage& image, int quality);

// Decodes a WEBP or JPEG blob (grayscale JPEGs are expanded to RGB; a WEBP's alpha is
// dropped). Corruption when the bytes are neither, are another format (PNG), claim more
// than 2^28 pixels (checked from the header, before anything is allocated; 16383², WEBP's
// largest, fits), or do not decode cleanly — a truncated or damaged stream is an error,
// not a partial image, and JPEG decoding stops at the first damaged scanline.
Result<RgbImage> DecodeImage(std::string_view bytes);

}  // namespace panic::store
