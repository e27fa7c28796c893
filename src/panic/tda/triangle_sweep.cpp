#include "panic/tda/triangle_sweep.h"

#include <algorithm>
#include <atomic>
#include <cstring>
#include <optional>

#include "panic/core/huge_pages.h"
#include "panic/tda/edge_ranks.h"

namespace panic::tda::internal {
namespace {

uint32_t FloatBits(float f) {
  uint32_t b;
  std::memcpy(&b, &f, sizeof b);
  return b;
}

// The first rank whose key (edge_ranks.h) is ≥ x, or > x when `after`, clamped to `edges`:
// the keys are consecutive float patterns, so it is x's own pattern's rank.
uint64_t RankFrom(float x, bool after, uint64_t edges) {
  if (!(x >= RankKey(0))) return 0;
  return std::min<uint64_t>(uint64_t{FloatBits(x)} - kRankKeyBase + (after ? 1 : 0), edges);
}

// f(worker, word) for each edge {x > y} with lo ≤ length < hi (≤ hi when `last`), its word
// (length's float bits << 32) | x(x − 1)/2 + y (−0 as +0), the rows x on the workers.
template <typename F>
void ForEachEdgeInBand(const DistanceMatrix& d, float lo, float hi, bool last, int threads, F&& f) {
  ParallelFor(d.n, 16, threads, [&](size_t begin, size_t end, int worker) {
    for (size_t x = begin; x < end; ++x) {
      const float* r = d.row(x);
      const uint64_t base = x * (x - (x > 0 ? 1 : 0)) / 2;
      for (size_t y = 0; y < x; ++y) {
        const float l = r[y];
        if (l < lo || l > hi || (l == hi && !last)) continue;
        f(worker, uint64_t{FloatBits(l == 0.0f ? 0.0f : l)} << 32 | (base + y));
      }
    }
  });
}

}  // namespace

std::optional<std::vector<uint64_t>> PlacedEdgesInBand(const DistanceMatrix& d, float lo, float hi, bool last,
                                                       int threads) {
  const size_t n = d.n;
  const uint64_t edges = n * (n - (n > 0 ? 1 : 0)) / 2;
  const uint64_t first = RankFrom(lo, false, edges), end = RankFrom(hi, last, edges);
  const size_t count = end > first ? end - first : 0;
  // Huge pages: the edges are written at random places (a band is up to EdgeBandBytes).
  std::vector<uint64_t> out;
  core::ReserveHugePages(out, count);
  out.resize(count, 0);  // 0: no edge (a key's length bits are never 0)
  struct alignas(64) Count {  // a worker's, on a line of its own
    size_t placed = 0;
  };
  std::vector<Count> counts(static_cast<size_t>(std::max(threads, 1)));
  std::atomic<bool> outside{false};
  ForEachEdgeInBand(d, lo, hi, last, threads, [&](int worker, uint64_t word) {
    const uint64_t at = (word >> 32) - kRankKeyBase - first;  // wraps above count if not a key
    if (at >= count) {
      outside.store(true, std::memory_order_relaxed);
      return;
    }
    out[at] = word;
    ++counts[static_cast<size_t>(worker)].placed;
  });
  // As many edges as places, none outside and none empty: every place written once.
  size_t placed = 0;
  for (const Count& c : counts) placed += c.placed;
  if (outside.load() || placed != count ||
      std::find(out.begin(), out.end(), 0) != out.end()) {
    return std::nullopt;
  }
  return out;
}

size_t EdgeBandBytes(size_t n) {
  return std::max(size_t{64} << 20, n * n * sizeof(float) / 8);
}

std::vector<float> EdgeBands(const DistanceMatrix& d, float threshold, size_t per_band) {
  const size_t n = d.n;
  const size_t total = n * (n - (n > 0 ? 1 : 0)) / 2;
  constexpr size_t kSample = size_t{1} << 18;
  const size_t stride = std::max<size_t>(1, total / kSample);
  std::vector<float> sample;
  sample.reserve(std::min(total, kSample) + 1);
  size_t kept = 0;
  // Every stride-th edge in index order (x ascending, then y).
  for (size_t x = 1, base = 0, t = 0; x < n; base += x, ++x) {
    for (; t < base + x; t += stride) {
      const float l = d(x, t - base);
      if (l <= threshold) sample.push_back(l);
    }
  }
  kept = sample.size();
  const double estimate = static_cast<double>(kept) * static_cast<double>(stride);
  const size_t bands = std::max<size_t>(1, static_cast<size_t>(estimate / static_cast<double>(std::max<size_t>(per_band, 1))) + 1);
  std::sort(sample.begin(), sample.end());
  std::vector<float> bounds{0.0f};
  for (size_t b = 1; b < bands && kept > 0; ++b) {
    const float q = sample[b * kept / bands];
    if (q > bounds.back() && q < threshold) bounds.push_back(q);
  }
  bounds.push_back(threshold);
  return bounds;
}

std::vector<uint64_t> SortedEdgesInBand(const DistanceMatrix& d, float lo, float hi, bool last, int threads,
                                        bool ranked) {
  if (ranked) {
    if (std::optional<std::vector<uint64_t>> placed = PlacedEdgesInBand(d, lo, hi, last, threads)) {
      return std::move(*placed);
    }
  }
  const size_t workers = static_cast<size_t>(std::max(threads, 1));
  std::vector<std::vector<uint64_t>> found(workers);
  ForEachEdgeInBand(d, lo, hi, last, threads,
                    [&](int worker, uint64_t word) { found[static_cast<size_t>(worker)].push_back(word); });
  // Each worker's edges sorted on its own, then merged pairwise.
  ParallelFor(workers, 1, threads, [&](size_t begin, size_t end, int) {
    for (size_t w = begin; w < end; ++w) std::sort(found[w].begin(), found[w].end());
  });
  std::vector<uint64_t> merged = std::move(found[0]);
  for (size_t w = 1; w < workers; ++w) {
    std::vector<uint64_t> next(merged.size() + found[w].size());
    std::merge(merged.begin(), merged.end(), found[w].begin(), found[w].end(), next.begin());
    std::vector<uint64_t>().swap(found[w]);
    merged.swap(next);
  }
  return merged;
}

}  // namespace panic::tda::internal
