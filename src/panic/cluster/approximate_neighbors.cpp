#include "panic/cluster/approximate_neighbors.h"

#include <hnswlib/hnswlib.h>

#include <algorithm>
#include <memory>

#include "panic/cluster/parallel_blocks.h"
#include "panic/core/parallel.h"

namespace panic::cluster::internal {
namespace {

constexpr size_t kShards = 4;          // fixed, so that graphs do not depend on threads
constexpr size_t kGraphDegree = 16;    // hnswlib's M
constexpr size_t kBuildBeam = 100;     // ef_construction
constexpr size_t kMinSearchBeam = 64;  // ef at query time (at least k + 1)

}  // namespace

Neighbors ApproximateNeighbors(const UnitRows& rows, size_t k, uint64_t seed, int threads) {
  UseSingleThreadedBlas();
  Neighbors nb;
  nb.n = rows.n;
  nb.k = rows.n == 0 ? 0 : std::min(k, rows.n - 1);
  nb.index.assign(nb.n * nb.k, 0);
  nb.distance.assign(nb.n * nb.k, 0.0f);
  if (nb.k == 0) return nb;
  const size_t n = rows.n;
  const size_t shards = std::min(kShards, n);
  hnswlib::L2Space space(rows.dim);
  std::vector<std::unique_ptr<hnswlib::HierarchicalNSW<float>>> graphs(shards);
  ParallelItems(shards, threads, [&](size_t s, size_t) {
    const size_t size = (n - s + shards - 1) / shards;
    auto g = std::make_unique<hnswlib::HierarchicalNSW<float>>(&space, size, kGraphDegree,
                                                                kBuildBeam, seed + 7919 * s);
    for (size_t i = s; i < n; i += shards) g->addPoint(rows.row(i), i);
    g->setEf(std::max(kMinSearchBeam, nb.k + 1));
    graphs[s] = std::move(g);
  });
  ParallelFor(n, threads, [&](size_t i) {
    std::vector<std::pair<float, uint32_t>> cand;
    for (const auto& g : graphs) {
      auto found = g->searchKnn(rows.row(i), std::min(nb.k + 1, g->cur_element_count));
      while (!found.empty()) {
        const size_t j = found.top().second;
        found.pop();
        if (j != i) cand.emplace_back(Distance(rows, i, j), static_cast<uint32_t>(j));
      }
    }
    std::sort(cand.begin(), cand.end());
    const size_t kept = std::min(nb.k, cand.size());
    for (size_t t = 0; t < nb.k; ++t) {
      // Short lists (tiny shards) repeat their last entry; only for n ≲ k · shards.
      const auto& c = cand[std::min(t, kept - 1)];
      nb.distance[i * nb.k + t] = c.first;
      nb.index[i * nb.k + t] = c.second;
    }
  });
  return nb;
}

}  // namespace panic::cluster::internal
