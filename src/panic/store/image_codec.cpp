#include "panic/store/image_codec.h"

#include <csetjmp>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

// jpeglib.h needs size_t and FILE declared before it.
#include <jpeglib.h>
#include <webp/decode.h>
#include <webp/encode.h>

namespace panic::store {

namespace {

constexpr int kWebpMaxDimension = 16383;  // WEBP_MAX_DIMENSION
constexpr int kJpegMaxDimension = 65500;  // JPEG_MAX_DIMENSION
// A damaged header can claim any size; refuse to allocate more than this many pixels
// (16383², WEBP's largest image, fits), checked from the header before any allocation.
constexpr uint64_t kMaxDecodedPixels = uint64_t{1} << 28;

Status CheckEncodable(const RgbImage& image, int max_dimension) {
  if (image.width <= 0 || image.height <= 0 || image.width > max_dimension || image.height > max_dimension) {
    return Status::InvalidArgument("cannot encode a " + std::to_string(image.width) + "x" +
                                   std::to_string(image.height) + " image: each side must be in [1, " +
                                   std::to_string(max_dimension) + "]");
  }
  if (image.pixels.size() != static_cast<size_t>(image.width) * static_cast<size_t>(image.height) * 3) {
    return Status::InvalidArgument("malformed image: " + std::to_string(image.width) + "x" +
                                   std::to_string(image.height) + " needs " +
                                   std::to_string(static_cast<size_t>(image.width) * image.height * 3) +
                                   " bytes of RGB, has " + std::to_string(image.pixels.size()));
  }
  return Status::Ok();
}

// ---- libjpeg plumbing -------------------------------------------------------------
// libjpeg reports fatal errors through error_exit, which must not return; we longjmp
// back to the setjmp in the function that called into libjpeg. Those functions hold
// only trivially destructible locals between setjmp and the calls, so the jump skips
// no destructor; every C++ object they fill is owned by their caller.

struct JpegErrorManager {
  jpeg_error_mgr pub;  // first member: libjpeg sees a jpeg_error_mgr*
  std::jmp_buf jump;
  char message[JMSG_LENGTH_MAX];
  bool warned;
};

void JpegErrorExit(j_common_ptr cinfo) {
  auto* err = reinterpret_cast<JpegErrorManager*>(cinfo->err);
  (*cinfo->err->format_message)(cinfo, err->message);
  std::longjmp(err->jump, 1);
}

// Warnings (msg_level −1) mean damaged data; trace messages are ignored. Nothing is
// printed: libjpeg's default would write to stderr.
void JpegEmitMessage(j_common_ptr cinfo, int msg_level) {
  auto* err = reinterpret_cast<JpegErrorManager*>(cinfo->err);
  if (msg_level < 0 && !err->warned) {
    (*cinfo->err->format_message)(cinfo, err->message);
    err->warned = true;
  }
}

void InstallErrorManager(jpeg_error_mgr* base, JpegErrorManager* err) {
  jpeg_std_error(base);
  base->error_exit = JpegErrorExit;
  base->emit_message = JpegEmitMessage;
  err->message[0] = '\0';
  err->warned = false;
}

// Compresses `image` into a malloc'd buffer (*out, *out_size; the caller frees it).
// Returns false with err->message set on failure. REQUIRES: CheckEncodable(image).
bool CompressJpeg(const RgbImage& image, int quality, JpegErrorManager* err, unsigned char** out,
                  unsigned long* out_size) {
  jpeg_compress_struct cinfo;
  cinfo.err = &err->pub;
  InstallErrorManager(&err->pub, err);
  if (setjmp(err->jump)) {
    jpeg_destroy_compress(&cinfo);
    return false;
  }
  jpeg_create_compress(&cinfo);
  jpeg_mem_dest(&cinfo, out, out_size);
  cinfo.image_width = static_cast<JDIMENSION>(image.width);
  cinfo.image_height = static_cast<JDIMENSION>(image.height);
  cinfo.input_components = 3;
  cinfo.in_color_space = JCS_RGB;
  // Exactly Pillow's JpegEncode.c for mode "RGB" with only `quality` given: library
  // defaults (its subsampling −1 keeps jpeg_set_defaults' 2x2 luma sampling, i.e.
  // 4:2:0), jpeg_set_quality(q, force_baseline=TRUE), smoothing 0, no optimize, no
  // progression, no dpi (so the JFIF defaults stay), an interchange stream.
  jpeg_set_defaults(&cinfo);
  jpeg_set_quality(&cinfo, quality, TRUE);
  cinfo.smoothing_factor = 0;
  cinfo.optimize_coding = FALSE;
  jpeg_start_compress(&cinfo, TRUE);
  const size_t stride = static_cast<size_t>(image.width) * 3;
  while (cinfo.next_scanline < cinfo.image_height) {
    // libjpeg takes non-const rows but only reads them.
    JSAMPROW row = const_cast<JSAMPLE*>(image.pixels.data() + cinfo.next_scanline * stride);
    jpeg_write_scanlines(&cinfo, &row, 1);
  }
  jpeg_finish_compress(&cinfo);
  jpeg_destroy_compress(&cinfo);
  return true;
}

// Decodes the JPEG in `bytes` into *image. Returns false with err->message set on
// failure, also when libjpeg warned about damaged data (it would otherwise fill the
// missing part with grey and carry on).
// `row` is scratch space owned by the caller (no C++ object may live in this frame
// across setjmp). Pixels are appended row by row into reserved memory, so a stream that
// claims a large image and ends early never has the whole image's memory touched.
bool DecompressJpeg(std::string_view bytes, JpegErrorManager* err, RgbImage* image, std::vector<uint8_t>* row) {
  jpeg_decompress_struct cinfo;
  cinfo.err = &err->pub;
  InstallErrorManager(&err->pub, err);
  if (setjmp(err->jump)) {
    jpeg_destroy_decompress(&cinfo);
    return false;
  }
  jpeg_create_decompress(&cinfo);
  jpeg_mem_src(&cinfo, reinterpret_cast<const unsigned char*>(bytes.data()), static_cast<unsigned long>(bytes.size()));
  jpeg_read_header(&cinfo, TRUE);
  // The size the header claims is checked before libjpeg allocates anything for it.
  if (uint64_t{cinfo.image_width} * cinfo.image_height > kMaxDecodedPixels) {
    std::snprintf(err->message, sizeof err->message, "%ux%u is larger than any image we store",
                  cinfo.image_width, cinfo.image_height);
    jpeg_destroy_decompress(&cinfo);
    return false;
  }
  cinfo.out_color_space = JCS_RGB;
  cinfo.dct_method = JDCT_ISLOW;
  jpeg_start_decompress(&cinfo);
  if (err->warned || uint64_t{cinfo.output_width} * cinfo.output_height > kMaxDecodedPixels) {
    if (!err->warned) {
      std::snprintf(err->message, sizeof err->message, "%ux%u is larger than any image we store",
                    cinfo.output_width, cinfo.output_height);
    }
    jpeg_destroy_decompress(&cinfo);
    return false;
  }
  image->width = static_cast<int>(cinfo.output_width);
  image->height = static_cast<int>(cinfo.output_height);
  image->pixels.clear();
  image->pixels.reserve(size_t{cinfo.output_width} * cinfo.output_height * 3);
  row->resize(size_t{cinfo.output_width} * 3);
  while (cinfo.output_scanline < cinfo.output_height) {
    JSAMPROW out = row->data();
    if (jpeg_read_scanlines(&cinfo, &out, 1) != 1 || err->warned) {
      // damaged data: stop now rather than decode the rest as grey
      jpeg_destroy_decompress(&cinfo);
      return false;
    }
    image->pixels.insert(image->pixels.end(), row->begin(), row->end());
  }
  jpeg_finish_decompress(&cinfo);
  jpeg_destroy_decompress(&cinfo);
  return !err->warned;
}

Result<RgbImage> DecodeJpeg(std::string_view bytes) {
  JpegErrorManager err;
  RgbImage image;
  std::vector<uint8_t> row;
  if (!DecompressJpeg(bytes, &err, &image, &row)) return Status::Corruption(std::string("undecodable JPEG: ") + err.message);
  return image;
}

Result<RgbImage> DecodeWebp(std::string_view bytes) {
  const auto* data = reinterpret_cast<const uint8_t*>(bytes.data());
  int width = 0;
  int height = 0;
  if (!WebPGetInfo(data, bytes.size(), &width, &height)) {
    return Status::Corruption("undecodable WEBP: bad header (" + std::to_string(bytes.size()) + " bytes)");
  }
  if (static_cast<uint64_t>(width) * static_cast<uint64_t>(height) > kMaxDecodedPixels) {
    return Status::Corruption("undecodable WEBP: " + std::to_string(width) + "x" + std::to_string(height) +
                              " is larger than any image we store");
  }
  // libwebp allocates the output itself and touches it only as it decodes, so a damaged
  // stream that claims a large image fails without our zero-filling that much memory
  // (the image fuzzer found 21-byte inputs costing ~1 s of CPU that way).
  int w = 0, h = 0;
  uint8_t* rgb = WebPDecodeRGB(data, bytes.size(), &w, &h);
  if (rgb == nullptr || w != width || h != height) {
    WebPFree(rgb);
    return Status::Corruption("undecodable WEBP: damaged or truncated " + std::to_string(width) + "x" +
                              std::to_string(height) + " image data");
  }
  RgbImage image{width, height, std::vector<uint8_t>(rgb, rgb + static_cast<size_t>(width) * height * 3)};
  WebPFree(rgb);
  return image;
}

}  // namespace

ImageFormat SniffImageFormat(std::string_view bytes) {
  if (bytes.size() >= 12 && bytes.substr(0, 4) == "RIFF" && bytes.substr(8, 4) == "WEBP") return ImageFormat::kWebp;
  if (bytes.size() >= 3 && bytes.substr(0, 3) == "\xFF\xD8\xFF") return ImageFormat::kJpeg;
  if (bytes.size() >= 8 && bytes.substr(0, 8) == std::string_view("\x89PNG\r\n\x1A\n", 8)) return ImageFormat::kPng;
  return ImageFormat::kUnknown;
}

const char* ImageFormatName(ImageFormat format) {
  switch (format) {
    case ImageFormat::kWebp: return "WEBP";
    case ImageFormat::kJpeg: return "JPEG";
    case ImageFormat::kPng: return "PNG";
    case ImageFormat::kUnknown: return "unknown";
  }
  return "unknown";
}

Result<std::string> EncodeWebp(const RgbImage& image, bool lossless, int quality) {
  PANIC_RETURN_IF_ERROR(CheckEncodable(image, kWebpMaxDimension));
  if (quality < 0 || quality > 100) {
    return Status::InvalidArgument("WEBP quality " + std::to_string(quality) + " is outside [0, 100]");
  }
  WebPConfig config;
  if (!WebPConfigInit(&config)) return Status::Internal("libwebp: WebPConfigInit failed (version mismatch)");
  config.lossless = lossless ? 1 : 0;
  config.quality = static_cast<float>(quality);
  if (!WebPValidateConfig(&config)) return Status::Internal("libwebp rejected the encoder configuration");

  WebPPicture picture;
  if (!WebPPictureInit(&picture)) return Status::Internal("libwebp: WebPPictureInit failed (version mismatch)");
  picture.use_argb = lossless ? 1 : 0;  // lossless encodes ARGB; lossy converts to YUV
  picture.width = image.width;
  picture.height = image.height;
  if (!WebPPictureImportRGB(&picture, image.pixels.data(), image.width * 3)) {
    WebPPictureFree(&picture);
    return Status::Internal("libwebp: out of memory importing a " + std::to_string(image.width) + "x" +
                            std::to_string(image.height) + " image");
  }
  WebPMemoryWriter writer;
  WebPMemoryWriterInit(&writer);
  picture.writer = WebPMemoryWrite;
  picture.custom_ptr = &writer;
  const bool ok = WebPEncode(&config, &picture) != 0;
  const int error_code = picture.error_code;
  WebPPictureFree(&picture);
  std::string out;
  if (ok) out.assign(reinterpret_cast<const char*>(writer.mem), writer.size);
  WebPMemoryWriterClear(&writer);
  if (!ok) return Status::Internal("libwebp encoding failed with error code " + std::to_string(error_code));
  return out;
}

Result<std::string> EncodeJpeg(const RgbImage& image, int quality) {
  PANIC_RETURN_IF_ERROR(CheckEncodable(image, kJpegMaxDimension));
  if (quality < 1 || quality > 100) {
    return Status::InvalidArgument("JPEG quality " + std::to_string(quality) + " is outside [1, 100]");
  }
  JpegErrorManager err;
  unsigned char* buffer = nullptr;
  unsigned long size = 0;
  const bool ok = CompressJpeg(image, quality, &err, &buffer, &size);
  std::string out;
  if (ok) out.assign(reinterpret_cast<const char*>(buffer), size);
  std::free(buffer);  // jpeg_mem_dest allocates with malloc; free(nullptr) is fine
  if (!ok) return Status::Internal(std::string("libjpeg encoding failed: ") + err.message);
  return out;
}

Result<RgbImage> DecodeImage(std::string_view bytes) {
  switch (SniffImageFormat(bytes)) {
    case ImageFormat::kWebp: return DecodeWebp(bytes);
    case ImageFormat::kJpeg: return DecodeJpeg(bytes);
    case ImageFormat::kPng: return Status::Corruption("PNG images are not supported (only WEBP and JPEG)");
    case ImageFormat::kUnknown: break;
  }
  return Status::Corruption("not an image: " + std::to_string(bytes.size()) +
                            " bytes that are neither WEBP nor JPEG");
}

}  // namespace panic::store
