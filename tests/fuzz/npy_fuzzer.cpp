// libFuzzer target: store::DecodeNpy (NPY arrays from numpy, point files, NPZ members).
// A decoded array must hold exactly its shape's elements and survive a re-encode.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "panic/store/npy_codec.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace panic::store;
  auto array = DecodeNpy(std::string_view(reinterpret_cast<const char*>(data), size));
  if (!array.ok()) return 0;
  const size_t element = array->dtype == NpyDtype::kFloat32 ? 4 : 8;
  if (array->data.size() != array->num_elements() * element) __builtin_trap();
  (void)NpyToFloats(*array);
  (void)NpyToInt64s(*array);
  auto again = DecodeNpy(EncodeNpy(*array));
  if (!again.ok() || again->shape != array->shape || again->data != array->data) __builtin_trap();
  return 0;
}
