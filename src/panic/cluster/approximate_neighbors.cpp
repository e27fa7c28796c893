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
// Measured at n = 30 000–50 000 (bench_cluster knn-recall / --compare-exact): ef_construction
// 100 → 64 and query ef 64 → 32 halve the kNN time; the core distances' 99th-percentile
// error goes from 0.9 % to 1.3 %, and the labels' ARI against the exact path at 50 000
// from 0.986 to 0.984. The recorded candidates (below) make a small ef enough.
constexpr size_t kGraphDegree = 16;    // hnswlib's M
constexpr size_t kBuildBeam = 64;      // ef_construction
constexpr size_t kMinSearchBeam = 32;  // ef at query time (at least the candidates asked)
constexpr size_t kExtraCandidates = 16;  // list capacity beyond k (int8 order)
constexpr size_t kRerankExtra = 8;       // re-ranked by exact distance beyond k

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




// The graphs' vectors: a row quantised to int8 (one scale for all rows), stored as a
// header (its squared norm and the sum of its values, int32) followed by the dim int8
// values. The squared distance ‖x‖² + ‖y‖² − 2 x·y is computed exactly in int32
// (|x·y| ≤ 127² · dim, and the VNNI form's partial sums ≤ 255 · 127 · dim: no overflow up
// to dim = 66 000), so every kernel below returns the same integer, and the graphs are
// the same on every CPU.
struct Int8Header {
  int32_t squared_norm;
  int32_t sum;
};

int32_t DotInt8Portable(const int8_t* x, const int8_t* y, size_t dim, int32_t /*y_sum*/) {
  int32_t s = 0;
  for (size_t k = 0; k < dim; ++k) s += int32_t{x[k]} * int32_t{y[k]};
  return s;
}

#if defined(__x86_64__)
// x·y as |x| · (y signed by x): unsigned × signed bytes, the form the instructions take.
// Pairs of products are at most 2 · 127² < 2¹⁵, so maddubs cannot saturate.
__attribute__((target("avx2"))) int32_t DotInt8Avx2(const int8_t* x, const int8_t* y, size_t dim,
                                                    int32_t y_sum) {
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
  return s + DotInt8Portable(x + k, y + k, dim - k, y_sum);
}

// x·y = Σ (x + 128) y − 128 Σ y: (x + 128) is x with its sign bit flipped, read as
// unsigned, which is the operand vpdpbusd wants; Σ y is stored in y's header. Two
// accumulators over the full 128-byte steps, then one masked step for the rest.
__attribute__((target("avx512f,avx512bw,avx512vnni"))) int32_t DotInt8Vnni(const int8_t* x, const int8_t* y,
                                                                             size_t dim, int32_t y_sum) {
  const __m512i flip = _mm512_set1_epi8(static_cast<char>(0x80));
  __m512i acc0 = _mm512_setzero_si512(), acc1 = _mm512_setzero_si512();
  size_t k = 0;
  for (; k + 128 <= dim; k += 128) {
    const __m512i a0 = _mm512_xor_si512(_mm512_loadu_si512(x + k), flip);
    const __m512i a1 = _mm512_xor_si512(_mm512_loadu_si512(x + k + 64), flip);
    acc0 = _mm512_dpbusd_epi32(acc0, a0, _mm512_loadu_si512(y + k));
    acc1 = _mm512_dpbusd_epi32(acc1, a1, _mm512_loadu_si512(y + k + 64));
  }
  for (; k < dim; k += 64) {
    const __mmask64 live = dim - k >= 64 ? ~__mmask64{0} : (__mmask64{1} << (dim - k)) - 1;
    // Masked-off lanes hold 0 in y, so whatever the flipped x is there adds nothing.
    const __m512i a = _mm512_xor_si512(_mm512_maskz_loadu_epi8(live, x + k), flip);
    acc0 = _mm512_dpbusd_epi32(acc0, a, _mm512_maskz_loadu_epi8(live, y + k));
  }
  alignas(64) int32_t lanes[16];
  _mm512_store_si512(lanes, _mm512_add_epi32(acc0, acc1));
  int32_t s = 0;
  for (int32_t v : lanes) s += v;
  return s - 128 * y_sum;
}
#endif

using DotInt8 = int32_t (*)(const int8_t*, const int8_t*, size_t, int32_t);

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

// Candidate recording. hnswlib's searches return only their ef best, but every vector
// they compare with the searched one is a candidate neighbour already paid for. While a
// Probe is set on this thread, each distance computed from `query` (hnswlib always
// passes the searched vector first, the stored one second) is appended to `seen` with
// the stored vector's address. Searches on one thread run one at a time, so a
// thread_local needs no lock, and what is recorded depends only on the graph and the
// query, not on the thread.
struct Probe {
  const void* query = nullptr;
  std::vector<std::pair<uint32_t, const unsigned char*>> seen;  // (int distance, stored vector)
};
thread_local Probe* active_probe = nullptr;

class ProbeScope {
 public:
  ProbeScope(Probe& probe, const void* query) {
    probe.query = query;
    probe.seen.clear();
    active_probe = &probe;
  }
  ~ProbeScope() { active_probe = nullptr; }
  ProbeScope(const ProbeScope&) = delete;
  ProbeScope& operator=(const ProbeScope&) = delete;
};

float SquaredL2Int8(const void* a, const void* b, const void* param_ptr) {
  const auto* param = static_cast<const Int8Param*>(param_ptr);
  const auto* x = static_cast<const unsigned char*>(a);
  const auto* y = static_cast<const unsigned char*>(b);
  Int8Header hx, hy;
  std::memcpy(&hx, x, sizeof hx);
  std::memcpy(&hy, y, sizeof hy);
  const int32_t dot = param->dot(reinterpret_cast<const int8_t*>(x + sizeof hx),
                                 reinterpret_cast<const int8_t*>(y + sizeof hy), param->dim, hy.sum);
  const int64_t d = int64_t{hx.squared_norm} + hy.squared_norm - 2 * int64_t{dot};
  if (active_probe != nullptr && a == active_probe->query) {
    active_probe->seen.emplace_back(static_cast<uint32_t>(d), y);
  }
  return static_cast<float>(d);
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

// One scale for all rows, 127 / (largest |value|), so that every coordinate keeps its
// share of the distance.
float QuantizationScale(const UnitRows& rows) {
  float largest = 0;
  for (float v : rows.values) largest = std::max(largest, std::fabs(v));
  return largest > 0 ? 127.0f / largest : 1.0f;
}

// Row i as an int8 vector (Int8Header, then the values) into `out` (header + dim bytes):
// a quarter of the float row's bytes to stream, and to copy into a graph.
void QuantizeRow(const UnitRows& rows, size_t i, float scale, unsigned char* out) {
  int8_t* q = reinterpret_cast<int8_t*>(out + sizeof(Int8Header));
  Int8Header h{0, 0};
  for (size_t k = 0; k < rows.dim; ++k) {
    q[k] = static_cast<int8_t>(std::clamp(std::lrint(rows.row(i)[k] * scale), -127L, 127L));
    h.squared_norm += int32_t{q[k]} * int32_t{q[k]};
    h.sum += q[k];
  }
  std::memcpy(out, &h, sizeof h);
}

using Graph = hnswlib::HierarchicalNSW<float>;

hnswlib::DISTFUNC<float> BestKernel() {
#if defined(__x86_64__)
  __builtin_cpu_init();
  if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) return SquaredL2Avx2;
#endif
  return SquaredL2Portable;
}

// A graph over the rows `ids`, with the member behind each of its stored vectors.
struct Shard {
  std::unique_ptr<Graph> graph;
  const std::vector<uint32_t>* ids = nullptr;

  // The row whose vector hnswlib stores at `stored` (internal ids follow insertion order).
  uint32_t RowAt(const unsigned char* stored) const {
    const auto* base = reinterpret_cast<const unsigned char*>(graph->data_level0_memory_ + graph->offsetData_);
    return (*ids)[static_cast<size_t>(stored - base) / graph->size_data_per_element_];
  }
  const unsigned char* VectorOf(size_t t) const {
    return reinterpret_cast<const unsigned char*>(graph->getDataByInternalId(static_cast<hnswlib::tableint>(t)));
  }
};

// Per row, the `capacity` best (int distance, row) candidates met so far, kept as a
// max-heap under the total order (distance, row), so what survives does not depend on
// the order pushes arrive in.
class CandidateLists {
 public:
  CandidateLists(size_t n, size_t capacity) : capacity_(capacity), size_(n, 0), items_(n * capacity) {}
  void Push(size_t row, uint32_t distance, uint32_t other) {
    Item* heap = items_.data() + row * capacity_;
    uint32_t& size = size_[row];
    const Item item{distance, other};
    if (size < capacity_) {
      heap[size++] = item;
      std::push_heap(heap, heap + size);
    } else if (item < heap[0]) {
      std::pop_heap(heap, heap + size);
      heap[size - 1] = item;
      std::push_heap(heap, heap + size);
    }
  }
  template <typename Fn>
  void ForEach(size_t row, Fn&& fn) const {
    const Item* heap = items_.data() + row * capacity_;
    for (size_t t = 0; t < size_[row]; ++t) fn(heap[t].distance, heap[t].row);
  }

 private:
  struct Item {
    uint32_t distance;
    uint32_t row;
    bool operator<(const Item& o) const { return distance != o.distance ? distance < o.distance : row < o.row; }
  };
  size_t capacity_;
  std::vector<uint32_t> size_;
  std::vector<Item> items_;
};

// Sorts (distance, row) pairs and drops repeated rows (a search may compare a vector
// more than once, on different levels; the distance is the same).
void SortUnique(std::vector<std::pair<uint32_t, uint32_t>>& c) {
  std::sort(c.begin(), c.end());
  c.erase(std::unique(c.begin(), c.end()), c.end());
}

}  // namespace

std::vector<int32_t> Int8DotByEveryKernel(const int8_t* x, const int8_t* y, size_t dim) {
  int32_t y_sum = 0;
  for (size_t k = 0; k < dim; ++k) y_sum += y[k];
  std::vector<int32_t> out{DotInt8Portable(x, y, dim, y_sum)};
#if defined(__x86_64__)
  __builtin_cpu_init();
  if (__builtin_cpu_supports("avx2")) out.push_back(DotInt8Avx2(x, y, dim, y_sum));
  if (__builtin_cpu_supports("avx512bw") && __builtin_cpu_supports("avx512vnni")) {
    out.push_back(DotInt8Vnni(x, y, dim, y_sum));
  }
#endif
  return out;
}

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

  const float scale = QuantizationScale(rows);
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

  // Graphs 0..shards−1: the rows dealt round-robin (row i is vector i / shards of graph
  // i % shards); graph `shards`: the core sample.
  const size_t shards = std::min(kShards, n);
  std::vector<std::vector<uint32_t>> members(shards + (sampled_core ? 1 : 0));
  for (size_t i = 0; i < n; ++i) members[i % shards].push_back(static_cast<uint32_t>(i));
  if (sampled_core) {
    for (size_t i = 0; i < n; i += stride) members[shards].push_back(static_cast<uint32_t>(i));
  }

  // Building a shard's graph searches, for each row it inserts, the rows inserted
  // before it: every vector that search compares is a candidate for both rows (the
  // later row's list, and the earlier row's as a reverse neighbour). So each row's list
  // within its own shard comes from the build (no second search of its own shard),
  // and only the other shards are searched afterwards. Each shard's lists are written
  // only by the thread building it, in insertion order.
  const size_t list_capacity = nb.k + kExtraCandidates;
  CandidateLists lists(n, list_capacity);
  std::vector<Shard> graphs(members.size());
  ParallelItems(members.size(), threads, [&](size_t g, size_t) {
    Shard& shard = graphs[g];
    shard.ids = &members[g];
    shard.graph = std::make_unique<Graph>(&space, std::max<size_t>(members[g].size(), 1), kGraphDegree,
                                          kBuildBeam, seed + 7919 * g);
    const bool record = g < shards;
    std::vector<unsigned char> vector(r);
    Probe probe;
    std::vector<std::pair<uint32_t, uint32_t>> met;
    for (uint32_t id : members[g]) {
      QuantizeRow(rows, id, scale, vector.data());
      if (!record) {
        shard.graph->addPoint(vector.data(), id);
        continue;
      }
      {
        ProbeScope scope(probe, vector.data());
        shard.graph->addPoint(vector.data(), id);
      }
      met.clear();
      for (const auto& [d, stored] : probe.seen) met.emplace_back(d, shard.RowAt(stored));
      SortUnique(met);
      if (met.size() > kBuildBeam) met.resize(kBuildBeam);
      for (const auto& [d, j] : met) {
        lists.Push(id, d, j);
        lists.Push(j, d, id);
      }
    }
  });
  for (size_t g = 0; g < shards; ++g) graphs[g].graph->setEf(std::max(kMinSearchBeam, list_capacity / shards));
  if (sampled_core) graphs[shards].graph->setEf(std::max(kMinSearchBeam, sample_rank + 1 + kExtraCandidates));

  // Every row: its list, plus what searches of the other shards compared it with; the
  // best by int8 distance are re-ranked by exact distance.
  const size_t rerank = nb.k + kRerankExtra;
  ParallelFor(n, 64, threads, [&](size_t begin, size_t end, int) {
    Probe probe;
    std::vector<std::pair<uint32_t, uint32_t>> met;
    std::vector<std::pair<float, uint32_t>> cand;
    auto search = [&](const Shard& shard, const unsigned char* query, size_t ask) {
      {
        ProbeScope scope(probe, query);
        shard.graph->searchKnn(query, std::min(ask, shard.graph->cur_element_count));
      }
      for (const auto& [d, stored] : probe.seen) met.emplace_back(d, shard.RowAt(stored));
    };
    auto rerank_best = [&](size_t i, size_t count) {
      SortUnique(met);
      cand.clear();
      for (const auto& [d, j] : met) {
        if (j == i) continue;
        cand.emplace_back(exact(i, j), j);
        if (cand.size() == count) break;
      }
      std::sort(cand.begin(), cand.end());
    };
    for (size_t i = begin; i < end; ++i) {
      const unsigned char* query = graphs[i % shards].VectorOf(i / shards);
      met.clear();
      lists.ForEach(i, [&](uint32_t d, uint32_t j) { met.emplace_back(d, j); });
      for (size_t g = 0; g < shards; ++g) {
        if (g != i % shards) search(graphs[g], query, list_capacity / shards);
      }
      rerank_best(i, rerank);
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
      met.clear();
      search(graphs[shards], query, sample_rank + 1 + kExtraCandidates);
      rerank_best(i, sample_rank + kRerankExtra);
      out.core[i] = cand.empty() ? nb.distance[i * nb.k + nb.k - 1]
                                 : cand[std::min(sample_rank, cand.size()) - 1].first;
    }
  });
  return out;
}

}  // namespace panic::cluster::internal
