// The columns the reduction starts from (rips_reducer.cpp): dimension 0's pairs, found by
// Prim's algorithm on the dense matrix, and for each dimension ≥ 1 the simplices that must
// be reduced — within the threshold, not cleared by a pivot of the dimension below, and in
// no apparent pair. Triangles come from the sweep over the edges by length
// (triangle_sweep.h, up to kMaxSweepPoints points; an edge a tie touches goes through
// TrianglesOfEdge); larger clouds take the older assemblies, edge by edge (triangle_scan.h)
// on AVX-512 machines, else triangle by triangle. The column lists are in reverse filtration order and the same for
// every thread count. The reducer derives from it and fills `pivots_` for the clearing.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <vector>

#include "panic/core/huge_pages.h"
#include "panic/core/parallel.h"
#include "panic/tda/pivot_map.h"
#include "panic/tda/rips_complex.h"
#include "panic/tda/rips_reducer.h"
#include "panic/tda/rips_reducer_types.h"
#include "panic/tda/triangle_scan.h"
#include "panic/tda/triangle_sweep.h"

namespace panic::tda::internal::reducer {

class RipsColumns : protected RipsComplex {
 protected:
  RipsColumns(const DistanceMatrix& d, const ReducerOptions& o)
      : RipsComplex(d, o.maxdim, o.wide_edge_table), opt_(o) {}

  // ---- dimension 0 --------------------------------------------------------------
  std::vector<Column> ComputeDim0Pairs(Bars& bars) {
    if (opt_.maxdim >= 1) ComputeEdgeCandidates(opt_.threads);
    // The 0-dimensional pairs are the edges of the minimum spanning forest of the edges
    // within the threshold. Under the filtration's strict total order (diameter, then
    // index descending) that forest is unique, so Prim's algorithm on the dense matrix
    // (O(n²) time, O(n) memory) finds exactly the edges ripser's union–find over the
    // sorted edge list merges with, without storing or sorting the edges.
    const float threshold = opt_.threshold;
    const size_t n = static_cast<size_t>(n_);
    std::vector<float> key(n, kInf);    // best edge from the tree to each vertex ...
    std::vector<int64_t> key_index(n, 0);
    std::vector<int32_t> parent(n, -1);  // ... and its other end (−1: none within threshold)
    std::vector<uint8_t> in_tree(n, 0);
    for (size_t added = 0, next_root = 0; added < n; ++added) {
      int u = -1;
      for (int v = 0; v < n_; ++v) {
        if (in_tree[v] || parent[v] < 0) continue;
        if (u < 0 || Earlier(key[v], key_index[v], key[u], key_index[u])) {
          u = v;
        }
      }
      if (u < 0) {  // no edge leaves the tree: a new component (an essential class)
        while (in_tree[next_root]) ++next_root;
        u = static_cast<int>(next_root);
        bars.push_back(Bar{0.0f, kInf});
      } else if (key[u] > 0) {
        bars.push_back(Bar{0.0f, key[u]});
      }
      in_tree[u] = 1;
      const float* r = d_.row(static_cast<size_t>(u));
      for (int v = 0; v < n_; ++v) {
        if (in_tree[v] || r[v] > threshold) continue;
        const int64_t e = EdgeIndex(std::max(u, v), std::min(u, v));
        if (parent[v] < 0 || Earlier(r[v], e, key[v], key_index[v])) {
          key[v] = r[v];
          key_index[v] = e;
          parent[v] = u;
        }
      }
    }
    if (opt_.maxdim < 1) return {};
    // Columns of dimension 1: the edges outside the forest that are in no apparent pair.
    std::vector<ColumnChunks> found(static_cast<size_t>(opt_.threads));
    ParallelFor(n, 16, opt_.threads, [&](size_t begin, size_t end, int worker) {
      for (size_t i = begin; i < end; ++i) {
        const float* r = d_.row(i);
        for (int j = 0; j < static_cast<int>(i); ++j) {
          if (r[j] > threshold || parent[i] == j || parent[j] == static_cast<int>(i)) continue;
          int w[2] = {static_cast<int>(i), j};
          if (ZeroApparentCofacet(w, 2, r[j]) < 0) {
            found[worker].push_back(Column{r[j], EdgeIndex(w[0], j)});
          }
        }
      }
    });
    return Concatenate(found);
  }
  // The workers' columns in reverse filtration order (the same for any thread count: the
  // order is total).
  std::vector<Column> Concatenate(std::vector<ColumnChunks>& found) const {
    size_t total = 0;
    for (const auto& f : found) total += f.size();
    std::vector<Column> columns;
    core::ReserveHugePages(columns, total);
    for (auto& f : found) f.MoveInto(columns);
    SortColumns(columns.data(), columns.data() + columns.size(), std::max(opt_.threads, 1),
                std::max<size_t>(opt_.parallel_sort_columns_at, 2));
    return columns;
  }
  // The sorted columns' simplices alone (ColumnList), the columns themselves freed.
  // The columns are simplices of `vertices` vertices: indices below C(n, vertices).
  ColumnList Listed(std::vector<Column>&& sorted, int vertices) const {
    ColumnList list(sorted.size(), std::max<uint64_t>(static_cast<uint64_t>(B(n_, vertices)), 1));
    for (size_t i = 0; i < sorted.size(); ++i) list.set(i, sorted[i].index);
    std::vector<Column>().swap(sorted);
    return list;
  }
  // Sorts [begin, end) by ColumnOrder on up to `parts` threads (one below `at_least`
  // columns): the range is split at its
  // middle element in sorted order (nth_element, linear) and the halves are sorted at once
  // on two threads, recursively. No extra memory, where sorted runs merged would need half
  // the columns again. (10⁷ columns at N = 5 000 on the unit-sphere walk: ≈ 0.8 s on one
  // core alone, before the reduction.)
  static void SortColumns(Column* begin, Column* end, int parts, size_t at_least) {
    const size_t n = static_cast<size_t>(end - begin);
    if (parts <= 1 || n < at_least) {
      std::sort(begin, end, ColumnOrder());
      return;
    }
    const int left = parts / 2;
    Column* mid = begin + n * static_cast<size_t>(left) / static_cast<size_t>(parts);
    std::nth_element(begin, mid, end, ColumnOrder());
    ParallelFor(2, 1, 2, [&](size_t half, size_t, int) {
      if (half == 0) {
        SortColumns(begin, mid, left, at_least);
      } else {
        SortColumns(mid, end, parts - left, at_least);
      }
    });
  }
  // ---- dimensions ≥ 1 -----------------------------------------------------------
  // Columns of dimension `dim`: every dim-simplex of diameter ≤ threshold that is not
  // a pivot of dimension dim − 1 (clearing) and not in an apparent pair.
  std::vector<Column> AssembleColumns(int dim) {
    const int m = dim + 1;
    std::vector<ColumnChunks> found(static_cast<size_t>(opt_.threads));
    if (m == 3 && !opt_.per_triangle_assembly && !opt_.edge_scan_assembly &&
        static_cast<size_t>(n_) <= kMaxSweepPoints) {
      // One sweep over the edges by length (triangle_sweep.h), its parts on the workers
      // when there are several; an edge that another edge of its length touches gets the
      // per-edge test. The workers' columns come in no fixed order: Concatenate sorts them.
      std::vector<EdgeCandidates> p(static_cast<size_t>(opt_.threads));
      const SweepOptions sweep{.threads = opt_.threads,
                               .workers = opt_.sweep_workers,
                               .band_edges = opt_.sweep_band_edges,
                               .max_tie_group = opt_.sweep_tie_group,
                               .part_edges = opt_.sweep_part_edges,
                               .ranked = opt_.distinct_lengths};
      SweepTriangles(
          d_, opt_.threshold, sweep,
          [&](int worker, int x, int y, int z, float length) { KeepTriangle(x, y, z, length, found[worker]); },
          [&](int worker, int x, int y, float) { TrianglesOfEdge(x, y, p[worker], found[worker]); });
      return Concatenate(found);
    }
    if (m == 3 && simd_ == SimdLevel::kAvx512 && !opt_.per_triangle_assembly) {
      // Groups of kEdgeGroup consecutive x, the largest first (they have the most edges).
      const size_t groups = (static_cast<size_t>(n_) + kEdgeGroup - 1) / kEdgeGroup;
      ParallelFor(groups, 1, opt_.threads, [&](size_t begin, size_t end, int worker) {
        for (size_t g = begin; g < end; ++g) {
          const size_t last = groups - 1 - g;
          AssembleTrianglesByEdge(static_cast<int>(last * kEdgeGroup),
                                  static_cast<int>(std::min<size_t>((last + 1) * kEdgeGroup, static_cast<size_t>(n_))),
                                  found[worker]);
        }
      });
      return Concatenate(found);
    }
    const size_t first = static_cast<size_t>(dim);
    ParallelFor(static_cast<size_t>(n_) - std::min(first, static_cast<size_t>(n_)), 1, opt_.threads,
                [&](size_t begin, size_t end, int worker) {
      int w[kMaxVertices];
      for (size_t a = begin + first; a < end + first; ++a) {
        if (m == 3) {
          if (wide_edges_) {
            AssembleTriangles<uint32_t>(static_cast<int>(a), found[worker]);
          } else {
            AssembleTriangles<uint16_t>(static_cast<int>(a), found[worker]);
          }
          continue;
        }
        w[0] = static_cast<int>(a);
        EnumerateSimplices(w, 1, m, 0.0f, found[worker]);
      }
    });
    return Concatenate(found);
  }
  // The triangles {a > b > c} that must be reduced: EnumerateSimplices for m = 3, with
  // the tests unrolled and ordered by cost. The inner loop runs over c, so rows a and b
  // of the distance matrix and of the edge-candidate table are read contiguously.
  template <typename T>
  void AssembleTriangles(int a, ColumnChunks& out) const {
    const float threshold = opt_.threshold;
    const float* ra = d_.row(static_cast<size_t>(a));
    const T* ca = EdgeCandidateRow<T>(a);
    const index_t base_a = B(a, 3);
    for (int b = a - 1; b >= 1; --b) {
      const float dab = ra[b];
      if (dab > threshold) continue;
      const float* rb = d_.row(static_cast<size_t>(b));
      const T* cb = EdgeCandidateRow<T>(b);
      const int cab = static_cast<int>(ca[b]) - 1;
      const index_t base_ab = base_a + B(b, 2);
      for (int c = b - 1; c >= 0; --c) {
        const float dac = ra[c], dbc = rb[c];
        const float diam = std::max(dab, std::max(dac, dbc));
        if (diam > threshold) continue;
        // Apparent pair with a facet: the latest facet of diameter `diam` (the one
        // without the largest vertex first) must have this triangle as earliest cofacet.
        if (dbc == diam) {
          if (static_cast<int>(cb[c]) == a + 1) continue;
        } else if (dac == diam) {
          if (static_cast<int>(ca[c]) == b + 1) continue;
        } else if (cab == c) {
          continue;
        }
        // Apparent pair with a cofacet (ZeroApparentCofacet, inlined): the candidate is
        // at most the candidate of an edge of the triangle's diameter, and on these
        // clouds it is usually that vertex itself, so it is tried before the scan below it.
        int w[3] = {a, b, c};
        const int end = dab == diam ? cab + 1 : static_cast<int>(dac == diam ? ca[c] : cb[c]);  // candidate + 1
        int v = end - 1;
        if (v >= 0) {
          const float* rc = d_.row(static_cast<size_t>(c));
          if (v == a || v == b || v == c || ra[v] > diam || rb[v] > diam || rc[v] > diam) {
            v = CofacetCandidateFixed<3>(w, diam, v);
          }
          if (v >= 0 && IsLatestFacet(w, 3, v, diam)) continue;
        }
        const index_t idx = base_ab + c;
        if (pivots_.Find(static_cast<uint64_t>(idx)) != PivotMap::kEmpty) continue;
        out.push_back(Column{diam, idx});
      }
    }
  }
  // The triangles owned by the edges {x, y < x}, x in [x_begin, x_end) (triangle_scan.h),
  // that must be reduced: the same columns as AssembleTriangles, without its random read
  // of a third row per triangle. The fast tests take the edge's first opt_.edge_candidates
  // (≤ EdgeCandidates::kCapacity) cofacet candidates; the triangles they cannot decide (ties, a
  // candidate deeper than that) get the exact per-triangle tests. The edges go y by y over
  // the group of x, so that row y, read whole by each edge, comes from memory once for the
  // group and then from the cache (the n × n matrix is 16 MB at N = 2 000).
  static constexpr int kEdgeCandidateBatch = 4;
  static constexpr int kEdgeGroup = 16;
  void AssembleTrianglesByEdge(int x_begin, int x_end, ColumnChunks& out) const {
    EdgeCandidates p;
    for (int y = x_end - 2; y >= 0; --y) {
      for (int x = std::max(x_begin, y + 1); x < x_end; ++x) {
        if (d_(static_cast<size_t>(x), static_cast<size_t>(y)) <= opt_.threshold) TrianglesOfEdge(x, y, p, out);
      }
    }
  }
  // The triangle {x, y, z} of diameter `length` unless a pivot of dimension 1 clears it.
  void KeepTriangle(int x, int y, int z, float length, ColumnChunks& out) const {
    const int a = std::max(x, z), c = std::min(y, z), b = x + y + z - a - c;
    const index_t idx = B(a, 3) + B(b, 2) + c;
    if (pivots_.Find(static_cast<uint64_t>(idx)) == PivotMap::kEmpty) out.push_back(Column{length, idx});
  }
  // The triangle {x, y, z} owned by edge {x > y} of length `length`, unless it is in an
  // apparent pair or cleared (the exact tests, which decide ties by the float rules).
  void ExactTriangle(int x, int y, int z, float length, ColumnChunks& out) const {
    const int a = std::max(x, z), c = std::min(y, z);
    const int w[3] = {a, x + y + z - a - c, c};
    if (ZeroApparentFacet(w, 3, length) >= 0 || ZeroApparentCofacet(w, 3, length) >= 0) return;
    KeepTriangle(x, y, z, length, out);
  }
  // The columns among the triangles edge {x > y} owns (its length ≤ the threshold): the
  // edge-by-edge scan of triangle_scan.h on AVX-512 machines, else every owned triangle
  // through the exact tests.
  void TrianglesOfEdge(int x, int y, EdgeCandidates& p, ColumnChunks& out) const {
    const float* rx = d_.row(static_cast<size_t>(x));
    const float* ry = d_.row(static_cast<size_t>(y));
    const float length = rx[y];
    auto exact = [&](int z) { ExactTriangle(x, y, z, length, out); };
    if (simd_ != SimdLevel::kAvx512) {
      for (int z = 0; z < n_; ++z) {  // the ownership rule of triangle_scan.h
        if (z == x || z == y) continue;
        const bool own_x = z > y ? rx[z] < length : rx[z] <= length;
        const bool own_y = z > x ? ry[z] < length : ry[z] <= length;
        if (own_x && own_y) exact(z);
      }
      return;
    }
    const int max_candidates = std::clamp(opt_.edge_candidates, 1, EdgeCandidates::kCapacity);
    const float* r2[2] = {rx, ry};
    const int w2[2] = {x, y};
    // The candidates, kEdgeCandidateBatch at a time: most edges need only the first few.
    int next = EdgeCandidate(EdgeIndex(x, y)) - 1;  // the next one to store (−1: none)
    p.count = 0;
    p.complete = next < 0;
    auto extend = [&] {
      if (p.complete || p.count == max_candidates) return false;
      for (int added = 0; added < kEdgeCandidateBatch && next >= 0 && p.count < max_candidates; ++added) {
        p.vertex[p.count] = next;
        p.row[p.count] = d_.row(static_cast<size_t>(next));
        p.dx[p.count] = rx[next];
        p.dy[p.count] = ry[next];
        ++p.count;
        next = ScanCofacetCandidate<2>(simd_, r2, w2, 0, next, length);
      }
      p.complete = next < 0;
      return true;
    };
    extend();
    auto keep = [&](int z) { KeepTriangle(x, y, z, length, out); };
    EdgeTrianglesAvx512(rx, ry, x, y, length, n_, p, extend, keep, exact);
  }
  // Extends w[0..level) by smaller vertices to m vertices, keeping the diameter within
  // the threshold, and keeps each resulting simplex that must be reduced.
  void EnumerateSimplices(int* w, int level, int m, float diam, ColumnChunks& out) const {
    if (level == m) {
      index_t idx = IndexOfVertices(w, m);
      if (pivots_.Find(static_cast<uint64_t>(idx)) != PivotMap::kEmpty) return;
      if (ZeroApparentFacet(w, m, diam) >= 0) return;
      if (ZeroApparentCofacet(w, m, diam) >= 0) return;
      out.push_back(Column{diam, idx});
      return;
    }
    // Never taken (m ≤ kMaxVertices, the size of the caller's w): it shows GCC's -O3
    // inlining of the recursion that w[level] stays inside w (-Warray-bounds).
    if (level >= kMaxVertices) return;
    for (int b = w[level - 1] - 1; b >= m - level - 1; --b) {
      float nd = diam;
      for (int q = 0; q < level; ++q) nd = std::max(nd, d_(static_cast<size_t>(w[q]), static_cast<size_t>(b)));
      if (nd > opt_.threshold) continue;
      w[level] = b;
      EnumerateSimplices(w, level + 1, m, nd, out);
    }
  }

  const ReducerOptions opt_;
  // The pivots of the dimension reduced last: pivot simplex → (column, pivot coefficient).
  // A simplex found here is cleared from the next dimension's columns.
  PivotMap pivots_;
};

}  // namespace panic::tda::internal::reducer
