// A column's first step in the Vietoris–Rips reduction (rips_reducer.cpp, internal to
// panic::tda): the emergent-pair test — the cofacet candidate's cofacet τ, claimed by no
// column and in no apparent pair, is the column's pivot — for one column as it starts, or
// for a batch of columns ahead, their random reads overlapped (item 7d of docs/TDA.md);
// and the first pivot that follows from it. The lock-free reduction derives from it.
#pragma once

#include <cstddef>
#include <cstdint>

#include "panic/tda/pivot_map.h"
#include "panic/tda/rips_reducer_types.h"
#include "panic/tda/rips_slice_cursors.h"
#include "panic/tda/rips_snapshots.h"

namespace panic::tda::internal::reducer {

class RipsFirstSteps : protected RipsSliceCursors {
 protected:
  RipsFirstSteps(const DistanceMatrix& d, const ReducerOptions& o) : RipsSliceCursors(d, o) {}

  // The lock-free reduction's pivot table: pivot simplex → its owner's published state.
  using PivotTable = ConcurrentPivotMap<Published>;
  // A column's first step, found ahead (ProbeBatch): its simplex and diameter; the edge of
  // its diameter and 1 + that edge's candidate (edge_end; 0: none);
  // its cofacet candidate (−1: none), the cofacet τ (vertices t, index `cofacet`, `above`
  // of σ's vertices above the candidate); and whether τ was unclaimed and in no apparent
  // pair then (free: τ is σ's emergent pivot).
  struct EmergentProbe {
    Column column;
    int w[kMaxVertices], t[kMaxVertices];
    int64_t edge = 0;
    int edge_end = 0, candidate = -1, above = 0;
    index_t cofacet = 0;
    bool free = false;
  };

  // ---- a batch of columns' first steps, their random reads overlapped ---------------
  // Most columns of a dimension end at their first step: their earliest cofacet τ (the
  // cofacet candidate's) is claimed by no column and in no apparent pair, so it is their
  // pivot (InitCoboundaryAndGetPivot). That step is a chain of reads at random places far
  // larger than the cache — the column's distances, its edge's candidate, the rows of the
  // candidate scan, the pivot table's slot, the rows of τ's apparent-facet scan — and one
  // column after another each waited on memory (sphere N = 10 000: 56 M columns, 110 s of
  // two workers before the heavy columns). For a batch of columns each stage's reads are
  // asked for at once, then used.
  static constexpr size_t kMaxProbeBatch = 64;
  template <typename ColumnOf>
  void ProbeBatch(const ColumnList& columns, size_t begin, size_t end, ColumnOf column_of, int m,
                  const PivotTable& table, EmergentProbe* probes) const {
    const size_t count = end - begin;
    for (size_t i = 0; i < count; ++i) {  // the columns' simplices, and their distances asked for
      EmergentProbe& p = probes[i];
      p.column.index = columns[column_of(begin + i)];
      p.free = false;
      Vertices(p.column.index, m, p.w);
      PrefetchDiameter(p.w, m);
    }
    for (size_t i = 0; i < count; ++i) {  // diameters; their edge's candidate asked for
      EmergentProbe& p = probes[i];
      p.column.diam = Diameter(p.w, m);
      p.edge = DiameterEdge(p.w, m, p.column.diam);
      PrefetchEdgeCandidate(p.edge);
    }
    for (size_t i = 0; i < count; ++i) {  // the candidate scan's first rows asked for
      EmergentProbe& p = probes[i];
      p.edge_end = EdgeCandidate(p.edge);
      if (m > 2 && p.edge_end > 0) PrefetchCandidateScan(p.w, m, p.edge_end);
    }
    for (size_t i = 0; i < count; ++i) {  // the candidates; their cofacets' slots asked for
      EmergentProbe& p = probes[i];
      p.candidate = CofacetCandidateBelow(p.w, m, p.column.diam, p.edge_end);
      if (p.candidate < 0) continue;
      p.above = CofacetVertices(p.w, m, p.candidate, p.t);
      p.cofacet = IndexOfVertices(p.t, m + 1);
      table.Prefetch(static_cast<uint64_t>(p.cofacet));
      // τ's apparent-facet scan reads the candidate's row where σ's scan began.
      if (m > 2) PrefetchCandidateScan(&p.candidate, 1, p.edge_end);
    }
    for (size_t i = 0; i < count; ++i) {  // claimed, or in an apparent pair
      EmergentProbe& p = probes[i];
      if (p.candidate < 0) continue;
      p.free = EmergentFree(table, p.cofacet, p.t, m, p.column.diam);
    }
  }
  // A probed column's first pivot: its emergent one (heap_built false) when the probe found
  // it free, else from δσ in the heap, as InitCoboundaryAndGetPivot. δσ's cursor starts at
  // the candidate's cofacet, its first one (the largest vertex that keeps σ's diameter:
  // ties of diameter go by the larger index first), which the probe found; PushCoboundary
  // would scan for it again from vertex n − 1 down.
  bool ProbedPivot(Workspace& ws, const EmergentProbe& p, int m, DiamEntry& pivot, bool& heap_built) const {
    heap_built = true;
    if (p.candidate < 0) {
      PushCoboundary(ws, p.column.index, 1, m);
      return GetPivot(ws, pivot, m);
    }
    if (p.free) {
      pivot = EmergentPivot(p.column.diam, p.cofacet, p.above);
      heap_built = false;
      return true;
    }
    Cursor c = Cursor::Of(p.w, m, p.column.diam, 1);
    c.cd = p.column.diam;
    c.v = p.candidate;
    ws.cursors.push_back(c);  // the column's first cursor: the duplicate index is not in use yet
    PushCursor(ws, static_cast<uint32_t>(ws.cursors.size() - 1), m);
    return GetPivot(ws, pivot, m);
  }
  // Starts column σ: returns its emergent pivot at once when there is one (its earliest
  // cofacet, when no column in `owners` has claimed it; heap_built false: nothing is in
  // the heap yet), else fills the heap with δσ and returns its pivot. False when δσ is empty.
  bool InitCoboundaryAndGetPivot(Workspace& ws, const Column& column, int m, DiamEntry& pivot,
                                 const PivotTable& owners, bool& heap_built) const {
    int w[kMaxVertices];
    Vertices(column.index, m, w);
    // The earliest cofacet is the one of the largest vertex that keeps the diameter (the
    // cofacet candidate): if no column has claimed it and it is in no apparent pair, it
    // is this column's pivot and nothing needs adding.
    int v = CofacetCandidate(w, m, column.diam);
    if (v >= 0) {
      int t[kMaxVertices];
      const int p = CofacetVertices(w, m, v, t);  // the vertices of σ above v
      index_t ci = IndexOfVertices(t, m + 1);
      if (EmergentFree(owners, ci, t, m, column.diam)) {
        pivot = EmergentPivot(column.diam, ci, p);
        heap_built = false;
        return true;
      }
    }
    heap_built = true;
    PushCoboundary(ws, column.index, 1, m);
    return GetPivot(ws, pivot, m);
  }
  // σ's emergent pivot τ = `cofacet` (σ's diameter; `above`: σ's vertices above the one τ
  // adds, which give its coefficient in δσ).
  DiamEntry EmergentPivot(float diam, index_t cofacet, int above) const {
    return DiamEntry{diam, MakeEntry(cofacet, SignedCoef(1, above))};
  }
  // Whether σ's candidate cofacet τ (index `cofacet`, vertices t, of σ's diameter) is its
  // emergent pivot: claimed by no column in `owners` and in no apparent pair.
  bool EmergentFree(const PivotTable& owners, index_t cofacet, const int* t, int m, float diam) const {
    return owners.Find(static_cast<uint64_t>(cofacet)) == PivotTable::kNone && ZeroApparentFacet(t, m + 1, diam) < 0;
  }
};

}  // namespace panic::tda::internal::reducer
