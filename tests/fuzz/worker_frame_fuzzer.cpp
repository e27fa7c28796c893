// libFuzzer target: the Python worker's frame decoder (models/python/frame_codec.h), on
// a whole frame and on its prefix alone. A decoded frame must re-encode to a frame that
// decodes to the same blobs.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "panic/models/python/frame_codec.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace panic::models::python;
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);
  if (size >= kFramePrefixSize) (void)DecodeFramePrefix(bytes.substr(0, kFramePrefixSize));
  auto frame = DecodeFrame(bytes);
  if (!frame.ok()) return 0;
  auto again = DecodeFrame(EncodeFrame(*frame));
  if (!again.ok() || again->blobs != frame->blobs) __builtin_trap();
  return 0;
}
