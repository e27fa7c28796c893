// The bit-packed coding of a large frontier snapshot (rips_snapshots.h, Snapshot): its
// simplices' index gaps Rice-coded, each entry's cofacet vertex in a fixed width.
// Internal to tda/.
//
// Why (stop 41): at N = 10 000 on the unit-sphere walk 1 853 frontiers of 4 095 entries
// or more held 0.79 GB, 3–6 bytes an entry as varints — a gap of ≈ 3·10⁴ between sorted
// triangle indices takes 3 bytes (16 bits of it used) and a vertex below 10⁴ takes 2 (14).
// Here the gap costs k + 1 + gap / 2^k bits (k ≈ log2 of the mean gap: ≈ 15) and the
// vertex exactly the bits of the largest one: ≈ 4 bytes an entry instead of 5.
//
// Layout (after the snapshot's kind, size and loose entries): the first index as a varint,
// one byte k, one byte vb (the vertex width), then the bit stream, bits from the low end
// of each byte up: for the first entry [coefficient] vertex, for each later one
// gap [coefficient] vertex. The coefficient (8 bits) is there only when not every one is 1.
// A gap is q = gap >> k zeros, a one and the low k bits of the gap — or, when q ≥ kEscape,
// kEscape zeros and the gap in 56 bits. The stream is followed by kPadding bytes, so that
// the reader may always load 8 bytes.
#pragma once

#include <algorithm>
#include <bit>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <vector>

#include "panic/core/varint.h"
#include "panic/tda/rips_entry.h"

namespace panic::tda::internal::reducer {

class BitWriter {
 public:
  explicit BitWriter(uint8_t* out) : out_(out) {}
  // The low `count` bits of `bits` (count ≤ 32).
  void Put(uint64_t bits, int count) {
    acc_ |= (bits & ((uint64_t{1} << count) - 1)) << filled_;
    filled_ += count;
    while (filled_ >= 8) {
      *out_++ = static_cast<uint8_t>(acc_);
      acc_ >>= 8;
      filled_ -= 8;
    }
  }
  // The last partial byte written; returns the end.
  uint8_t* Finish() {
    if (filled_ > 0) *out_++ = static_cast<uint8_t>(acc_);
    acc_ = 0;
    filled_ = 0;
    return out_;
  }

 private:
  uint8_t* out_;
  uint64_t acc_ = 0;
  int filled_ = 0;
};

class BitReader {
 public:
  // REQUIRES: 8 bytes readable from every byte of the stream on (kPadding).
  explicit BitReader(const uint8_t* in) : in_(in) {}
  uint64_t Peek32() const {
    uint64_t x;
    std::memcpy(&x, in_ + (at_ >> 3), sizeof x);
    return (x >> (at_ & 7)) & 0xFFFFFFFFull;
  }
  void Skip(int count) { at_ += static_cast<size_t>(count); }
  // The next `count` bits (count ≤ 32).
  uint64_t Get(int count) {
    const uint64_t x = Peek32() & ((uint64_t{1} << count) - 1);
    at_ += static_cast<size_t>(count);
    return x;
  }

 private:
  const uint8_t* in_;
  size_t at_ = 0;
};

struct FrontierBits {
  static constexpr int kEscape = 24;
  static constexpr size_t kPadding = 8;
  int k = 0;   // the Rice parameter of the gaps
  int vb = 1;  // bits a vertex

  // The parameters for entries v (sorted by index) and their vertices `at`, entry `skip`
  // left out (none by default; REQUIRES: at least one entry left).
  static FrontierBits For(const std::vector<entry_t>& v, const std::vector<int32_t>& at, size_t skip = SIZE_MAX) {
    FrontierBits f;
    uint32_t top = 1;
    for (size_t i = 0; i < at.size(); ++i) {
      if (i != skip) top = std::max(top, static_cast<uint32_t>(at[i]));
    }
    f.vb = std::bit_width(top);
    const size_t first = skip == 0 ? 1 : 0, last = skip == v.size() - 1 ? v.size() - 2 : v.size() - 1;
    const size_t count = v.size() - (skip < v.size() ? 1 : 0);
    if (count >= 2) {
      const auto span = static_cast<uint64_t>(IndexOf(v[last]) - IndexOf(v[first]));
      const uint64_t mean = span / (count - 1);
      f.k = mean == 0 ? 0 : std::bit_width(mean) - 1;
    }
    return f;
  }
  int GapBits(uint64_t gap) const {
    const uint64_t q = gap >> k;
    return q < static_cast<uint64_t>(kEscape) ? static_cast<int>(q) + 1 + k : kEscape + 56;
  }
  // Bytes of the coding of v, entry `skip` left out (not counting the kind, size and
  // loose entries). REQUIRES: at least one entry left.
  size_t Size(const std::vector<entry_t>& v, bool unit, size_t skip = SIZE_MAX) const {
    uint64_t bits = 0, prev = 0;
    size_t count = 0;
    for (size_t i = 0; i < v.size(); ++i) {
      if (i == skip) continue;
      if (count++ == 0) {
        bits += 8 * (core::VarintSize(static_cast<uint64_t>(IndexOf(v[i]))) + 2);
      } else {
        bits += static_cast<uint64_t>(GapBits(static_cast<uint64_t>(IndexOf(v[i])) - prev));
      }
      prev = static_cast<uint64_t>(IndexOf(v[i]));
    }
    bits += count * static_cast<uint64_t>(vb + (unit ? 0 : 8));
    return static_cast<size_t>((bits + 7) / 8) + kPadding;
  }
  void PutGap(BitWriter& out, uint64_t gap) const {
    const uint64_t q = gap >> k;
    if (q < static_cast<uint64_t>(kEscape)) {
      out.Put(uint64_t{1} << q, static_cast<int>(q) + 1);
      if (k > 32) {
        out.Put(gap, 32);
        out.Put(gap >> 32, k - 32);
      } else {
        out.Put(gap, k);
      }
    } else {
      out.Put(0, kEscape);
      out.Put(gap, 28);
      out.Put(gap >> 28, 28);
    }
  }
  uint64_t GetGap(BitReader& in) const {
    const uint64_t peek = in.Peek32() & ((uint64_t{1} << (kEscape + 1)) - 1);
    if ((peek & ((uint64_t{1} << kEscape) - 1)) == 0) {
      in.Skip(kEscape);
      const uint64_t low = in.Get(28);
      return low | (in.Get(28) << 28);
    }
    const int q = std::countr_zero(peek);
    in.Skip(q + 1);
    uint64_t low;
    if (k > 32) {
      low = in.Get(32);
      low |= in.Get(k - 32) << 32;
    } else {
      low = in.Get(k);
    }
    return (static_cast<uint64_t>(q) << k) | low;
  }
};

// Writes the coding of v with its vertices at `out`, entry `skip` left out
// (FrontierBits::Size bytes); returns the end. REQUIRES: an entry left, v sorted by index,
// at.size() == v.size(), every vertex < 2^f.vb.
inline uint8_t* PutFrontierBits(uint8_t* out, const FrontierBits& f, const std::vector<entry_t>& v,
                                const std::vector<int32_t>& at, bool unit, size_t skip = SIZE_MAX) {
  const size_t start = skip == 0 ? 1 : 0;
  out = core::PutVarint(out, static_cast<uint64_t>(IndexOf(v[start])));
  *out++ = static_cast<uint8_t>(f.k);
  *out++ = static_cast<uint8_t>(f.vb);
  BitWriter bits(out);
  uint64_t prev = static_cast<uint64_t>(IndexOf(v[start]));
  for (size_t i = start; i < v.size(); ++i) {
    if (i == skip) continue;
    if (i > start) {
      f.PutGap(bits, static_cast<uint64_t>(IndexOf(v[i])) - prev);
      prev = static_cast<uint64_t>(IndexOf(v[i]));
    }
    if (!unit) bits.Put(CoefOf(v[i]), 8);
    bits.Put(static_cast<uint32_t>(at[i]), f.vb);
  }
  out = bits.Finish();
  std::memset(out, 0, FrontierBits::kPadding);
  return out + FrontierBits::kPadding;
}

// Reads `size` entries coded by PutFrontierBits at `in` into out (resized) and, when given,
// their vertices into `at` (resized).
inline void GetFrontierBits(const uint8_t* in, size_t size, bool unit, std::vector<entry_t>& out,
                            std::vector<int32_t>* at) {
  uint64_t index;
  in = core::GetVarint(in, index);
  FrontierBits f;
  f.k = *in++;
  f.vb = *in++;
  BitReader bits(in);
  out.resize(size);
  if (at != nullptr) at->resize(size);
  for (size_t i = 0; i < size; ++i) {
    if (i > 0) index += f.GetGap(bits);
    const uint32_t coef = unit ? 1u : static_cast<uint32_t>(bits.Get(8));
    const auto vertex = static_cast<int32_t>(bits.Get(f.vb));
    out[i] = MakeEntry(static_cast<index_t>(index), coef);
    if (at != nullptr) (*at)[i] = vertex;
  }
}

}  // namespace panic::tda::internal::reducer
