// LEB128 varints (unsigned): 7-bit groups, low first, each byte's top bit set when more
// follow. The one byte coding of the project's varints: the persistence kernel's
// published columns (tda/rips_snapshots.h, tda/rips_frontier_bits.h) and the Thrift
// compact protocol and RLE run headers of the Parquet writer (export/).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

namespace panic::core {

// The largest coding: 10 bytes for a 64-bit value.
constexpr size_t kMaxVarintBytes = 10;

// x at `out`; returns the end.
inline uint8_t* PutVarint(uint8_t* out, uint64_t x) {
  while (x >= 0x80) {
    *out++ = static_cast<uint8_t>(x | 0x80);
    x >>= 7;
  }
  *out++ = static_cast<uint8_t>(x);
  return out;
}
// x appended to `out`.
inline void AppendVarint(std::string& out, uint64_t x) {
  uint8_t bytes[kMaxVarintBytes];
  out.append(reinterpret_cast<const char*>(bytes), static_cast<size_t>(PutVarint(bytes, x) - bytes));
}
// The varint at `in` into x; returns the byte after it. REQUIRES: a whole varint there
// (a decoder of outside bytes must bound it first).
inline const uint8_t* GetVarint(const uint8_t* in, uint64_t& x) {
  x = 0;
  for (int shift = 0;; shift += 7) {
    const uint8_t b = *in++;
    x |= static_cast<uint64_t>(b & 0x7f) << shift;
    if (b < 0x80) return in;
  }
}
// The bytes of x's coding.
inline size_t VarintSize(uint64_t x) {
  size_t bytes = 1;
  while (x >= 0x80) {
    x >>= 7;
    ++bytes;
  }
  return bytes;
}

}  // namespace panic::core
