// The clique complex of a SparseGraph as the sparse reducer sees it (sparse_rips_reducer.h):
// simplices indexed by the combinatorial number system (a k-simplex is Σ_i C(v_i, i + 1)),
// the coboundary enumerated by walking the vertices' sorted neighbour lists together, and
// the apparent-pair tests (zero-pivot facets and cofacets). Every method is const: workers
// share one SparseComplex, each with its own Cofacets. Internal to panic::tda.
#pragma once

#include <algorithm>
#include <cstdint>
#include <limits>
#include <queue>
#include <vector>

#include "panic/tda/binomial_table.h"
#include "panic/tda/sparse_rips_graph.h"

namespace panic::tda::internal::sparse_rips {

using index_t = int64_t;
constexpr float kInf = std::numeric_limits<float>::infinity();
constexpr index_t kNone = -1;
constexpr int kMaxVertices = 5;  // a simplex of dimension ≤ 4 (cofacets of maxdim 3)

struct Simplex {
  float diam;
  uint32_t apparent = 0;  // an edge of ComputeDim0Pairs: in an apparent pair (blocks)
  index_t index;
};

struct Entry {
  index_t index = kNone;
  float diam = 0;
  uint32_t coef = 0;
};

// The heap order: the top is the earliest in the filtration (smallest diameter, then
// largest index), ripser's greater_diameter_or_smaller_index.
struct Later {
  bool operator()(const Entry& a, const Entry& b) const {
    return a.diam > b.diam || (a.diam == b.diam && a.index < b.index);
  }
};
using Heap = std::priority_queue<Entry, std::vector<Entry>, Later>;

// Columns to reduce: diameter descending, then index ascending (the reverse filtration).
bool ColumnOrder(const Simplex& a, const Simplex& b) {
  return a.diam > b.diam || (a.diam == b.diam && a.index < b.index);
}

class SparseComplex {
 public:
  SparseComplex(const SparseGraph& g, int maxdim, int modulus, bool apparent_pairs)
      : g_(g), p_(static_cast<uint32_t>(modulus)), binomial_(static_cast<int64_t>(g.n), maxdim + 2),
        apparent_pairs_(apparent_pairs) {}

  // ---- simplex arithmetic -------------------------------------------------------
  index_t B(int64_t v, int k) const { return binomial_(v, k); }
  // The largest v ≤ top with C(v, k) ≤ idx.
  int64_t MaxVertex(index_t idx, int k, int64_t top) const {
    int64_t lo = k - 1, hi = top;
    while (lo < hi) {
      const int64_t mid = lo + (hi - lo + 1) / 2;
      if (B(mid, k) <= idx) {
        lo = mid;
      } else {
        hi = mid - 1;
      }
    }
    return lo;
  }
  // The m vertices of simplex idx, descending.
  void Vertices(index_t idx, int m, uint32_t* w) const {
    int64_t top = static_cast<int64_t>(g_.n) - 1;
    for (int k = m; k >= 1; --k) {
      const int64_t v = MaxVertex(idx, k, top);
      *w++ = static_cast<uint32_t>(v);
      idx -= B(v, k);
      top = v - 1;
    }
  }

  // ---- the coboundary: common neighbours of the vertices ---------------------------
  // ripser's sparse simplex_coboundary_enumerator: the neighbour lists of the vertices
  // are walked from their largest entry down in step; a vertex x in all of them gives
  // the cofacet σ ∪ {x}, in decreasing index order.
  class Cofacets {
   public:
    explicit Cofacets(const SparseComplex& r) : r_(r) {}
    void Set(const Entry& simplex, int dim) {
      simplex_ = simplex;
      m_ = dim + 1;
      idx_below_ = simplex.index;
      idx_above_ = 0;
      k_ = m_;
      uint32_t desc[kMaxVertices];
      r_.Vertices(simplex.index, m_, desc);
      for (int q = 0; q < m_; ++q) {
        vertices_[q] = desc[m_ - 1 - q];  // ascending
        start_[q] = r_.g_.offsets[vertices_[q]];
        pos_[q] = r_.g_.offsets[vertices_[q] + 1];
      }
    }
    // all == false: stop at the first cofacet whose new vertex is below one of σ's
    // (then each cofacet is met once, from the facet without its largest vertex).
    bool HasNext(bool all = true) {
      const auto& nb = r_.g_.neighbors;
      while (pos_[0] > start_[0]) {
        const uint32_t x = nb[pos_[0] - 1].vertex;
        float len = nb[pos_[0] - 1].length;
        bool common = true;
        for (int q = 1; q < m_; ++q) {
          while (pos_[q] > start_[q] && nb[pos_[q] - 1].vertex > x) --pos_[q];
          if (pos_[q] == start_[q]) return false;
          if (nb[pos_[q] - 1].vertex != x) {
            common = false;
            break;
          }
          len = std::max(len, nb[pos_[q] - 1].length);
        }
        if (!common) {
          --pos_[0];
          continue;
        }
        xlen_[0] = nb[pos_[0] - 1].length;
        for (int q = 1; q < m_; ++q) xlen_[q] = nb[pos_[q] - 1].length;
        while (k_ > 0 && vertices_[k_ - 1] > x) {
          if (!all) return false;
          idx_below_ -= r_.B(vertices_[k_ - 1], k_);
          idx_above_ += r_.B(vertices_[k_ - 1], k_ + 1);
          --k_;
        }
        x_ = x;
        len_ = len;
        return true;
      }
      return false;
    }
    // The cofacet σ ∪ {x}; its coefficient is (−1)^(number of σ's vertices below x).
    Entry Next() {
      --pos_[0];
      const uint32_t c = (k_ & 1) ? (r_.p_ - simplex_.coef) % r_.p_ : simplex_.coef;
      return Entry{idx_above_ + r_.B(x_, k_ + 1) + idx_below_, std::max(simplex_.diam, len_), c};
    }

    // After HasNext: x, σ's vertices ascending, and the lengths from x to each of them.
    uint32_t x() const { return x_; }
    const uint32_t* vertices() const { return vertices_; }
    const float* x_lengths() const { return xlen_; }

   private:
    const SparseComplex& r_;
    Entry simplex_;
    float xlen_[kMaxVertices] = {};
    int m_ = 0, k_ = 0;
    index_t idx_below_ = 0, idx_above_ = 0;
    uint32_t vertices_[kMaxVertices] = {};
    uint64_t start_[kMaxVertices] = {}, pos_[kMaxVertices] = {};
    uint32_t x_ = 0;
    float len_ = 0;
  };

  // ---- apparent pairs ------------------------------------------------------------
  // The facet of τ (m vertices w, descending, with pairwise lengths len) with τ's
  // diameter that is latest in the filtration (smallest index), with its coefficient in
  // ∂τ times τ's, or kNone.
  Entry ZeroPivotFacetOf(const Entry& tau, int m, const uint32_t* w,
                         const float (*len)[kMaxVertices]) const {
    // Removing w[q] (descending) gives facets in increasing index order.
    for (int q = 0; q < m; ++q) {
      float diam = 0;
      index_t idx = 0;
      for (int a = 0, pos = m - 1; a < m; ++a) {
        if (a == q) continue;
        idx += B(w[a], pos--);
        for (int b = a + 1; b < m; ++b) {
          if (b != q) diam = std::max(diam, len[a][b]);
        }
      }
      if (diam == tau.diam) {
        // w[q] sits at ascending position m − 1 − q: sign (−1)^(m − 1 − q).
        const uint32_t c = ((m - 1 - q) & 1) ? (p_ - tau.coef) % p_ : tau.coef;
        return Entry{idx, diam, c};
      }
    }
    return Entry{};
  }
  // The zero pivot cofacet of σ (m vertices ascending in `v`, diameter d): the first
  // cofacet in the enumeration order (x descending) with σ's diameter, i.e. the largest
  // common neighbour x whose lengths to all of σ's vertices are ≤ d. The list of the
  // vertex of smallest degree is scanned for such x; each is looked up in the other
  // lists by binary search below the previous hit (x only decreases). Fills x and the
  // lengths xl[q] to v[q]. Its coefficient is not needed (only its index is compared).
  Entry ZeroPivotCofacetOf(const uint32_t* v, int m, float d, uint32_t* x_out, float* xl) const {
    using N = SparseGraph::Neighbor;
    const N* base = g_.neighbors.data();
    const N* lo[kMaxVertices];
    const N* hi[kMaxVertices];
    int driver = 0;
    for (int q = 0; q < m; ++q) {
      lo[q] = base + g_.offsets[v[q]];
      hi[q] = base + g_.offsets[v[q] + 1];
      if (hi[q] - lo[q] < hi[driver] - lo[driver]) driver = q;
    }
    for (const N* it = hi[driver]; it != lo[driver];) {
      --it;
      if (it->length > d) continue;
      const uint32_t x = it->vertex;
      bool ok = true;
      for (int q = 0; q < m && ok; ++q) {
        if (q == driver) {
          xl[q] = it->length;
          continue;
        }
        const N* f = std::lower_bound(lo[q], hi[q], x,
                                      [](const N& a, uint32_t b) { return a.vertex < b; });
        ok = f != hi[q] && f->vertex == x && f->length <= d;
        if (ok) xl[q] = f->length;
        hi[q] = f;  // later candidates are below x
      }
      if (!ok) continue;
      uint32_t w[kMaxVertices];  // σ ∪ {x}, descending
      int t = 0;
      bool placed = false;
      for (int q = m - 1; q >= 0; --q) {
        if (!placed && x > v[q]) {
          w[t++] = x;
          placed = true;
        }
        w[t++] = v[q];
      }
      if (!placed) w[t++] = x;
      *x_out = x;
      return Entry{IndexOf(w, m + 1), d, 1};
    }
    return Entry{};
  }
  index_t IndexOf(const uint32_t* w, int m) const {  // w descending
    index_t idx = 0;
    for (int q = 0; q < m; ++q) idx += B(w[q], m - q);
    return idx;
  }
  Entry ZeroPivotCofacet(const Entry& sigma, int dim) const {
    uint32_t desc[kMaxVertices], v[kMaxVertices], x;
    float xl[kMaxVertices];
    Vertices(sigma.index, dim + 1, desc);
    for (int q = 0; q <= dim; ++q) v[q] = desc[dim - q];
    return ZeroPivotCofacetOf(v, dim + 1, sigma.diam, &x, xl);
  }
  // τ given by its vertices (descending) and pairwise lengths.
  Entry ZeroApparentFacetOf(const Entry& tau, int m, const uint32_t* w,
                            const float (*len)[kMaxVertices]) const {
    const Entry f = ZeroPivotFacetOf(tau, m, w, len);
    if (f.index == kNone) return f;
    uint32_t v[kMaxVertices], x;  // the facet's vertices ascending
    float xl[kMaxVertices];
    int t = 0;
    for (int q = m - 1; q >= 0; --q) {
      if (IndexOfWithout(w, m, q) == f.index) continue;
      v[t++] = w[q];
    }
    if (t != m - 1) return Entry{};
    return ZeroPivotCofacetOf(v, m - 1, f.diam, &x, xl).index == tau.index ? f : Entry{};
  }
  index_t IndexOfWithout(const uint32_t* w, int m, int skip) const {
    index_t idx = 0;
    for (int a = 0, pos = m - 1; a < m; ++a) {
      if (a != skip) idx += B(w[a], pos--);
    }
    return idx;
  }
  Entry ZeroApparentFacet(const Entry& tau, int dim) const {
    const int m = dim + 1;
    uint32_t w[kMaxVertices];
    Vertices(tau.index, m, w);
    float len[kMaxVertices][kMaxVertices];
    for (int a = 0; a < m; ++a) {
      for (int b = a + 1; b < m; ++b) len[a][b] = len[b][a] = g_.Length(w[a], w[b]);
    }
    return ZeroApparentFacetOf(tau, m, w, len);
  }
  // σ given by its vertices (descending) and pairwise lengths.
  Entry ZeroApparentCofacetOf(const Entry& sigma, int m, const uint32_t* w,
                              const float (*len)[kMaxVertices]) const {
    uint32_t v[kMaxVertices], x;
    float xl[kMaxVertices];
    for (int q = 0; q < m; ++q) v[q] = w[m - 1 - q];
    const Entry c = ZeroPivotCofacetOf(v, m, sigma.diam, &x, xl);
    if (c.index == kNone) return c;
    // τ = σ ∪ {x}, descending, with its lengths: σ's own and those from x.
    uint32_t tw[kMaxVertices];
    float tl[kMaxVertices][kMaxVertices];
    int from[kMaxVertices];  // τ's vertex t is σ's vertex from[t] (descending), or −1 for x
    int t = 0;
    bool placed = false;
    for (int q = 0; q < m; ++q) {
      if (!placed && x > w[q]) {
        from[t] = -1;
        tw[t++] = x;
        placed = true;
      }
      from[t] = q;
      tw[t++] = w[q];
    }
    if (!placed) {
      from[t] = -1;
      tw[t++] = x;
    }
    for (int a = 0; a <= m; ++a) {
      for (int b = a + 1; b <= m; ++b) {
        float l;
        if (from[a] < 0) {
          l = xl[m - 1 - from[b]];
        } else if (from[b] < 0) {
          l = xl[m - 1 - from[a]];
        } else {
          l = len[from[a]][from[b]];
        }
        tl[a][b] = tl[b][a] = l;
      }
    }
    return ZeroPivotFacetOf(c, m + 1, tw, tl).index == sigma.index ? c : Entry{};
  }
  Entry ZeroApparentCofacet(const Entry& sigma, int dim) const {
    const int m = dim + 1;
    uint32_t w[kMaxVertices];
    Vertices(sigma.index, m, w);
    float len[kMaxVertices][kMaxVertices];
    for (int a = 0; a < m; ++a) {
      for (int b = a + 1; b < m; ++b) {
        len[a][b] = len[b][a] = m == 2 ? sigma.diam : g_.Length(w[a], w[b]);
      }
    }
    return ZeroApparentCofacetOf(sigma, m, w, len);
  }
  // Whether σ (vertices descending, pairwise lengths) is in an apparent pair.
  bool InApparentPair(const Simplex& s, int m, const uint32_t* w,
                      const float (*len)[kMaxVertices]) const {
    if (!apparent_pairs_) return false;
    const Entry e{s.index, s.diam, 1};
    return ZeroApparentCofacetOf(e, m, w, len).index != kNone ||
           ZeroApparentFacetOf(e, m, w, len).index != kNone;
  }


  const SparseGraph& graph() const { return g_; }
  const BinomialTable& binomial() const { return binomial_; }
  uint32_t modulus() const { return p_; }
  bool apparent_pairs() const { return apparent_pairs_; }

 protected:
  const SparseGraph& g_;
  uint32_t p_;
  BinomialTable binomial_;
  bool apparent_pairs_;
};

}  // namespace panic::tda::internal::sparse_rips
