#include "panic/tda/edge_ranks.h"

#include <algorithm>
#include <array>
#include <bit>
#include <cmath>
#include <limits>

#include "panic/core/huge_pages.h"
#include "panic/core/parallel.h"

namespace panic::tda::internal {
namespace {

uint32_t Bits(float f) {
  uint32_t b;
  std::memcpy(&b, &f, sizeof b);
  return b;
}

float FromBits(uint32_t b) {
  float f;
  std::memcpy(&f, &b, sizeof f);
  return f;
}

// Sorts a[0, size) ascending: an in-place MSD radix sort (American flag) on the byte at
// `shift` and the ones below it down to bit 32, each bucket std::sort'ed once it is small
// or the upper 32 bits are used up. No buffer: the words are the only edge-sized array.
void RadixSort(uint64_t* a, size_t size, int shift) {
  if (size <= 256 || shift < 32) {
    std::sort(a, a + size);
    return;
  }
  size_t count[256] = {};
  for (size_t i = 0; i < size; ++i) ++count[(a[i] >> shift) & 0xFF];
  if (count[(a[0] >> shift) & 0xFF] == size) {  // one bucket: nothing to move
    RadixSort(a, size, shift - 8);
    return;
  }
  size_t start[257], next[256];
  start[0] = 0;
  for (int b = 0; b < 256; ++b) start[b + 1] = start[b] + count[b];
  std::copy(start, start + 256, next);
  for (int b = 0; b < 256; ++b) {
    while (next[b] < start[b + 1]) {
      uint64_t v = a[next[b]];
      auto vb = static_cast<int>((v >> shift) & 0xFF);
      while (vb != b) {  // carry v to its bucket, take that slot's word, until one belongs here
        std::swap(v, a[next[vb]++]);
        vb = static_cast<int>((v >> shift) & 0xFF);
      }
      a[next[b]++] = v;
    }
  }
  for (int b = 0; b < 256; ++b) RadixSort(a + start[b], count[b], shift - 8);
}

// Row blocks [rows[k], rows[k + 1]) of about equal edge counts (row i has i edges).
std::vector<size_t> RowBlocks(size_t n, size_t blocks) {
  const size_t edges = n * (n - 1) / 2;
  std::vector<size_t> rows{1};
  for (size_t k = 1; k < blocks; ++k) {
    const double target = static_cast<double>(edges) * static_cast<double>(k) / static_cast<double>(blocks);
    auto r = static_cast<size_t>((1.0 + std::sqrt(1.0 + 8.0 * target)) / 2.0);  // r(r − 1)/2 ≈ target
    rows.push_back(std::clamp(r, rows.back(), n));
  }
  rows.push_back(n);
  return rows;
}

}  // namespace

float RankValues::Value(float key) const {
  if (key == 0.0f) return 0.0f;
  const uint32_t rank = KeyRank(key);
  // The last distinct length whose first rank is ≤ rank.
  const auto it = std::upper_bound(first_.begin(), first_.end(), rank);
  return values_[static_cast<size_t>(it - first_.begin()) - 1];
}

float RankValues::KeyAtMost(float value) const {
  const auto k = static_cast<size_t>(std::upper_bound(values_.begin(), values_.end(), value) - values_.begin());
  if (k == 0) return 0.0f;  // no edge is that short: the vertices only
  const size_t end = k < first_.size() ? first_[k] : edges_;  // ranks below end have length ≤ value
  return RankKey(static_cast<uint32_t>(end - 1));
}

RankValues RankEdges(DistanceMatrix& d, int threads) {
  const size_t n = d.n;
  const size_t edges = n * (n - (n > 0 ? 1 : 0)) / 2;
  if (edges == 0) return RankValues({}, {}, 0);
  // The range of the float lengths' bit patterns (≥ 0, so ordered like the floats; −0 as +0).
  auto length_bits = [&](size_t i, size_t j) {
    const float l = d.values[i * n + j];
    return l == 0.0f ? 0u : Bits(l);
  };
  const std::vector<size_t> rows = RowBlocks(n, 8 * static_cast<size_t>(std::max(threads, 1)));
  const size_t blocks = rows.size() - 1;
  // The three passes below: f(block, i, j) for each edge i > j, a row block on one worker.
  auto for_each_edge = [&](auto&& f) {
    ParallelFor(blocks, 1, threads, [&](size_t begin, size_t end, int) {
      for (size_t k = begin; k < end; ++k) {
        for (size_t i = rows[k]; i < rows[k + 1]; ++i) {
          for (size_t j = 0; j < i; ++j) f(k, i, j);
        }
      }
    });
  };
  std::vector<std::pair<uint32_t, uint32_t>> block_range(blocks, {std::numeric_limits<uint32_t>::max(), 0});
  for_each_edge([&](size_t k, size_t i, size_t j) {
    const uint32_t b = length_bits(i, j);
    block_range[k].first = std::min(block_range[k].first, b);
    block_range[k].second = std::max(block_range[k].second, b);
  });
  uint32_t lo = std::numeric_limits<uint32_t>::max(), hi = 0;
  for (const auto& [block_lo, block_hi] : block_range) {
    lo = std::min(lo, block_lo);
    hi = std::max(hi, block_hi);
  }
  // A word an edge: (its length's bits − lo, then `shift` bits of its residual) in the upper
  // 32 bits, its position i·n + j in the lower 32. The residual r ∈ [−ulp/2, ulp/2] of a
  // length L (ulp: the float spacing above L, a power of two set by L's exponent) is
  // scaled to [0, 2^shift) monotonically, so the upper half orders by (L, r), i.e.
  // refines the float order. The words go straight into 256 buckets by the top byte of
  // (bits − lo) << shift (monotone in L), counted first per row block; each bucket is then
  // sorted on its own, so the order is that of the full words whichever worker writes.
  const int shift = 32 - std::bit_width(hi - lo);
  const double levels = std::ldexp(1.0, shift);
  double per_ulp[256];  // levels / ulp by exponent field (0: denormals, spaced as exponent 1)
  for (int e = 0; e < 256; ++e) per_ulp[e] = std::ldexp(levels, 150 - std::max(e, 1));
  auto bucket = [&](uint32_t b) { return static_cast<size_t>((uint64_t{b - lo} << shift) >> 24); };
  std::vector<std::array<size_t, 256>> at(blocks);  // counts (from 0), then each block's next slot per bucket
  for_each_edge([&](size_t k, size_t i, size_t j) { ++at[k][bucket(length_bits(i, j))]; });
  std::array<size_t, 257> start{};
  for (size_t b = 0, total = 0; b < 256; ++b) {
    start[b] = total;
    for (size_t k = 0; k < blocks; ++k) {
      const size_t c = at[k][b];
      at[k][b] = total;
      total += c;
    }
  }
  start[256] = edges;
  // Every word is written once below, by the workers: mapped in huge pages and not zeroed
  // first (at N = 10 000, 400 MB that one thread would otherwise fault in and clear).
  const core::MappedHugePages<uint64_t> words(edges);
  for_each_edge([&](size_t k, size_t i, size_t j) {
    const uint32_t b = length_bits(i, j);
    uint64_t q = 0;
    if (shift > 0) {
      const double x = static_cast<double>(d.values[j * n + i]) * per_ulp[b >> 23] + 0.5 * levels;
      q = !(x > 0) ? 0 : (x >= levels ? static_cast<uint64_t>(levels) - 1 : static_cast<uint64_t>(x));
    }
    words[at[k][bucket(b)]++] = ((uint64_t{b - lo} << shift | q) << 32) | (i * n + j);
  });
  ParallelFor(256, 1, threads, [&](size_t begin, size_t end, int) {
    for (size_t b = begin; b < end; ++b) RadixSort(words.get() + start[b], start[b + 1] - start[b], 56);
  });
  // The map back: a new distinct length wherever the length bits change.
  std::vector<float> values;
  std::vector<uint32_t> first;
  for (size_t r = 0; r < edges; ++r) {
    const uint32_t b = static_cast<uint32_t>((words[r] >> 32) >> shift) + lo;  // shift may be 32
    if (values.empty() || Bits(values.back()) != b) {
      values.push_back(FromBits(b));
      first.push_back(static_cast<uint32_t>(r));
    }
  }
  // Rank r's key into both triangles (distinct positions: the workers never meet).
  ParallelFor(edges, size_t{1} << 16, threads, [&](size_t begin, size_t end, int) {
    for (size_t r = begin; r < end; ++r) {
      const size_t p = static_cast<uint32_t>(words[r]);
      const size_t i = p / n, j = p % n;
      const float key = RankKey(static_cast<uint32_t>(r));
      d.values[i * n + j] = key;
      d.values[j * n + i] = key;
    }
  });
  return RankValues(std::move(values), std::move(first), edges);
}

Diagram DiagramInValues(const Diagram& keyed, const RankValues& values) {
  Diagram out;
  out.dimensions.resize(keyed.num_dimensions());
  for (size_t dim = 0; dim < keyed.num_dimensions(); ++dim) {
    for (const Bar& bar : keyed.bars(dim)) {
      const float birth = values.Value(bar.birth);
      const float death = bar.IsEssential() ? bar.death : values.Value(bar.death);
      if (death > birth) out.dimensions[dim].push_back(Bar{birth, death});
    }
  }
  SortBars(out);
  return out;
}

}  // namespace panic::tda::internal
