#include "panic/cluster/exact_neighbors.h"

#include <algorithm>

#include "panic/core/parallel.h"

namespace panic::cluster::internal {
namespace {

constexpr size_t kRowBlock = 128;   // rows per sgemm tile
constexpr size_t kColBlock = 2048;  // columns per sgemm tile (1 MiB of floats per tile)

// Inserts (d, j) into the ascending list (dist, idx) of `size` entries, capacity k.
inline void Insert(float* dist, uint32_t* idx, size_t& size, size_t k, float d, uint32_t j) {
  if (size == k) {
    if (d > dist[k - 1] || (d == dist[k - 1] && j > idx[k - 1])) return;
    --size;
  }
  size_t pos = size;
  while (pos > 0 && (dist[pos - 1] > d || (dist[pos - 1] == d && idx[pos - 1] > j))) {
    dist[pos] = dist[pos - 1];
    idx[pos] = idx[pos - 1];
    --pos;
  }
  dist[pos] = d;
  idx[pos] = j;
  ++size;
}

}  // namespace

Neighbors ExactNeighbors(const UnitRows& rows, size_t k, int threads) {
  UseSingleThreadedBlas();
  Neighbors nb;
  nb.n = rows.n;
  nb.k = rows.n == 0 ? 0 : std::min(k, rows.n - 1);
  nb.index.assign(nb.n * nb.k, 0);
  nb.distance.assign(nb.n * nb.k, 0.0f);
  if (nb.k == 0) return nb;
  const size_t n = rows.n;
  const size_t blocks = (n + kRowBlock - 1) / kRowBlock;
  ParallelFor(blocks, threads, [&](size_t block) {
    const size_t a0 = block * kRowBlock;
    const size_t am = std::min(kRowBlock, n - a0);
    std::vector<float> gram, tile(am * kColBlock);
    std::vector<size_t> sizes(am, 0);
    for (size_t b0 = 0; b0 < n; b0 += kColBlock) {
      const size_t bm = std::min(kColBlock, n - b0);
      BlockDistances(rows, a0, am, rows, b0, bm, gram, tile.data());
      for (size_t a = 0; a < am; ++a) {
        const size_t i = a0 + a;
        float* dist = nb.distance.data() + i * nb.k;
        uint32_t* idx = nb.index.data() + i * nb.k;
        const float* t = tile.data() + a * bm;
        for (size_t b = 0; b < bm; ++b) {
          const size_t j = b0 + b;
          if (j == i) continue;
          if (sizes[a] == nb.k && t[b] > dist[nb.k - 1]) continue;  // the common case
          Insert(dist, idx, sizes[a], nb.k, t[b], static_cast<uint32_t>(j));
        }
      }
    }
  });
  return nb;
}

std::vector<float> CoreDistances(const Neighbors& neighbors, size_t min_samples) {
  std::vector<float> core(neighbors.n, 0.0f);
  if (min_samples <= 1) return core;
  for (size_t i = 0; i < neighbors.n; ++i) core[i] = neighbors.distances(i)[min_samples - 2];
  return core;
}

}  // namespace panic::cluster::internal
