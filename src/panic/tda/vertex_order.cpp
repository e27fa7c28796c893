#include "panic/tda/vertex_order.h"

#include <algorithm>
#include <numeric>

#include "panic/core/parallel.h"

namespace panic::tda::internal {
namespace {

uint64_t SplitMix64(uint64_t& state) {
  uint64_t z = (state += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

}  // namespace

std::vector<uint32_t> ScrambledVertexOrder(size_t n) {
  std::vector<uint32_t> order(n);
  std::iota(order.begin(), order.end(), 0u);
  uint64_t state = 0x5eed'0f'0e'de'12'18ULL;  // fixed: the numbering is part of no result
  for (size_t i = n; i > 1; --i) {
    // A multiply-shift draw in [0, i) from the top 32 bits (i < 2^31): its bias (< i / 2^32)
    // does not matter here.
    const auto j = static_cast<size_t>(((SplitMix64(state) >> 32) * static_cast<uint64_t>(i)) >> 32);
    std::swap(order[i - 1], order[j]);
  }
  return order;
}

void RenumberVertices(DistanceMatrix& d, std::span<const uint32_t> order, int threads) {
  const size_t n = d.n;
  // Columns first, each row on its own (rows are independent): row[j] ← row[order[j]].
  const size_t rows_per_chunk = std::max<size_t>(1, (size_t{1} << 20) / std::max<size_t>(n, 1));
  std::vector<std::vector<float>> scratch(static_cast<size_t>(std::max(threads, 1)));
  ParallelFor(n, rows_per_chunk, threads, [&](size_t begin, size_t end, int worker) {
    std::vector<float>& tmp = scratch[static_cast<size_t>(worker)];
    tmp.resize(n);
    for (size_t r = begin; r < end; ++r) {
      float* row = d.values.data() + r * n;
      for (size_t j = 0; j < n; ++j) tmp[j] = row[order[j]];
      std::copy(tmp.begin(), tmp.end(), row);
    }
  });
  // Then whole rows, cycle by cycle: row i ← row order[i]. Along a cycle s → order[s] →
  // … each row is read before it is overwritten, except s's, which is kept aside.
  std::vector<uint8_t> done(n, 0);
  std::vector<float> first(n);
  for (size_t s = 0; s < n; ++s) {
    if (done[s] || order[s] == s) continue;
    float* base = d.values.data();
    std::copy(base + s * n, base + (s + 1) * n, first.begin());
    size_t i = s;
    for (;;) {
      done[i] = 1;
      const size_t j = order[i];
      if (j == s) {
        std::copy(first.begin(), first.end(), base + i * n);
        break;
      }
      std::copy(base + j * n, base + (j + 1) * n, base + i * n);
      i = j;
    }
  }
}

}  // namespace panic::tda::internal
