#include "panic/store/avif_codec.h"

#include <avif/avif.h>

#include <algorithm>
#include <memory>

namespace panic::store {
namespace {

struct DecoderDeleter {
  void operator()(avifDecoder* d) const { avifDecoderDestroy(d); }
};
struct ImageDeleter {
  void operator()(avifImage* i) const { avifImageDestroy(i); }
};
struct EncoderDeleter {
  void operator()(avifEncoder* e) const { avifEncoderDestroy(e); }
};

}  // namespace

Result<RgbImage> DecodeAvif(std::string_view bytes) {
  std::unique_ptr<avifDecoder, DecoderDeleter> decoder(avifDecoderCreate());
  std::unique_ptr<avifImage, ImageDeleter> image(avifImageCreateEmpty());
  if (!decoder || !image) return Status::Internal("libavif: out of memory");
  decoder->imageSizeLimit = kMaxAvifPixels;
  decoder->imageDimensionLimit = kMaxAvifSide;
  decoder->strictFlags = AVIF_STRICT_DISABLED;  // files of other writers: accept what libavif can read
  avifResult r = avifDecoderReadMemory(decoder.get(), image.get(), reinterpret_cast<const uint8_t*>(bytes.data()),
                                       bytes.size());
  if (r != AVIF_RESULT_OK) return Status::Corruption(std::string("undecodable AVIF: ") + avifResultToString(r));
  avifRGBImage rgb;
  avifRGBImageSetDefaults(&rgb, image.get());
  rgb.format = AVIF_RGB_FORMAT_RGB;
  rgb.depth = 8;
  avifRGBImageAllocatePixels(&rgb);
  r = avifImageYUVToRGB(image.get(), &rgb);
  if (r != AVIF_RESULT_OK) {
    avifRGBImageFreePixels(&rgb);
    return Status::Corruption(std::string("AVIF colour conversion failed: ") + avifResultToString(r));
  }
  RgbImage out{static_cast<int>(rgb.width), static_cast<int>(rgb.height), {}};
  out.pixels.resize(static_cast<size_t>(rgb.width) * rgb.height * 3);
  for (uint32_t y = 0; y < rgb.height; ++y) {
    const uint8_t* row = rgb.pixels + static_cast<size_t>(y) * rgb.rowBytes;
    std::copy(row, row + static_cast<size_t>(rgb.width) * 3, out.pixels.begin() + static_cast<size_t>(y) * rgb.width * 3);
  }
  avifRGBImageFreePixels(&rgb);
  return out;
}

Result<std::string> EncodeAvif(const RgbImage& image, int quality) {
  if (image.width <= 0 || image.height <= 0 ||
      image.pixels.size() != static_cast<size_t>(image.width) * image.height * 3 || quality < 0 || quality > 100) {
    return Status::InvalidArgument("EncodeAvif: malformed image or quality outside 0..100");
  }
  std::unique_ptr<avifImage, ImageDeleter> yuv(avifImageCreate(image.width, image.height, 8, AVIF_PIXEL_FORMAT_YUV420));
  avifRGBImage rgb;
  avifRGBImageSetDefaults(&rgb, yuv.get());
  rgb.format = AVIF_RGB_FORMAT_RGB;
  rgb.depth = 8;
  rgb.pixels = const_cast<uint8_t*>(image.pixels.data());
  rgb.rowBytes = static_cast<uint32_t>(image.width) * 3;
  if (avifImageRGBToYUV(yuv.get(), &rgb) != AVIF_RESULT_OK) return Status::Internal("libavif: RGB to YUV failed");
  std::unique_ptr<avifEncoder, EncoderDeleter> encoder(avifEncoderCreate());
  // libavif 0.11 takes a quantizer (0 best … 63 worst), not a quality.
  const int q = (100 - quality) * 63 / 100;
  encoder->minQuantizer = q;
  encoder->maxQuantizer = q;
  encoder->speed = AVIF_SPEED_FASTEST;
  avifRWData out = AVIF_DATA_EMPTY;
  const avifResult r = avifEncoderWrite(encoder.get(), yuv.get(), &out);
  if (r != AVIF_RESULT_OK) {
    avifRWDataFree(&out);
    return Status::Internal(std::string("libavif: encoding failed: ") + avifResultToString(r));
  }
  std::string bytes(reinterpret_cast<const char*>(out.data), out.size);
  avifRWDataFree(&out);
  return bytes;
}

}  // namespace panic::store
