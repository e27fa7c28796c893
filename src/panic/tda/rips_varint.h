// LEB128 varints: the byte coding of the published columns (rips_snapshots.h) and of a
// packed frontier's first index (rips_frontier_bits.h). Internal to tda/.
#pragma once

#include <cstddef>
#include <cstdint>

namespace panic::tda::internal::reducer {

// x in 7-bit groups, low first, each byte's top bit set when more follow; returns the end.
inline uint8_t* PutVarint(uint8_t* out, uint64_t x) {
  while (x >= 0x80) {
    *out++ = static_cast<uint8_t>(x | 0x80);
    x >>= 7;
  }
  *out++ = static_cast<uint8_t>(x);
  return out;
}
inline const uint8_t* GetVarint(const uint8_t* in, uint64_t& x) {
  x = 0;
  for (int shift = 0;; shift += 7) {
    const uint8_t b = *in++;
    x |= static_cast<uint64_t>(b & 0x7f) << shift;
    if (b < 0x80) return in;
  }
}
inline size_t VarintSize(uint64_t x) {
  size_t bytes = 1;
  while (x >= 0x80) {
    x >>= 7;
    ++bytes;
  }
  return bytes;
}

}  // namespace panic::tda::internal::reducer
