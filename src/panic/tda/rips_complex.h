// The simplices of the Vietoris–Rips complex of one distance matrix, as the reducer sees
// them (rips_reducer.cpp): combinatorial indices (the binomial number system, vertices in
// descending order), diameters, and the apparent-pair tests with their per-edge table of
// cofacet candidates. No reduction state: the reducer derives from it.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "panic/core/huge_pages.h"
#include "panic/core/parallel.h"
#include "panic/core/prefetch.h"
#include "panic/tda/binomial_table.h"
#include "panic/tda/cofacet_scan.h"
#include "panic/tda/distance_matrix.h"
#include "panic/tda/quantized_scan.h"
#include "panic/tda/rips_reducer_types.h"

namespace panic::tda::internal::reducer {

class RipsComplex {
 protected:
  // wide_edge_table: the 32-bit edge table also below 65 536 points (tests use it).
  RipsComplex(const DistanceMatrix& d, int maxdim, bool wide_edge_table)
      : d_(d),
        n_(static_cast<int>(d.n)),
        binomial_(static_cast<int64_t>(d.n), maxdim + 2),
        wide_edges_(n_ > 65535 || wide_edge_table) {}

  // ---- simplex arithmetic -------------------------------------------------------
  static constexpr int kGuessSteps = 4;
  int64_t B(int64_t v, int k) const { return binomial_(v, k); }
  static int64_t EdgeIndex(int i, int j) {  // REQUIRES i > j
    return static_cast<int64_t>(i) * (i - 1) / 2 + j;
  }
  index_t IndexOfVertices(const int* w, int m) const {
    index_t idx = 0;
    for (int q = 0; q < m; ++q) idx += B(w[q], m - q);
    return idx;
  }
  // The largest v ≤ top with C(v, k) ≤ idx. For k ≤ 4 guessed first: with u = v − (k−1)/2,
  // k!·C(v, k) = u^k − O(u^(k−2)), so (k!·idx)^(1/k) + (k−1)/2 is within a step or two of
  // the answer; the steps of one against the table make it exact, and a guess still off
  // after kGuessSteps falls back to the bisection. Decoding simplices (pivots, V,
  // frontiers) is this, m times each (stop 34: 11 % of a sphere N = 3 000 run's samples).
  int MaxVertex(index_t idx, int k, int top) const {
    if (k == 1) return static_cast<int>(std::min<index_t>(idx, top));
    if (k <= 4 && idx > 0) {
      const double scaled = static_cast<double>(idx) * (k == 2 ? 2.0 : k == 3 ? 6.0 : 24.0);
      const double root = k == 2 ? std::sqrt(scaled) : k == 3 ? std::cbrt(scaled) : std::sqrt(std::sqrt(scaled));
      int g = static_cast<int>(std::min(root + 0.5 * (k - 1), static_cast<double>(top)));
      g = std::max(g, k - 1);
      for (int step = 0; step < kGuessSteps; ++step) {
        if (B(g, k) > idx) {
          --g;
        } else if (g < top && B(g + 1, k) <= idx) {
          ++g;
        } else {
          return g;
        }
      }
    }
    int lo = k - 1, hi = top;
    while (lo < hi) {
      int mid = lo + (hi - lo + 1) / 2;
      if (B(mid, k) <= idx) {
        lo = mid;
      } else {
        hi = mid - 1;
      }
    }
    return lo;
  }
  // Vertices of the simplex with `m` vertices and index idx, descending.
  void Vertices(index_t idx, int m, int* w) const {
    int top = n_ - 1;
    for (int k = m; k >= 1; --k) {
      int v = MaxVertex(idx, k, top);
      *w++ = v;
      idx -= B(v, k);
      top = v - 1;
    }
  }
  // Vertices(idx, m, w), each vertex first tried at the one of `near` (the vertices of a
  // simplex of nearby index): a frontier's simplices come sorted by index, so neighbours
  // share their top vertices, and two table reads confirm one where MaxVertex takes a root.
  void VerticesNear(index_t idx, int m, const int* near, int* w) const {
    int top = n_ - 1;
    for (int k = m; k >= 1; --k) {
      const int p = *near++;
      int v;
      if (p <= top && B(p, k) <= idx && (p == top || B(p + 1, k) > idx)) {
        v = p;  // the largest v ≤ top with C(v, k) ≤ idx, as MaxVertex
      } else {
        v = MaxVertex(idx, k, top);
      }
      *w++ = v;
      idx -= B(v, k);
      top = v - 1;
    }
  }
  float Diameter(const int* w, int m) const {
    float diam = 0;
    for (int a = 0; a < m; ++a) {
      const float* r = d_.row(w[a]);
      for (int b = a + 1; b < m; ++b) diam = std::max(diam, r[w[b]]);
    }
    return diam;
  }
  // Asks the cache for every distance that Diameter(w, m) reads.
  void PrefetchDiameter(const int* w, int m) const {
    for (int a = 0; a < m; ++a) {
      const float* r = d_.row(static_cast<size_t>(w[a]));
      for (int b = a + 1; b < m; ++b) core::PrefetchLine(r + w[b]);
    }
  }
  // The diameter of the cofacet w ∪ {v} of the simplex w[0..m) of diameter `diam`.
  float CofacetDiameter(const int* w, int m, float diam, int v) const {
    float cd = diam;
    for (int q = 0; q < m; ++q) cd = std::max(cd, d_(static_cast<size_t>(w[q]), static_cast<size_t>(v)));
    return cd;
  }
  // Asks the cache for every distance that Diameter(w, m) and CofacetDiameter(w, m, ·, v)
  // read (PushFrontier runs it some entries ahead: a frontier's simplices are scattered over
  // the matrix, and their loads, one after another, were a monster's largest stall).
  void PrefetchCofacetDistances(const int* w, int m, int v) const {
    PrefetchDiameter(w, m);
    for (int a = 0; a < m; ++a) core::PrefetchLine(d_.row(static_cast<size_t>(w[a])) + v);
  }
  // Diameter of w without w[skip].
  float DiameterWithout(const int* w, int m, int skip) const {
    float diam = 0;
    for (int a = 0; a < m; ++a) {
      if (a == skip) continue;
      const float* r = d_.row(w[a]);
      for (int b = a + 1; b < m; ++b) {
        if (b != skip) diam = std::max(diam, r[w[b]]);
      }
    }
    return diam;
  }

  // ---- apparent pairs -----------------------------------------------------------
  // The largest vertex v outside w[0..m) with d(v, w_q) ≤ diam for all q: the vertex
  // whose cofacet is the earliest in filtration order when it has σ's diameter.
  template <int M>
  int CofacetCandidateFixed(const int* w, float diam, int end, int lo = 0) const {
    const float* r[M];
    for (int q = 0; q < M; ++q) r[q] = d_.row(w[q]);
    return ScanRows<M>(r, w, lo, end, diam);
  }
  // ScanCofacetCandidate, on the byte rows once they exist (and AVX2 or AVX-512 is there).
  template <int M>
  int ScanRows(const float* const* r, const int* w, int lo, int end, float bound) const {
    if (!qvalues_.empty() && simd_ != SimdLevel::kScalar) {
      const uint8_t* qr[M];
      for (int q = 0; q < M; ++q) qr[q] = QuantizedRow(w[q]);
      return ScanQuantized<M>(simd_, qr, r, w, lo, end, bound, quant_(bound));
    }
    return ScanCofacetCandidate<M>(simd_, r, w, lo, end, bound);
  }
  // REQUIRES: diam is the diameter of w[0..m), m ≥ 2. With lo > 0, only candidates
  // ≥ lo are looked for (−1 when the candidate is smaller).
  int CofacetCandidate(const int* w, int m, float diam, int lo = 0) const {
    const int64_t edge = m == 2 ? EdgeIndex(w[0], w[1]) : DiameterEdge(w, m, diam);
    return CofacetCandidateBelow(w, m, diam, EdgeCandidate(edge), lo);
  }
  // The same, given `end` = 1 + the candidate of an edge of σ with σ's diameter (0: none):
  // σ's candidate is at most that one — it must pass that edge's test with the same
  // bound — so the scan starts there, not at n − 1; an edge (m = 2) has that candidate.
  int CofacetCandidateBelow(const int* w, int m, float diam, int end, int lo = 0) const {
    if (end - 1 < lo) return -1;
    if (m == 2) return end - 1;
    return m == 3 ? CofacetCandidateFixed<3>(w, diam, end, lo) : CofacetCandidateFixed<4>(w, diam, end, lo);
  }
  // The index of the first edge {w_a, w_b} (a < b) of length `diam`, the diameter of
  // w[0..m) (m ≥ 2: one exists).
  int64_t DiameterEdge(const int* w, int m, float diam) const {
    for (int a = 0; a < m; ++a) {
      for (int b = a + 1; b < m; ++b) {
        if (d_(static_cast<size_t>(w[a]), static_cast<size_t>(w[b])) == diam) return EdgeIndex(w[a], w[b]);
      }
    }
    return EdgeIndex(w[0], w[1]);  // not reached when diam is w's diameter
  }
  // The cofacet σ ∪ {v} of σ = w[0..m) (descending; v not in σ) into t, descending;
  // returns how many of σ's vertices are above v.
  static int CofacetVertices(const int* w, int m, int v, int* t) {
    int q = 0, k = 0;
    while (k < m && w[k] > v) t[q++] = w[k++];
    const int above = q;
    t[q++] = v;
    while (k < m) t[q++] = w[k++];
    return above;
  }
  // Whether σ = w[0..m) of diameter diam is the latest facet of σ ∪ {v} of that
  // diameter: every facet removing a vertex u > v (they have smaller indices) has a
  // smaller diameter. REQUIRES d(v, w_q) ≤ diam for all q.
  bool IsLatestFacet(const int* w, int m, int v, float diam) const {
    int t[kMaxVertices];
    for (int q = 0; q < m; ++q) t[q] = w[q];
    t[m] = v;
    for (int q = 0; q < m && w[q] > v; ++q) {
      if (DiameterWithout(t, m + 1, q) >= diam) return false;
    }
    return true;
  }
  // The vertex v such that (σ, σ ∪ {v}) is an apparent pair, or −1.
  int ZeroApparentCofacet(const int* w, int m, float diam) const {
    int v = CofacetCandidate(w, m, diam);
    return (v >= 0 && IsLatestFacet(w, m, v, diam)) ? v : -1;
  }
  // The position j such that (τ \ t_j, τ) is an apparent pair, or −1. t descending.
  int ZeroApparentFacet(const int* t, int m, float diam) const {
    for (int j = 0; j < m; ++j) {  // facets by increasing index
      if (DiameterWithout(t, m, j) != diam) continue;
      int f[kMaxVertices];
      for (int q = 0, k = 0; q < m; ++q) {
        if (q != j) f[k++] = t[q];
      }
      // t_j passes the facet's test (τ has the facet's diameter), so the facet's
      // candidate is t_j exactly when no vertex above t_j passes: scan only (t_j, n).
      return CofacetCandidate(f, m - 1, diam, t[j] + 1) < 0 ? j : -1;
    }
    return -1;
  }
  // 1 + the cofacet candidate of edge e (0: none), from the table that is in use.
  int EdgeCandidate(int64_t e) const {
    return wide_edges_ ? static_cast<int>(edge_candidate32_[static_cast<size_t>(e)])
                       : static_cast<int>(edge_candidate16_[static_cast<size_t>(e)]);
  }
  // Asks the cache for edge e's candidate (EdgeCandidate).
  void PrefetchEdgeCandidate(int64_t e) const {
    if (wide_edges_) {
      core::PrefetchLine(edge_candidate32_.data() + e);
    } else {
      core::PrefetchLine(edge_candidate16_.data() + e);
    }
  }
  // Asks the cache for what a candidate scan of the simplex w[0..m) below `end` reads first
  // (ScanRows: the rows' last 64 bytes below it, and the float distances of vertex end − 1).
  void PrefetchCandidateScan(const int* w, int m, int end) const {
    for (int q = 0; q < m; ++q) {
      if (!qvalues_.empty() && end >= 64) {
        const uint8_t* row = QuantizedRow(w[q]);
        core::PrefetchLine(row + end - 64);
        core::PrefetchLine(row + end - 1);
      }
      core::PrefetchLine(d_.row(static_cast<size_t>(w[q])) + end - 1);
    }
  }
  template <typename T>
  const T* EdgeCandidateRow(int a) const {
    if constexpr (sizeof(T) == 2) {
      return edge_candidate16_.data() + EdgeIndex(a, 0);
    } else {
      return edge_candidate32_.data() + EdgeIndex(a, 0);
    }
  }
  // The candidate of every edge, 16 bits an edge when n ≤ 65 535 (1 + the vertex fits),
  // 32 bits past that.
  void ComputeEdgeCandidates(int threads) {
    if (wide_edges_) {
      FillEdgeCandidates(edge_candidate32_, threads);
    } else {
      FillEdgeCandidates(edge_candidate16_, threads);
    }
  }
  template <typename T>
  void FillEdgeCandidates(std::vector<T>& table, int threads) {
    core::ReserveHugePages(table, static_cast<size_t>(EdgeIndex(n_, 0)));
    table.assign(static_cast<size_t>(EdgeIndex(n_, 0)), 0);
    ParallelFor(static_cast<size_t>(n_), 8, threads, [&](size_t begin, size_t end, int) {
      for (size_t i = begin; i < end; ++i) {
        for (int j = 0; j < static_cast<int>(i); ++j) {
          int w[2] = {static_cast<int>(i), j};
          table[static_cast<size_t>(EdgeIndex(w[0], j))] =
              static_cast<T>(CofacetCandidateFixed<2>(w, d_(i, j), n_) + 1);
        }
      }
    });
  }


  // The byte copy of the distances for the next-cofacet scans (quantized_scan.h): n²
  // bytes, a quarter of the float matrix. Built once, before the first reduction; with a
  // locality order (ReducerOptions::scan_order), its copy in that order too (LocalityCopy:
  // n² bytes more).
  void QuantizeDistances(int threads, std::span<const uint32_t> locality_order) {
    quant_ = DistanceQuantizer(SampleDistances(d_.values.data(), d_.n, size_t{1} << 18));
    core::ReserveHugePages(qvalues_, d_.n * d_.n);
    qvalues_.resize(d_.n * d_.n);
    ParallelFor(d_.n, 64, threads, [&](size_t begin, size_t end, int) {
      for (size_t i = begin * d_.n; i < end * d_.n; ++i) qvalues_[i] = quant_(d_.values[i]);
    });
    if (!locality_order.empty()) local_.Build(qvalues_.data(), d_.n, locality_order, threads);
  }
  const uint8_t* QuantizedRow(int v) const { return qvalues_.data() + static_cast<size_t>(v) * d_.n; }

  const DistanceMatrix& d_;
  const int n_;
  const BinomialTable binomial_;
  const SimdLevel simd_ = DetectSimdLevel();
  // Per edge index, 1 + its cofacet candidate (0: none); empty until computed. One of
  // the two is used: 16 bits an edge while n ≤ 65 535, else 32.
  const bool wide_edges_;
  std::vector<uint16_t> edge_candidate16_;
  std::vector<uint32_t> edge_candidate32_;
  DistanceQuantizer quant_;
  std::vector<uint8_t> qvalues_;  // empty: the float scans (NextCofacets) are used
  LocalityCopy local_;  // the byte copy in a locality order; empty: not built
};

}  // namespace panic::tda::internal::reducer
