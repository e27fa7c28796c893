// libFuzzer target: store::DecodeNpz and DecodeDiagramNpz (zip archives from numpy, the
// database and `tda distance`'s files). A decoded diagram must be valid and survive a
// re-encode.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "panic/store/npz_codec.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace panic::store;
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);
  (void)DecodeNpz(bytes);
  auto d = DecodeDiagramNpz(bytes);
  if (!d.ok()) return 0;
  if (!panic::tda::ValidateDiagram(d->diagram).ok()) __builtin_trap();
  if (d->approximation_epsilon && !(*d->approximation_epsilon > 0)) __builtin_trap();
  auto again = DecodeDiagramNpz(EncodeDiagramNpz(d->diagram, d->entropy, d->approximation_epsilon));
  if (!again.ok() || !(again->diagram == d->diagram) || again->approximation_epsilon != d->approximation_epsilon) {
    __builtin_trap();
  }
  return 0;
}
