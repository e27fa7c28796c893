#include "panic/tda/sparse_rips_apparent.h"

#include <immintrin.h>

#include <algorithm>
#include <cmath>
#include <cstring>

#include "panic/core/parallel.h"

namespace panic::tda::internal {
namespace {

constexpr size_t kGrain = 32;  // vertices per ParallelFor chunk

// The largest j in [1, hi] with rows[q][j] ≤ d for all q < M, or 0. Column 0 of every
// row is a scratch slot (vertices outside the block are scattered there) and is never
// read.
template <int M>
int ScanDownScalar(const float* const* rows, int hi, float d) {
  for (int j = hi; j >= 1; --j) {
    bool ok = true;
    for (int q = 0; q < M && ok; ++q) ok = rows[q][j] <= d;
    if (ok) return j;
  }
  return 0;
}

template <int M>
__attribute__((target("avx512f"))) int ScanDownAvx512(const float* const* rows, int hi,
                                                      float d) {
  const __m512 vd = _mm512_set1_ps(d);
  int j = hi;
  for (; j >= 16; j -= 16) {  // the block [j − 15, j]
    __mmask16 m = _mm512_cmp_ps_mask(_mm512_loadu_ps(rows[0] + j - 15), vd, _CMP_LE_OQ);
    for (int q = 1; q < M && m; ++q) {
      m &= _mm512_cmp_ps_mask(_mm512_loadu_ps(rows[q] + j - 15), vd, _CMP_LE_OQ);
    }
    if (m) return j - 15 + (31 - __builtin_clz(static_cast<unsigned>(m)));
  }
  return ScanDownScalar<M>(rows, j, d);
}

template <int M>
int ScanDown(const float* const* rows, int hi, float d) {
  static const bool avx512 = __builtin_cpu_supports("avx512f");
  return avx512 ? ScanDownAvx512<M>(rows, hi, d) : ScanDownScalar<M>(rows, hi, d);
}

// One worker's block. Local positions are 1..m (L ascending); pos_ maps a vertex to its
// position, 0 for vertices outside L (whose scattered lengths land in column 0).
class Block {
 public:
  explicit Block(size_t n) : pos_(n, 0) {}

  // Sets L = N(a) ∪ {a}; returns a's position (the number of L's vertices ≤ a).
  int Open(const SparseGraph& g, uint32_t a) {
    const auto row = g.row(a);
    m_ = static_cast<int>(row.size()) + 1;
    stride_ = static_cast<size_t>(m_) + 1;
    vertex_.resize(stride_);
    vertex_[0] = 0;
    int p = 1;
    ka_ = 0;
    for (const SparseGraph::Neighbor& nb : row) {
      if (ka_ == 0 && nb.vertex > a) {
        ka_ = p;
        vertex_[p++] = a;
      }
      vertex_[p++] = nb.vertex;
    }
    if (ka_ == 0) {
      ka_ = p;
      vertex_[p++] = a;
    }
    for (int q = 1; q <= m_; ++q) pos_[vertex_[q]] = q;
    return ka_;
  }
  void Close() {
    for (int q = 1; q <= m_; ++q) pos_[vertex_[q]] = 0;
  }
  // Fills `out` (stride() floats) with the lengths from v to L, "absent" elsewhere.
  // Absent entries are all-ones bytes, a NaN: every test `entry <= d` fails on them, as on
  // +inf, and memset writes them faster than a fill loop.
  void FillRow(const SparseGraph& g, uint32_t v, float* out) const {
    std::memset(out, 0xff, stride_ * sizeof(float));
    for (const SparseGraph::Neighbor& nb : g.row(v)) out[pos_[nb.vertex]] = nb.length;
  }
  int m() const { return m_; }
  size_t stride() const { return stride_; }
  int pos(uint32_t v) const { return pos_[v]; }
  uint32_t vertex(int p) const { return vertex_[static_cast<size_t>(p)]; }

 private:
  std::vector<int> pos_;
  std::vector<uint32_t> vertex_;
  int m_ = 0, ka_ = 0;
  size_t stride_ = 0;
};

}  // namespace

size_t LargestBlockBytes(const SparseGraph& g) {
  size_t d = 0;
  for (size_t v = 0; v < g.n; ++v) d = std::max<size_t>(d, g.offsets[v + 1] - g.offsets[v]);
  return (d + 1) * (d + 2) * sizeof(float);
}

SparseApparentPairs FindApparentPairs(const SparseGraph& g, const BinomialTable& binomial,
                                      bool triangles, int threads) {
  const size_t n = g.n;
  SparseApparentPairs out;
  EdgeCofacets& edges = out.edges;
  edges.lower_offsets.assign(n + 1, 0);
  for (size_t a = 0; a < n; ++a) {
    size_t below = 0;
    for (const SparseGraph::Neighbor& nb : g.row(a)) {
      if (nb.vertex >= a) break;
      ++below;
    }
    edges.lower_offsets[a + 1] = edges.lower_offsets[a] + below;
  }
  edges.value.assign(edges.lower_offsets[n], EdgeCofacets::kNone);
  const int workers = std::max(threads, 1);
  struct Scratch {
    explicit Scratch(size_t n) : block(n) {}
    Block block;
    std::vector<float> matrix;                // rows 1..ka, row p at (p − 1) · stride
    std::vector<TriangleColumn> columns;      // in no apparent pair
    std::vector<TriangleColumn> held;         // unless their lowest edge's cofacet is a
  };
  std::vector<Scratch> scratch;
  scratch.reserve(static_cast<size_t>(workers));
  for (int w = 0; w < workers; ++w) scratch.emplace_back(n);
  ParallelFor(n, kGrain, workers, [&](size_t begin, size_t end, int worker) {
    Scratch& s = scratch[static_cast<size_t>(worker)];
    Block& b = s.block;
    for (size_t va = begin; va < end; ++va) {
      const uint32_t a = static_cast<uint32_t>(va);
      const int ka = b.Open(g, a);
      if (ka < 2) {  // no neighbour below a
        b.Close();
        continue;
      }
      const size_t stride = b.stride();
      s.matrix.resize(static_cast<size_t>(ka) * stride);
      auto row = [&](int p) { return s.matrix.data() + static_cast<size_t>(p - 1) * stride; };
      float* row_a = row(ka);
      b.FillRow(g, a, row_a);
      uint32_t* cofacet = edges.value.data() + edges.lower_offsets[a];
      // The edges {a, c}, c < a (positions 1 .. ka − 1, in the list's order): the
      // zero-pivot cofacet is the largest x ∈ L within d of a and c (x ≠ a, c: row a at
      // a and row c at c are absent, no vertex being its own neighbour).
      for (int pc = 1; pc < ka; ++pc) {
        float* row_c = row(pc);
        b.FillRow(g, b.vertex(pc), row_c);
        const float d = row_a[pc];
        const float* scan[2] = {row_a, row_c};
        const int px = ScanDown<2>(scan, b.m(), d);
        uint32_t value = EdgeCofacets::kNone;
        if (px != 0) {
          const uint32_t x = b.vertex(px), c = b.vertex(pc);
          // The triangle {a, c, x} has the edge as its zero-pivot facet when every vertex
          // above x, removed, leaves a shorter edge: removing a leaves {c, x}, removing c
          // leaves {a, x}.
          const bool apparent = x > a || (row_c[px] < d && (x > c || row_a[px] < d));
          value = x | (apparent ? 0x80000000u : 0u);
        }
        cofacet[pc - 1] = value;
      }
      if (!triangles) {
        b.Close();
        continue;
      }
      // The triangles {a, b, c}, a > b > c.
      for (int pb = 2; pb < ka; ++pb) {
        const uint32_t vb = b.vertex(pb);
        const float* row_b = row(pb);
        const float dab = row_a[pb];
        const uint32_t eab = cofacet[pb - 1] & EdgeCofacets::kNone;
        for (int pc = 1; pc < pb; ++pc) {
          const float dbc = row_b[pc];
          if (std::isnan(dbc)) continue;  // absent: no edge {b, c}
          const uint32_t vc = b.vertex(pc);
          const float dac = row_a[pc];
          const float d = std::max(dab, std::max(dac, dbc));
          const uint32_t eac = cofacet[pc - 1] & EdgeCofacets::kNone;
          // Apparent with an edge: the zero-pivot facet (remove a, then b, then c: the
          // first that keeps the diameter) has this triangle as its zero-pivot cofacet.
          // For {b, c} that is known only after the pass (held back below).
          if (dbc != d && (dac == d ? eac == vb : eab == vc)) continue;
          // The zero-pivot cofacet: the largest x ∈ L within d of a, b and c. It is at or
          // below the zero-pivot cofacet of any edge of diameter d that contains a.
          int hi = b.m();
          bool none = false;
          if (dab == d) {
            if (eab == EdgeCofacets::kNone) none = true;
            else hi = std::min(hi, b.pos(eab));
          }
          if (dac == d) {
            if (eac == EdgeCofacets::kNone) none = true;
            else hi = std::min(hi, b.pos(eac));
          }
          const float* row_c = row(pc);
          if (!none) {
            const float* scan[3] = {row_a, row_b, row_c};
            // Mostly the bound itself is the answer (the dense kernel's observation too).
            const int px = row_a[hi] <= d && row_b[hi] <= d && row_c[hi] <= d
                               ? hi
                               : ScanDown<3>(scan, hi - 1, d);
            if (px != 0) {
              const uint32_t x = b.vertex(px);
              // The tetrahedron's zero-pivot facet is this triangle when every vertex
              // above x, removed, leaves a smaller diameter.
              const float dxa = row_a[px], dxb = row_b[px], dxc = row_c[px];
              bool facet = true;
              if (x < a) facet = std::max(dbc, std::max(dxb, dxc)) < d;
              if (facet && x < vb) facet = std::max(dac, std::max(dxa, dxc)) < d;
              if (facet && x < vc) facet = std::max(dab, std::max(dxa, dxb)) < d;
              if (facet) continue;
            }
          }
          const TriangleColumn t{d, binomial(a, 3) + binomial(vb, 2) + vc};
          (dbc == d ? s.held : s.columns).push_back(t);
        }
      }
      b.Close();
    }
  });
  std::vector<TriangleColumn>& found = out.triangles;
  std::vector<int64_t> held;
  for (Scratch& s : scratch) {
    found.insert(found.end(), s.columns.begin(), s.columns.end());
    for (const TriangleColumn& t : s.held) held.push_back(t.index);
    std::vector<TriangleColumn>().swap(s.columns);
  }
  if (!triangles) return out;
  // A held triangle {a, b, c} is apparent with {b, c} when that edge's zero-pivot
  // cofacet is a (a > b makes {b, c} its zero-pivot facet). Every edge whose cofacet
  // lies above it names such a triangle; those found among the held ones are dropped.
  std::sort(held.begin(), held.end());
  std::vector<uint8_t> paired(held.size(), 0);
  ParallelFor(n, 256, workers, [&](size_t begin, size_t end, int) {
    for (size_t v = begin; v < end; ++v) {
      const auto list = g.row(v);
      const size_t below = edges.lower_offsets[v + 1] - edges.lower_offsets[v];
      for (size_t k = 0; k < below; ++k) {
        const uint32_t x = edges.Cofacet(v, k);
        if (x == EdgeCofacets::kNone || x < v) continue;
        const int64_t index = binomial(x, 3) + binomial(static_cast<int64_t>(v), 2) + list[k].vertex;
        const auto it = std::lower_bound(held.begin(), held.end(), index);
        if (it != held.end() && *it == index) paired[static_cast<size_t>(it - held.begin())] = 1;
      }
    }
  });
  for (Scratch& s : scratch) {
    for (const TriangleColumn& t : s.held) {
      const size_t q = static_cast<size_t>(std::lower_bound(held.begin(), held.end(), t.index) - held.begin());
      if (!paired[q]) found.push_back(t);
    }
    std::vector<TriangleColumn>().swap(s.held);
  }
  return out;
}

}  // namespace panic::tda::internal
