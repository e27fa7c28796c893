// libFuzzer target: store::DecodeImage (WEBP and JPEG blobs; PNG is refused by name).
// A decoded image must hold exactly width × height × 3 bytes.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "panic/store/image_codec.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto image = panic::store::DecodeImage(std::string_view(reinterpret_cast<const char*>(data), size));
  if (!image.ok()) return 0;
  if (image->width <= 0 || image->height <= 0 ||
      image->pixels.size() != static_cast<size_t>(image->width) * static_cast<size_t>(image->height) * 3) {
    __builtin_trap();
  }
  return 0;
}
