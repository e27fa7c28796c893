#include "panic/tda/sparse_rips_reducer.h"

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <limits>
#include <numeric>
#include <queue>
#include <unordered_map>
#include <vector>

#include "panic/tda/binomial_table.h"
#include "panic/tda/sparse_rips_apparent.h"

namespace panic::tda::internal {
namespace {

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

class SparseReducer {
 public:
  SparseReducer(const SparseGraph& g, const SparseReducerOptions& o)
      : g_(g), opt_(o), p_(static_cast<uint32_t>(o.modulus)),
        binomial_(static_cast<int64_t>(g.n), o.maxdim + 2), inverse_(p_, 0) {
    for (uint32_t a = 1; a < p_; ++a) {  // a^(p−2) mod p
      uint64_t r = 1, b = a;
      for (uint32_t e = p_ - 2; e > 0; e >>= 1, b = b * b % p_) {
        if (e & 1) r = r * b % p_;
      }
      inverse_[a] = static_cast<uint32_t>(r);
    }
    diagram_.dimensions.resize(static_cast<size_t>(o.maxdim) + 1);
  }

  Diagram Run() {
    std::vector<Simplex> simplices, columns;
    blocks_ = opt_.apparent_pairs && opt_.blocks && opt_.maxdim >= 1;
    SparseReducerTimings local;
    SparseReducerTimings& t = opt_.timings ? *opt_.timings : local;
    auto clock = std::chrono::steady_clock::now();
    auto lap = [&clock] {
      const auto now = std::chrono::steady_clock::now();
      const double s = std::chrono::duration<double>(now - clock).count();
      clock = now;
      return s;
    };
    if (blocks_) {
      apparent_ = FindApparentPairs(g_, binomial_, opt_.maxdim == 2, opt_.threads);
    }
    t.apparent = lap();
    ComputeDim0Pairs(simplices, columns);
    t.dim0 = lap();
    for (int dim = 1; dim <= opt_.maxdim; ++dim) {
      std::unordered_map<index_t, std::pair<uint32_t, uint32_t>> pivots;  // → column, coef
      pivots.reserve(columns.size());
      ComputePairs(columns, pivots, dim);
      if (dim < opt_.maxdim) AssembleColumns(simplices, columns, pivots, dim + 1);
    }
    SortBars(diagram_);
    t.columns = lap();
    return std::move(diagram_);
  }

 private:
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
    explicit Cofacets(const SparseReducer& r) : r_(r) {}
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
    const SparseReducer& r_;
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
    if (!opt_.apparent_pairs) return false;
    const Entry e{s.index, s.diam, 1};
    return ZeroApparentCofacetOf(e, m, w, len).index != kNone ||
           ZeroApparentFacetOf(e, m, w, len).index != kNone;
  }

  // ---- dimension 0 ---------------------------------------------------------------
  void ComputeDim0Pairs(std::vector<Simplex>& edges, std::vector<Simplex>& columns) {
    const size_t n = g_.n;
    edges.clear();
    edges.reserve(g_.num_edges());
    for (size_t i = 0; i < n; ++i) {
      size_t k = 0;
      for (const SparseGraph::Neighbor& nb : g_.row(i)) {
        if (nb.vertex >= i) break;
        const uint32_t apparent = blocks_ && apparent_.edges.Apparent(i, k++);
        edges.push_back(Simplex{nb.length, apparent, B(static_cast<int64_t>(i), 2) + nb.vertex});
      }
    }
    // Filtration order: diameter ascending, then index descending.
    std::sort(edges.begin(), edges.end(), [](const Simplex& a, const Simplex& b) {
      return a.diam < b.diam || (a.diam == b.diam && a.index > b.index);
    });
    std::vector<uint32_t> parent(n), rank(n, 0);
    std::iota(parent.begin(), parent.end(), 0u);
    auto find = [&](uint32_t x) {
      while (parent[x] != x) x = parent[x] = parent[parent[x]];
      return x;
    };
    Bars& bars = diagram_.dimensions[0];
    columns.clear();
    for (const Simplex& e : edges) {
      uint32_t w[2];
      Vertices(e.index, 2, w);
      uint32_t u = find(w[0]), v = find(w[1]);
      if (u != v) {
        if (e.diam > 0) bars.push_back(Bar{0.0f, e.diam});
        if (rank[u] < rank[v]) std::swap(u, v);
        parent[v] = u;
        rank[u] += rank[u] == rank[v];
      } else if (opt_.maxdim > 0) {
        const bool apparent =
            blocks_ ? e.apparent != 0
                    : opt_.apparent_pairs &&
                          ZeroApparentCofacet(Entry{e.index, e.diam, 1}, 1).index != kNone;
        if (!apparent) columns.push_back(e);
      }
    }
    std::reverse(columns.begin(), columns.end());
    for (size_t i = 0; i < n; ++i) {
      if (find(static_cast<uint32_t>(i)) == i) bars.push_back(Bar{0.0f, kInf});
    }
  }

  // ---- dimensions ≥ 1 ------------------------------------------------------------
  // The dim-simplices (cofacets of `simplices`, dimension dim − 1) that are columns:
  // not cleared (a pivot of dimension dim − 1) and in no apparent pair.
  void AssembleColumns(std::vector<Simplex>& simplices, std::vector<Simplex>& columns,
                       const std::unordered_map<index_t, std::pair<uint32_t, uint32_t>>& pivots,
                       int dim) {
    columns.clear();
    if (blocks_ && dim == 2 && dim == opt_.maxdim) {
      // The triangles are not needed past this dimension: only the columns are made.
      std::vector<Simplex>().swap(simplices);
      const std::vector<TriangleColumn> found = std::move(apparent_.triangles);
      apparent_ = SparseApparentPairs();
      columns.reserve(found.size());
      for (const TriangleColumn& t : found) {
        if (pivots.count(t.index) == 0) columns.push_back(Simplex{t.diam, 0, t.index});
      }
      std::sort(columns.begin(), columns.end(), ColumnOrder);
      return;
    }
    std::vector<Simplex> next;
    Cofacets cof(*this);
    const int m = dim + 1;  // vertices of the new simplices
    for (const Simplex& s : simplices) {
      cof.Set(Entry{s.index, s.diam, 1}, dim - 1);
      // s's own pairwise lengths, once (an edge's is its diameter); with the lengths
      // from x that the walk yields, the new simplex needs no lookups.
      uint32_t sw[kMaxVertices];
      float slen[kMaxVertices][kMaxVertices];
      Vertices(s.index, m - 1, sw);  // descending
      for (int a = 0; a < m - 1; ++a) {
        for (int b = a + 1; b < m - 1; ++b) {
          slen[a][b] = slen[b][a] = m - 1 == 2 ? s.diam : g_.Length(sw[a], sw[b]);
        }
      }
      while (cof.HasNext(false)) {
        // x exceeds every vertex of s (HasNext(false)): it comes first, descending.
        uint32_t w[kMaxVertices];
        float len[kMaxVertices][kMaxVertices];
        w[0] = cof.x();
        for (int a = 0; a < m - 1; ++a) {
          w[a + 1] = sw[a];
          // cof.vertices() is ascending: sw[a] is its entry m − 2 − a
          len[0][a + 1] = len[a + 1][0] = cof.x_lengths()[m - 2 - a];
          for (int b = a + 1; b < m - 1; ++b) len[a + 1][b + 1] = len[b + 1][a + 1] = slen[a][b];
        }
        const Entry c = cof.Next();
        const Simplex cs{c.diam, 0, c.index};
        if (dim < opt_.maxdim) next.push_back(cs);
        if (pivots.count(c.index) == 0 && !InApparentPair(cs, m, w, len)) columns.push_back(cs);
      }
    }
    if (dim < opt_.maxdim) {
      simplices.swap(next);
    } else {
      std::vector<Simplex>().swap(simplices);
    }
    std::sort(columns.begin(), columns.end(), ColumnOrder);
  }

  static Entry PopPivot(Heap& h, uint32_t p) {
    while (!h.empty()) {
      Entry top = h.top();
      h.pop();
      uint32_t c = top.coef;
      while (!h.empty() && h.top().index == top.index) {
        c = (c + h.top().coef) % p;
        h.pop();
      }
      if (c != 0) {
        top.coef = c;
        return top;
      }
    }
    return Entry{};
  }
  static Entry GetPivot(Heap& h, uint32_t p) {
    const Entry e = PopPivot(h, p);
    if (e.index != kNone) h.push(e);
    return e;
  }

  void AddSimplexCoboundary(const Entry& s, int dim, Heap& reduction, Heap& coboundary) {
    reduction.push(s);
    main_.Set(s, dim);
    while (main_.HasNext()) coboundary.push(main_.Next());
  }

  // The column's unreduced pivot, by the emergent-pair shortcut when its earliest
  // cofacet has its own diameter and is free (then the heap stays empty); otherwise the
  // whole coboundary goes into the heap.
  Entry InitCoboundary(const Entry& s, int dim, Heap& coboundary,
                       const std::unordered_map<index_t, std::pair<uint32_t, uint32_t>>& pivots) {
    scratch_.clear();
    bool check_emergent = true;
    main_.Set(s, dim);
    while (main_.HasNext()) {
      const Entry c = main_.Next();
      scratch_.push_back(c);
      if (check_emergent && c.diam == s.diam) {
        if (pivots.count(c.index) == 0 &&
            !(opt_.apparent_pairs && ZeroApparentFacet(c, dim + 1).index != kNone)) {
          return c;
        }
        check_emergent = false;
      }
    }
    for (const Entry& c : scratch_) coboundary.push(c);
    return GetPivot(coboundary, p_);
  }

  void ComputePairs(const std::vector<Simplex>& columns,
                    std::unordered_map<index_t, std::pair<uint32_t, uint32_t>>& pivots, int dim) {
    Bars& bars = diagram_.dimensions[static_cast<size_t>(dim)];
    // The reduction matrix V without its diagonal: column i's entries are
    // entries[offsets[i] .. offsets[i + 1]).
    std::vector<Entry> entries;
    std::vector<size_t> offsets = {0};
    offsets.reserve(columns.size() + 1);
    for (size_t ci = 0; ci < columns.size(); ++ci) {
      const Entry column{columns[ci].index, columns[ci].diam, 1};
      Heap reduction, coboundary;
      Entry pivot = InitCoboundary(column, dim, coboundary, pivots);
      for (;;) {
        if (pivot.index == kNone) {
          bars.push_back(Bar{column.diam, kInf});
          break;
        }
        auto found = pivots.find(pivot.index);
        if (found != pivots.end()) {
          const auto [other, other_coef] = found->second;
          const uint32_t factor = p_ - pivot.coef * inverse_[other_coef] % p_;
          Entry add{columns[other].index, columns[other].diam, factor};
          AddSimplexCoboundary(add, dim, reduction, coboundary);
          for (size_t q = offsets[other]; q < offsets[other + 1]; ++q) {
            Entry e = entries[q];
            e.coef = e.coef * factor % p_;
            AddSimplexCoboundary(e, dim, reduction, coboundary);
          }
          pivot = GetPivot(coboundary, p_);
          continue;
        }
        if (opt_.apparent_pairs) {
          Entry sigma = ZeroApparentFacet(pivot, dim + 1);
          if (sigma.index != kNone) {
            // σ's coboundary holds τ with σ's coefficient (the signs of ∂ and δ agree);
            // adding −σ cancels the pivot.
            sigma.coef = (p_ - sigma.coef) % p_;
            AddSimplexCoboundary(sigma, dim, reduction, coboundary);
            pivot = GetPivot(coboundary, p_);
            continue;
          }
        }
        if (pivot.diam > column.diam) bars.push_back(Bar{column.diam, pivot.diam});
        pivots.emplace(pivot.index, std::make_pair(static_cast<uint32_t>(ci), pivot.coef));
        for (Entry e = PopPivot(reduction, p_); e.index != kNone; e = PopPivot(reduction, p_)) {
          entries.push_back(e);
        }
        break;
      }
      offsets.push_back(entries.size());
    }
  }

  const SparseGraph& g_;
  SparseReducerOptions opt_;
  uint32_t p_;
  BinomialTable binomial_;
  std::vector<uint32_t> inverse_;
  Diagram diagram_;
  Cofacets main_{*this};
  std::vector<Entry> scratch_;
  bool blocks_ = false;
  SparseApparentPairs apparent_;
};

}  // namespace

size_t SparseDim0Bytes(size_t n, size_t edges) {
  return edges * sizeof(Simplex) + n * 2 * sizeof(uint32_t);
}

bool SparseSimplicesIndexable(size_t n, int maxdim) {
  const BinomialTable b(static_cast<int64_t>(n), maxdim + 2);
  return b(static_cast<int64_t>(n), maxdim + 2) < (int64_t{1} << 62);
}

Diagram ReduceSparseRips(const SparseGraph& graph, const SparseReducerOptions& options) {
  return SparseReducer(graph, options).Run();
}

}  // namespace panic::tda::internal
