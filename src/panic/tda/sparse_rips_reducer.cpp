#include "panic/tda/sparse_rips_reducer.h"

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <limits>
#include <numeric>
#include <queue>
#include <unordered_map>
#include <vector>

#include "panic/core/lap_timer.h"
#include "panic/core/parallel.h"
#include "panic/tda/binomial_table.h"
#include "panic/tda/sparse_rips_apparent.h"
#include "panic/tda/sparse_rips_complex.h"

namespace panic::tda::internal {
namespace {

using sparse_rips::ColumnOrder;
using sparse_rips::Entry;
using sparse_rips::Heap;
using sparse_rips::index_t;
using sparse_rips::kInf;
using sparse_rips::kMaxVertices;
using sparse_rips::kNone;
using sparse_rips::Simplex;
using sparse_rips::SparseComplex;

// Columns per thread in one batch of the parallel reduction (ComputePairs): ParallelFor
// starts its threads per call, so a batch must hold enough work to pay for that (64 per
// thread gave no speed-up on 36 M triangle columns, most of them emergent).
constexpr size_t kBatchPerThread = 256;

class SparseReducer : private SparseComplex {
 public:
  SparseReducer(const SparseGraph& g, const SparseReducerOptions& o)
      : SparseComplex(g, o.maxdim, o.modulus, o.apparent_pairs), opt_(o), inverse_(p_, 0) {
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
    core::LapTimer timer;
    if (blocks_) {
      apparent_ = FindApparentPairs(g_, binomial_, opt_.maxdim == 2, opt_.threads);
    }
    t.apparent = timer.Lap();
    ComputeDim0Pairs(simplices, columns);
    t.dim0 = timer.Lap();
    for (int dim = 1; dim <= opt_.maxdim; ++dim) {
      PivotMap pivots;
      pivots.reserve(columns.size());
      ComputePairs(columns, pivots, dim);
      const auto assembling = std::chrono::steady_clock::now();
      if (dim < opt_.maxdim) AssembleColumns(simplices, columns, pivots, dim + 1);
      t.assemble += std::chrono::duration<double>(std::chrono::steady_clock::now() - assembling).count();
    }
    SortBars(diagram_);
    t.columns = timer.Lap();
    return std::move(diagram_);
  }

 private:
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

  using PivotMap = std::unordered_map<index_t, std::pair<uint32_t, uint32_t>>;  // → column, coef

  // One worker's coboundary enumerator and scratch.
  struct Worker {
    explicit Worker(const SparseComplex& c) : cofacets(c) {}
    Cofacets cofacets;
    std::vector<Entry> scratch;
  };

  // A column under reduction: R's column as a heap of cofacets, V's as a heap of facets.
  struct Column {
    Heap reduction, coboundary;
    Entry pivot;
    // The pivot came from the emergent shortcut: the heap is still empty (the coboundary is
    // pushed only if another column turns out to own that pivot).
    bool emergent = false;
    // The pivot index already known to be in no apparent pair (the test is a list scan:
    // a column finished in two steps must not pay for it twice).
    index_t not_apparent = kNone;
  };

  void AddSimplexCoboundary(Worker& w, const Entry& s, int dim, Heap& reduction,
                            Heap& coboundary) const {
    reduction.push(s);
    w.cofacets.Set(s, dim);
    while (w.cofacets.HasNext()) coboundary.push(w.cofacets.Next());
  }

  // The column's unreduced pivot, by the emergent-pair shortcut when its earliest
  // cofacet has its own diameter and is free (then the heap stays empty); otherwise the
  // whole coboundary goes into the heap.
  void InitCoboundary(Worker& w, const Entry& s, int dim, Column& col, const PivotMap& pivots) const {
    w.scratch.clear();
    bool check_emergent = true;
    w.cofacets.Set(s, dim);
    while (w.cofacets.HasNext()) {
      const Entry c = w.cofacets.Next();
      w.scratch.push_back(c);
      if (check_emergent && c.diam == s.diam) {
        if (pivots.count(c.index) == 0 &&
            !(opt_.apparent_pairs && ZeroApparentFacet(c, dim + 1).index != kNone)) {
          col.pivot = c;
          col.emergent = true;
          col.not_apparent = c.index;
          return;
        }
        check_emergent = false;
      }
    }
    for (const Entry& c : w.scratch) col.coboundary.push(c);
    col.pivot = GetPivot(col.coboundary, p_);
  }

  // Reduces column ci against the pivots in `pivots` (and apparent pairs) until its pivot is
  // none or owned by no column there. The columns that own pivots there are finished: their
  // V entries are entries[offsets[o] .. offsets[o + 1]).
  void Reduce(Worker& w, const std::vector<Simplex>& columns, size_t ci, int dim, Column& col,
              const PivotMap& pivots, const std::vector<Entry>& entries,
              const std::vector<size_t>& offsets) const {
    const Entry column{columns[ci].index, columns[ci].diam, 1};
    for (;;) {
      if (col.pivot.index == kNone) return;
      auto found = pivots.find(col.pivot.index);
      if (found != pivots.end()) {
        if (col.emergent) {  // the shortcut's pivot is taken: the whole coboundary after all
          col.emergent = false;
          w.cofacets.Set(column, dim);
          while (w.cofacets.HasNext()) col.coboundary.push(w.cofacets.Next());
          col.pivot = GetPivot(col.coboundary, p_);
          continue;
        }
        const auto [other, other_coef] = found->second;
        const uint32_t factor = p_ - col.pivot.coef * inverse_[other_coef] % p_;
        Entry add{columns[other].index, columns[other].diam, factor};
        AddSimplexCoboundary(w, add, dim, col.reduction, col.coboundary);
        for (size_t q = offsets[other]; q < offsets[other + 1]; ++q) {
          Entry e = entries[q];
          e.coef = e.coef * factor % p_;
          AddSimplexCoboundary(w, e, dim, col.reduction, col.coboundary);
        }
        col.pivot = GetPivot(col.coboundary, p_);
        continue;
      }
      if (opt_.apparent_pairs && col.not_apparent != col.pivot.index) {
        Entry sigma = ZeroApparentFacet(col.pivot, dim + 1);
        if (sigma.index != kNone) {
          // σ's coboundary holds τ with σ's coefficient (the signs of ∂ and δ agree);
          // adding −σ cancels the pivot.
          col.emergent = false;
          sigma.coef = (p_ - sigma.coef) % p_;
          AddSimplexCoboundary(w, sigma, dim, col.reduction, col.coboundary);
          col.pivot = GetPivot(col.coboundary, p_);
          continue;
        }
        col.not_apparent = col.pivot.index;
      }
      return;
    }
  }

  // The columns in batches. Within a batch the workers first reduce every column against
  // the pivots of the batches before (read only); then, serially in column order, each
  // is reduced further against the earlier columns of its own batch (and, through them,
  // again against the earlier batches) and its pivot recorded. The pivots of a reduction
  // R = D V with V upper triangular do not depend on the order of the column additions,
  // so the pairs are those of the serial reduction for every number of threads.
  void ComputePairs(const std::vector<Simplex>& columns, PivotMap& pivots, int dim) {
    Bars& bars = diagram_.dimensions[static_cast<size_t>(dim)];
    // The reduction matrix V without its diagonal: column i's entries are
    // entries[offsets[i] .. offsets[i + 1]).
    std::vector<Entry> entries;
    std::vector<size_t> offsets = {0};
    offsets.reserve(columns.size() + 1);
    const int threads = std::max(opt_.threads, 1);
    std::vector<Worker> workers;
    const SparseComplex& complex = *this;
    for (int t = 0; t < threads; ++t) workers.emplace_back(complex);
    const size_t batch = threads == 1 ? 1 : kBatchPerThread * static_cast<size_t>(threads);
    std::vector<Column> open(batch);
    for (size_t first = 0; first < columns.size(); first += batch) {
      const size_t count = std::min(batch, columns.size() - first);
      ParallelFor(count, 1, threads, [&](size_t begin, size_t end, int worker) {
        for (size_t k = begin; k < end; ++k) {
          Column& col = open[k];
          col = Column{};
          const Entry column{columns[first + k].index, columns[first + k].diam, 1};
          Worker& w = workers[static_cast<size_t>(worker)];
          InitCoboundary(w, column, dim, col, pivots);
          Reduce(w, columns, first + k, dim, col, pivots, entries, offsets);
        }
      });
      for (size_t k = 0; k < count; ++k) {
        const size_t ci = first + k;
        Column& col = open[k];
        Reduce(workers[0], columns, ci, dim, col, pivots, entries, offsets);
        const float birth = columns[ci].diam;
        if (col.pivot.index == kNone) {
          bars.push_back(Bar{birth, kInf});
        } else {
          if (col.pivot.diam > birth) bars.push_back(Bar{birth, col.pivot.diam});
          pivots.emplace(col.pivot.index, std::make_pair(static_cast<uint32_t>(ci), col.pivot.coef));
          for (Entry e = PopPivot(col.reduction, p_); e.index != kNone; e = PopPivot(col.reduction, p_)) {
            entries.push_back(e);
          }
        }
        offsets.push_back(entries.size());
        col = Column{};  // its heaps' memory back
      }
    }
  }

  SparseReducerOptions opt_;
  std::vector<uint32_t> inverse_;
  Diagram diagram_;
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
