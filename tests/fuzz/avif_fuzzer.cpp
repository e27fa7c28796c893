// libFuzzer target: store::DecodeAvif (the Elixir era's AVIF images, which the legacy
// import decodes). A decoded image must hold exactly width × height × 3 bytes and stay
// within the documented limits (kMaxAvifSide per side, kMaxAvifPixels in all).
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "panic/store/avif_codec.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  namespace st = panic::store;
  auto image = st::DecodeAvif(std::string_view(reinterpret_cast<const char*>(data), size));
  if (!image.ok()) return 0;
  const auto w = static_cast<uint64_t>(image->width), h = static_cast<uint64_t>(image->height);
  if (image->width <= 0 || image->height <= 0 || w > st::kMaxAvifSide || h > st::kMaxAvifSide ||
      w * h > st::kMaxAvifPixels || image->pixels.size() != w * h * 3) {
    __builtin_trap();
  }
  return 0;
}
