#include "panic/export/image_metadata.h"

#include <png.h>

#include <cctype>
#include <cstring>

#include "panic/export/text_renderer.h"
#include "panic/store/image_codec.h"

namespace panic::exporting {
namespace {

constexpr int kJpegQuality = 92;

void AppendLe32(std::string& out, uint32_t v) {
  for (int i = 0; i < 4; ++i) out.push_back(static_cast<char>((v >> (8 * i)) & 0xFF));
}
void AppendLe24(std::string& out, uint32_t v) {
  for (int i = 0; i < 3; ++i) out.push_back(static_cast<char>((v >> (8 * i)) & 0xFF));
}

std::string XmlEscape(const std::string& s) {
  std::string out;
  for (unsigned char c : ValidUtf8(s)) {
    switch (c) {
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '&': out += "&amp;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&apos;"; break;
      default:
        // XML 1.0 allows tab, LF, CR and no other C0 control: write those as spaces.
        out.push_back(c < 0x20 && c != '\t' && c != '\n' && c != '\r' ? ' ' : static_cast<char>(c));
    }
  }
  return out;
}

Status CheckFieldNames(const ImageMetadata& metadata) {
  for (const auto& [key, value] : metadata) {
    bool ok = !key.empty() && key.size() <= 79 && std::isalpha(static_cast<unsigned char>(key[0]));
    for (char c : key) ok = ok && std::isalnum(static_cast<unsigned char>(c));
    if (!ok) return Status::InvalidArgument("metadata field name '" + key + "' is not 1–79 ASCII letters/digits");
  }
  return Status::Ok();
}

struct PngBuffer {
  std::string bytes;
};
void PngWrite(png_structp png, png_bytep data, png_size_t size) {
  static_cast<PngBuffer*>(png_get_io_ptr(png))->bytes.append(reinterpret_cast<const char*>(data), size);
}
void PngFlush(png_structp) {}

Result<std::string> EncodePng(const RgbImage& image, const ImageMetadata& metadata) {
  png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, nullptr, nullptr, nullptr);
  if (!png) return Status::Internal("libpng: cannot create a write struct");
  png_infop info = png_create_info_struct(png);
  PngBuffer buffer;
  // Strings whose c_str() the text chunks point to, alive until png_write_end.
  std::vector<std::string> keep;
  keep.reserve(metadata.size() * 2 + 2);
  std::vector<png_text> texts;
  if (!info || setjmp(png_jmpbuf(png))) {
    png_destroy_write_struct(&png, &info);
    return Status::Internal("libpng failed to encode a " + std::to_string(image.width) + "×" +
                            std::to_string(image.height) + " image");
  }
  png_set_write_fn(png, &buffer, PngWrite, PngFlush);
  png_set_IHDR(png, info, image.width, image.height, 8, PNG_COLOR_TYPE_RGB, PNG_INTERLACE_NONE,
               PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
  auto add = [&](const std::string& key, const std::string& value) {
    keep.push_back(key);
    const char* k = keep.back().c_str();
    keep.push_back(ValidUtf8(value));
    png_text t{};
    t.compression = PNG_ITXT_COMPRESSION_NONE;
    t.key = const_cast<char*>(k);
    t.text = const_cast<char*>(keep.back().c_str());
    t.itxt_length = keep.back().size();
    t.lang = nullptr;
    t.lang_key = nullptr;
    texts.push_back(t);
  };
  for (const auto& [key, value] : metadata) add(key, value);
  add("XML:com.adobe.xmp", BuildXmp(metadata));
  png_set_text(png, info, texts.data(), static_cast<int>(texts.size()));
  png_write_info(png, info);
  for (int y = 0; y < image.height; ++y) {
    png_write_row(png, const_cast<png_bytep>(image.pixels.data() + static_cast<size_t>(y) * image.width * 3));
  }
  png_write_end(png, info);
  png_destroy_write_struct(&png, &info);
  return std::move(buffer.bytes);
}

Result<std::string> EncodeJpegWithXmp(const RgbImage& image, const ImageMetadata& metadata) {
  PANIC_ASSIGN_OR_RETURN(std::string jpeg, store::EncodeJpeg(image, kJpegQuality));
  static constexpr char kXmpHeader[] = "http://ns.adobe.com/xap/1.0/";
  std::string payload = std::string(kXmpHeader, sizeof kXmpHeader) + BuildXmp(metadata);  // header with its NUL
  if (payload.size() + 2 > 65535) return Status::InvalidArgument("image metadata too large for a JPEG XMP segment");
  std::string segment = "\xFF\xE1";
  const size_t length = payload.size() + 2;
  segment.push_back(static_cast<char>(length >> 8));
  segment.push_back(static_cast<char>(length & 0xFF));
  segment += payload;
  return jpeg.substr(0, 2) + segment + jpeg.substr(2);  // right after SOI (FF D8)
}

Result<std::string> EncodeWebpWithXmp(const RgbImage& image, const ImageMetadata& metadata) {
  PANIC_ASSIGN_OR_RETURN(std::string simple, store::EncodeWebp(image, /*lossless=*/true));
  // libwebp writes the simple layout: "RIFF" size "WEBP", then one "VP8L" (or "VP8 ") chunk.
  if (simple.size() < 20 || simple.compare(0, 4, "RIFF") != 0 || simple.compare(8, 4, "WEBP") != 0 ||
      (simple.compare(12, 4, "VP8L") != 0 && simple.compare(12, 4, "VP8 ") != 0)) {
    return Status::Internal("libwebp wrote an unexpected layout");
  }
  std::string image_chunk = simple.substr(12);
  std::string xmp = BuildXmp(metadata);
  std::string body = "WEBP";
  body += "VP8X";
  AppendLe32(body, 10);
  body.push_back(0x04);  // flags: XMP present
  body.append(3, '\0');
  AppendLe24(body, static_cast<uint32_t>(image.width - 1));
  AppendLe24(body, static_cast<uint32_t>(image.height - 1));
  body += image_chunk;
  body += "XMP ";
  AppendLe32(body, static_cast<uint32_t>(xmp.size()));
  body += xmp;
  if (xmp.size() % 2) body.push_back('\0');  // chunks are padded to even sizes
  std::string out = "RIFF";
  AppendLe32(out, static_cast<uint32_t>(body.size()));
  return out + body;
}

}  // namespace

Result<ImageFileFormat> ParseImageFileFormat(const std::string& name) {
  std::string n = name;
  if (!n.empty() && n[0] == '.') n = n.substr(1);
  for (auto& c : n) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (n == "png") return ImageFileFormat::kPng;
  if (n == "jpg" || n == "jpeg") return ImageFileFormat::kJpeg;
  if (n == "webp") return ImageFileFormat::kWebp;
  return Status::InvalidArgument("image format '" + name + "' is not one of png, jpg, webp");
}

const char* ImageFileExtension(ImageFileFormat format) {
  switch (format) {
    case ImageFileFormat::kPng: return "png";
    case ImageFileFormat::kJpeg: return "jpg";
    case ImageFileFormat::kWebp: return "webp";
  }
  return "png";
}

std::string BuildXmp(const ImageMetadata& metadata) {
  std::string x =
      "<?xpacket begin=\"\xEF\xBB\xBF\" id=\"W5M0MpCehiHzreSzNTczkc9d\"?>\n"
      "<x:xmpmeta xmlns:x=\"adobe:ns:meta/\">\n"
      " <rdf:RDF xmlns:rdf=\"http://www.w3.org/1999/02/22-rdf-syntax-ns#\">\n"
      "  <rdf:Description rdf:about=\"\" xmlns:panic=\"" +
      std::string(kXmpNamespace) + "\">\n";
  for (const auto& [key, value] : metadata) {
    x += "   <panic:" + key + ">" + XmlEscape(value) + "</panic:" + key + ">\n";
  }
  x += "  </rdf:Description>\n </rdf:RDF>\n</x:xmpmeta>\n<?xpacket end=\"w\"?>";
  return x;
}

Result<std::string> EncodeImageFile(const RgbImage& image, ImageFileFormat format, const ImageMetadata& metadata) {
  if (image.width <= 0 || image.height <= 0 ||
      image.pixels.size() != static_cast<size_t>(image.width) * image.height * 3) {
    return Status::InvalidArgument("malformed image: " + std::to_string(image.width) + "×" +
                                   std::to_string(image.height));
  }
  PANIC_RETURN_IF_ERROR(CheckFieldNames(metadata));
  switch (format) {
    case ImageFileFormat::kPng: return EncodePng(image, metadata);
    case ImageFileFormat::kJpeg: return EncodeJpegWithXmp(image, metadata);
    case ImageFileFormat::kWebp: return EncodeWebpWithXmp(image, metadata);
  }
  return Status::InvalidArgument("unknown image format");
}

}  // namespace panic::exporting
