// libFuzzer target: the Elixir-era ETF decoder (store/etf_codec.h). Only clean errors are
// expected; a decoded diagram or Lyapunov result is checked for its invariants.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "panic/store/etf_codec.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);
  (void)panic::store::DecodeEtf(bytes);
  auto d = panic::store::DecodeElixirDiagram(bytes);
  if (d.ok() && d->diagram.dimensions.size() > size) __builtin_trap();  // each dimension costs ≥ 1 byte
  auto l = panic::store::DecodeElixirLyapunov(bytes);
  if (l.ok() && l->divergence_curve.size() > size) __builtin_trap();
  return 0;
}
