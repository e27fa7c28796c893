// libFuzzer target: cli::DecodePointBytes, the point-cloud reader of `tda ph` (NPY or
// CSV/text). A decoded cloud must be n × dim finite values within the limits.
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "panic/cli/tda_point_reader.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace panic::cli;
  auto f = DecodePointBytes(std::string_view(reinterpret_cast<const char*>(data), size), "fuzz");
  if (!f.ok()) return 0;
  if (f->n == 0 || f->n > kMaxPointRows || f->dim > kMaxPointColumns || f->values.size() != f->n * f->dim) {
    __builtin_trap();
  }
  for (float v : f->values) {
    if (!std::isfinite(v)) __builtin_trap();
  }
  return 0;
}
