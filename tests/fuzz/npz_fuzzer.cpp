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
  auto again = DecodeDiagramNpz(EncodeDiagramNpz(d->diagram, d->entropy));
  if (!again.ok() || !(again->diagram == d->diagram)) __builtin_trap();
  return 0;
}
