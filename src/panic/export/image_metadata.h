// Image files that carry where they came from, readable by exiftool
// (libimage-exiftool-perl) and other tools:
//   PNG   one iTXt chunk (UTF-8) per field, keyword = the field name ("Prompt", "Seed", …),
//         which exiftool lists as PNG:<Keyword>; and the same fields as XMP in an iTXt
//         chunk with keyword "XML:com.adobe.xmp".
//   JPEG  an APP1 XMP segment right after SOI.
//   WEBP  the extended (VP8X) layout: VP8X header with the XMP flag, the image chunk, an
//         "XMP " chunk.
// XMP fields live in the namespace kXmpNamespace (prefix "panic"), so exiftool lists them
// as XMP-panic:<Field>. Every value is escaped for XML.
//
// Thread safety: free functions; call from any thread.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "panic/core/image.h"
#include "panic/core/status.h"

namespace panic::exporting {

inline constexpr const char* kXmpNamespace = "https://github.com/panic-tda/ns/1.0/";

// (field, value) pairs in order; field names are ASCII letters (they become keywords).
using ImageMetadata = std::vector<std::pair<std::string, std::string>>;

enum class ImageFileFormat { kPng, kJpeg, kWebp };
// "png" / "jpg" / "jpeg" / "webp" (also as a file extension with the dot);
// InvalidArgument otherwise, naming what is allowed.
Result<ImageFileFormat> ParseImageFileFormat(const std::string& name);
const char* ImageFileExtension(ImageFileFormat format);  // "png", "jpg", "webp"

// The XMP packet of the fields (UTF-8, values XML-escaped, invalid UTF-8 replaced).
std::string BuildXmp(const ImageMetadata& metadata);

// The encoded file. JPEG at quality 92; WEBP lossless. InvalidArgument for a malformed
// image or a field name that is not 1–79 ASCII letters or digits.
Result<std::string> EncodeImageFile(const RgbImage& image, ImageFileFormat format, const ImageMetadata& metadata);

}  // namespace panic::exporting
