#include "panic/cluster/approximate_neighbors.h"

#include <hnswlib/hnswlib.h>
#if defined(__x86_64__)
#include <immintrin.h>
#endif

#include <algorithm>
#include <cmath>
#include <cstring>
#include <memory>
#include <random>
#include <span>

#include "panic/cluster/parallel_blocks.h"
#include "panic/cluster/unit_rows.h"
#include "panic/core/parallel.h"

namespace panic::cluster::internal {
namespace {


constexpr size_t kShards = 2;          // fixed, so that graphs do not depend on threads
constexpr size_t kGraphDegree = 16;    // hnswlib's M
constexpr size_t kBuildBeam = 100;     // ef_construction
constexpr size_t kMinSearchBeam = 64;  // ef at query time (at least the candidates asked)
constexpr size_t kExtraCandidates = 16;  // per graph, beyond the k re-ranked exactly

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




// The graphs' vectors: a row quantised to int8 (one scale for all rows), stored as its
// squared norm (int32) followed by the dim int8 values. The squared distance
// ‖x‖² + ‖y‖² − 2 x·y is computed exactly in int32 (|x·y| ≤ 127² · dim: no overflow up
// to dim = 66 000), so every kernel below returns the same integer, and the graphs are
// the same on every CPU.
struct Int8Header {
  int32_t squared_norm;
};

int32_t DotInt8Portable(const int8_t* x, const int8_t* y, size_t dim) {
  int32_t s = 0;
  for (size_t k = 0; k < dim; ++k) s += int32_t{x[k]} * int32_t{y[k]};
  return s;
}

#if defined(__x86_64__)
// x·y as |x| · (y signed by x): unsigned × signed bytes, the form the instructions take.
// Pairs of products are at most 2 · 127² < 2¹⁵, so maddubs cannot saturate.
__attribute__((target("avx2"))) int32_t DotInt8Avx2(const int8_t* x, const int8_t* y, size_t dim) {
  const __m256i ones = _mm256_set1_epi16(1);
  __m256i acc = _mm256_setzero_si256();
  size_t k = 0;
  for (; k + 32 <= dim; k += 32) {
    const __m256i a = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(x + k));
    const __m256i b = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(y + k));
    const __m256i pairs = _mm256_maddubs_epi16(_mm256_abs_epi8(a), _mm256_sign_epi8(b, a));
    acc = _mm256_add_epi32(acc, _mm256_madd_epi16(pairs, ones));
  }
  alignas(32) int32_t lanes[8];
  _mm256_store_si256(reinterpret_cast<__m256i*>(lanes), acc);
  int32_t s = 0;
  for (int32_t v : lanes) s += v;
  return s + DotInt8Portable(x + k, y + k, dim - k);
}

__attribute__((target("avx512f,avx512bw,avx512vnni"))) int32_t DotInt8Vnni(const int8_t* x, const int8_t* y,
                                                                             size_t dim) {
  __m512i acc = _mm512_setzero_si512();
  for (size_t k = 0; k < dim; k += 64) {
    const __mmask64 live = dim - k >= 64 ? ~__mmask64{0} : (__mmask64{1} << (dim - k)) - 1;
    const __m512i a = _mm512_maskz_loadu_epi8(live, x + k);
    const __m512i b = _mm512_maskz_loadu_epi8(live, y + k);
    const __m512i b_signed = _mm512_mask_sub_epi8(b, _mm512_movepi8_mask(a), _mm512_setzero_si512(), b);
    acc = _mm512_dpbusd_epi32(acc, _mm512_abs_epi8(a), b_signed);
  }
  alignas(64) int32_t lanes[16];
  _mm512_store_si512(lanes, acc);
  int32_t s = 0;
  for (int32_t v : lanes) s += v;
  return s;
}
#endif

using DotInt8 = int32_t (*)(const int8_t*, const int8_t*, size_t);

DotInt8 BestDotInt8() {
#if defined(__x86_64__)
  __builtin_cpu_init();
  if (__builtin_cpu_supports("avx512bw") && __builtin_cpu_supports("avx512vnni")) return DotInt8Vnni;
  if (__builtin_cpu_supports("avx2")) return DotInt8Avx2;
#endif
  return DotInt8Portable;
}

struct Int8Param {
  size_t dim;
  DotInt8 dot;
};

float SquaredL2Int8(const void* a, const void* b, const void* param_ptr) {
  const auto* param = static_cast<const Int8Param*>(param_ptr);
  const auto* x = static_cast<const unsigned char*>(a);
  const auto* y = static_cast<const unsigned char*>(b);
  Int8Header hx, hy;
  std::memcpy(&hx, x, sizeof hx);
  std::memcpy(&hy, y, sizeof hy);
  const int32_t dot = param->dot(reinterpret_cast<const int8_t*>(x + sizeof hx),
                                 reinterpret_cast<const int8_t*>(y + sizeof hy), param->dim);
  return static_cast<float>(int64_t{hx.squared_norm} + hy.squared_norm - 2 * int64_t{dot});
}

class Int8L2Space : public hnswlib::SpaceInterface<float> {
 public:
  explicit Int8L2Space(size_t dim) : param_{dim, BestDotInt8()} {}
  size_t get_data_size() override { return sizeof(Int8Header) + param_.dim; }
  hnswlib::DISTFUNC<float> get_dist_func() override { return SquaredL2Int8; }
  void* get_dist_func_param() override { return &param_; }

 private:
  Int8Param param_;
};

// The rows as int8 vectors (Int8Header, then the values) with one scale,
// 127 / (largest |value|), so that every coordinate keeps its share of the distance:
// a quarter of the float rows' bytes to stream and to copy into the graphs.
std::vector<unsigned char> QuantizeRows(const UnitRows& rows) {
  float largest = 0;
  for (float v : rows.values) largest = std::max(largest, std::fabs(v));
  const float scale = largest > 0 ? 127.0f / largest : 1.0f;
  const size_t stride = sizeof(Int8Header) + rows.dim;
  std::vector<unsigned char> out(rows.n * stride);
  for (size_t i = 0; i < rows.n; ++i) {
    int8_t* q = reinterpret_cast<int8_t*>(out.data() + i * stride + sizeof(Int8Header));
    Int8Header h{0};
    for (size_t k = 0; k < rows.dim; ++k) {
      q[k] = static_cast<int8_t>(std::clamp(std::lrint(rows.row(i)[k] * scale), -127L, 127L));
      h.squared_norm += int32_t{q[k]} * int32_t{q[k]};
    }
    std::memcpy(out.data() + i * stride, &h, sizeof h);
  }
  return out;
}

using Graph = hnswlib::HierarchicalNSW<float>;

hnswlib::DISTFUNC<float> BestKernel() {
#if defined(__x86_64__)
  __builtin_cpu_init();
  if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) return SquaredL2Avx2;
#endif
  return SquaredL2Portable;
}

// One graph over the rows `ids` of `data` (r bytes each), inserted in order by this thread.
std::unique_ptr<Graph> BuildGraph(Int8L2Space& space, const unsigned char* data, size_t r,
                                  const std::vector<uint32_t>& ids, uint64_t seed, size_t ef) {
  auto g = std::make_unique<Graph>(&space, std::max<size_t>(ids.size(), 1), kGraphDegree, kBuildBeam, seed);
  for (uint32_t id : ids) g->addPoint(data + static_cast<size_t>(id) * r, id);
  g->setEf(ef);
  return g;
}

}  // namespace

ApproximateNeighbors FindApproximateNeighbors(const UnitRows& rows, size_t k, size_t min_samples,
                                              uint64_t seed, int threads) {
  UseSingleThreadedBlas();
  ApproximateNeighbors out;
  Neighbors& nb = out.neighbors;
  const size_t n = rows.n;
  nb.n = n;
  nb.k = n == 0 ? 0 : std::min(k, n - 1);
  nb.index.assign(nb.n * nb.k, 0);
  nb.distance.assign(nb.n * nb.k, 0.0f);
  out.core.assign(n, 0.0f);
  if (nb.k == 0) return out;

  // The graphs' representation: the rows quantised to int8.
  const std::vector<unsigned char> quantized = QuantizeRows(rows);
  const unsigned char* data = quantized.data();
  Int8L2Space space(rows.dim);
  const size_t r = space.get_data_size();
  const hnswlib::DISTFUNC<float> exact_kernel = BestKernel();
  auto exact = [&](size_t i, size_t j) {
    const size_t dim = rows.dim;
    return std::sqrt(exact_kernel(rows.row(i), rows.row(j), &dim));
  };

  // The core subsample, when min_samples reaches past the lists.
  const size_t rank = min_samples == 0 ? 0 : min_samples - 1;  // other points within the core
  const bool sampled_core = rank > nb.k;
  size_t sample_rank = rank;
  if (sampled_core) {
    out.core_sample_stride = (rank + kCoreSampleRank - 1) / kCoreSampleRank;
    sample_rank = std::max<size_t>(
        1, static_cast<size_t>(std::llround(static_cast<double>(rank) / static_cast<double>(out.core_sample_stride))));
  }
  const size_t stride = out.core_sample_stride;

  // Graphs 0..shards−1: the rows dealt round-robin; graph `shards`: the core sample.
  const size_t shards = std::min(kShards, n);
  std::vector<std::vector<uint32_t>> members(shards + (sampled_core ? 1 : 0));
  for (size_t i = 0; i < n; ++i) members[i % shards].push_back(static_cast<uint32_t>(i));
  if (sampled_core) {
    for (size_t i = 0; i < n; i += stride) members[shards].push_back(static_cast<uint32_t>(i));
  }
  const size_t list_ask = nb.k + kExtraCandidates;
  const size_t core_ask = sample_rank + 1 + kExtraCandidates;  // + 1: the row itself
  std::vector<std::unique_ptr<Graph>> graphs(members.size());
  ParallelItems(members.size(), threads, [&](size_t g, size_t) {
    const size_t ask = g < shards ? list_ask : core_ask;
    graphs[g] = BuildGraph(space, data, r, members[g], seed + 7919 * g, std::max(kMinSearchBeam, ask));
  });

  auto query = [&](size_t g, size_t i, size_t ask, std::vector<std::pair<float, uint32_t>>& cand) {
    const Graph& graph = *graphs[g];
    auto found = graph.searchKnn(data + i * r, std::min(ask, graph.cur_element_count));
    while (!found.empty()) {
      const size_t j = found.top().second;
      found.pop();
      if (j != i) cand.emplace_back(exact(i, j), static_cast<uint32_t>(j));
    }
  };
  ParallelFor(n, 64, threads, [&](size_t begin, size_t end, int) {
    std::vector<std::pair<float, uint32_t>> cand;
    for (size_t i = begin; i < end; ++i) {
      cand.clear();
      for (size_t g = 0; g < shards; ++g) query(g, i, list_ask, cand);
      std::sort(cand.begin(), cand.end());
      const size_t kept = std::min(nb.k, cand.size());
      for (size_t t = 0; t < nb.k; ++t) {
        // Short lists (tiny shards) repeat their last entry; only for n ≲ k · shards.
        const auto& c = cand[std::min(t, kept - 1)];
        nb.distance[i * nb.k + t] = c.first;
        nb.index[i * nb.k + t] = c.second;
      }
      if (rank == 0) continue;
      if (!sampled_core) {
        out.core[i] = nb.distance[i * nb.k + rank - 1];
        continue;
      }
      cand.clear();
      query(shards, i, core_ask, cand);
      std::sort(cand.begin(), cand.end());
      out.core[i] = cand.empty() ? nb.distance[i * nb.k + nb.k - 1]
                                 : cand[std::min(sample_rank, cand.size()) - 1].first;
    }
  });
  return out;
}

}  // namespace panic::cluster::internal
