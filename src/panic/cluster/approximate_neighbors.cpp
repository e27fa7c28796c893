#include "panic/cluster/approximate_neighbors.h"

#include <hnswlib/hnswlib.h>
#if defined(__x86_64__)
#include <immintrin.h>
#endif

#include <algorithm>
#include <memory>

#include "panic/cluster/parallel_blocks.h"
#include "panic/core/parallel.h"

namespace panic::cluster::internal {
namespace {

constexpr size_t kShards = 2;          // fixed, so that graphs do not depend on threads
constexpr size_t kGraphDegree = 16;    // hnswlib's M
constexpr size_t kBuildBeam = 100;     // ef_construction
constexpr size_t kMinSearchBeam = 64;  // ef at query time (at least k + 1)

// Squared L2 distance for the HNSW graphs. hnswlib picks its SIMD kernels from the
// compiler's flags (SSE only in a portable build); this one uses AVX2 + FMA when the
// CPU has them, chosen once at run time.
float SquaredL2Portable(const void* a, const void* b, const void* dim_ptr) {
  const float* x = static_cast<const float*>(a);
  const float* y = static_cast<const float*>(b);
  const size_t dim = *static_cast<const size_t*>(dim_ptr);
  float acc[8] = {0, 0, 0, 0, 0, 0, 0, 0};
  size_t k = 0;
  for (; k + 8 <= dim; k += 8) {
    for (size_t l = 0; l < 8; ++l) {
      const float t = x[k + l] - y[k + l];
      acc[l] += t * t;
    }
  }
  float s = 0;
  for (; k < dim; ++k) s += (x[k] - y[k]) * (x[k] - y[k]);
  for (float v : acc) s += v;
  return s;
}

#if defined(__x86_64__)
__attribute__((target("avx2,fma"))) float SquaredL2Avx2(const void* a, const void* b,
                                                        const void* dim_ptr) {
  const float* x = static_cast<const float*>(a);
  const float* y = static_cast<const float*>(b);
  const size_t dim = *static_cast<const size_t*>(dim_ptr);
  __m256 acc0 = _mm256_setzero_ps(), acc1 = _mm256_setzero_ps();
  size_t k = 0;
  for (; k + 16 <= dim; k += 16) {
    const __m256 d0 = _mm256_sub_ps(_mm256_loadu_ps(x + k), _mm256_loadu_ps(y + k));
    const __m256 d1 = _mm256_sub_ps(_mm256_loadu_ps(x + k + 8), _mm256_loadu_ps(y + k + 8));
    acc0 = _mm256_fmadd_ps(d0, d0, acc0);
    acc1 = _mm256_fmadd_ps(d1, d1, acc1);
  }
  alignas(32) float lanes[8];
  _mm256_store_ps(lanes, _mm256_add_ps(acc0, acc1));
  float s = 0;
  for (float v : lanes) s += v;
  for (; k < dim; ++k) s += (x[k] - y[k]) * (x[k] - y[k]);
  return s;
}
#endif

class SquaredL2Space : public hnswlib::SpaceInterface<float> {
 public:
  explicit SquaredL2Space(size_t dim) : dim_(dim) {
#if defined(__x86_64__)
    __builtin_cpu_init();
    if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) fn_ = SquaredL2Avx2;
#endif
  }
  size_t get_data_size() override { return dim_ * sizeof(float); }
  hnswlib::DISTFUNC<float> get_dist_func() override { return fn_; }
  void* get_dist_func_param() override { return &dim_; }

 private:
  size_t dim_;
  hnswlib::DISTFUNC<float> fn_ = SquaredL2Portable;
};

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
  SquaredL2Space space(rows.dim);
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
