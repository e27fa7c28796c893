// libFuzzer target: store::DecodeVector (embedding blobs). Decoding then encoding must
// give the same bytes.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "panic/store/vector_codec.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);
  auto v = panic::store::DecodeVector(bytes);
  if (v.ok() && panic::store::EncodeVector(*v) != bytes) __builtin_trap();
  return 0;
}
