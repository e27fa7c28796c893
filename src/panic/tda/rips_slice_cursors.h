// A column's pivots as the reducer reads them (rips_reducer.cpp, internal to panic::tda):
// from the heap of rips_cursors.h, or — in a heavy column over Z/2 on rank keys — from a
// diameter's slice held as bit rows over its edge's link graph (rips_slice.h, item 6d of
// docs/TDA.md), with the slice's eliminations and its parked cursors.
#pragma once

#include <algorithm>
#include <functional>
#include <vector>

#include "panic/tda/edge_link.h"
#include "panic/tda/rips_cursors.h"
#include "panic/tda/rips_reducer_types.h"
#include "panic/tda/rips_slice.h"

namespace panic::tda::internal::reducer {

class RipsSliceCursors : protected RipsCursors {
 protected:
  RipsSliceCursors(const DistanceMatrix& d, const ReducerOptions& o) : RipsCursors(d, o) {}

  // The pivot stays in the column, held beside the heap rather than pushed back into it:
  // an apparent-pair elimination, the commonest next step, cancels it at once
  // (ReduceChain), which then costs no heap push and pop at all.
  // In a diameter slice (rips_slice.h) the pivot comes from the slice's rows, and stays
  // there (nothing is held), until the slice is empty.
  // Compaction runs when a pivot comes from the heap, before a slice is entered (a
  // slice's parked cursors are in no heap item, which Compact reads).
  bool GetPivot(Workspace& ws, DiamEntry& out, int m) const {
    if (ws.slice.active && SlicePivot(ws, out, m)) return true;
    if (!PopPivot(ws, out, m)) return false;
    if (ws.holds_loose && out.diam > ws.loose_diam) ws.holds_loose = false;  // every loose entry consumed
    switch (ws.CompactionDue()) {
      case Workspace::Compaction::kNone: break;
      case Workspace::Compaction::kSweep: Sweep(ws); break;
      case Workspace::Compaction::kMerge: Compact(ws, m); break;
    }
    if (!EnterSlice(ws, out, m) || !SlicePivot(ws, out, m)) {
      ws.held = true;
      ws.held_item = HeapItem{out.diam, kNoCursor, out.entry};
    }
    return true;
  }

  // ---- a diameter's slice in bulk (rips_slice.h) ---------------------------------
  // Z/2, dimension 2 (m = 3: triangle columns), distinct lengths, a column of at least
  // slice_cursors_at cursors, added columns seeked to their pivot (their cofacets before it
  // then never reach the heap, so everything left before the slice's diameter is consumed).
  // Invariants while a slice of diameter d is active:
  // - the column's entries of diameter d, summed, are the rows' pairs (the heap's entries
  //   of diameter d are moved there by DrainSlice before every pivot is read), nothing is
  //   held, and every entry earlier than the slice's pivot has been consumed;
  // - a cursor that has given all its entries of diameter d to the rows is parked (in
  //   no heap item, v = 0: its next cofacet is past d) until the slice ends, when it is
  //   advanced and pushed; compaction waits until then (it rebuilds from the heap);
  // - V (ws.working, when listed: Workspace::keeps_v) is what the eliminations and additions
  //   added, as on the heap path.
  // Enters the slice of `pivot` (just popped and summed, coefficient 1) when eligible;
  // false leaves everything as it was.
  bool EnterSlice(Workspace& ws, const DiamEntry& pivot, int m) const {
    if (m != 3 || opt_.modulus != 2 || !opt_.distinct_lengths || !opt_.seek_added_columns ||
        ws.cursors.size() < opt_.slice_cursors_at) {
      return false;
    }
    int t[kMaxVertices];
    Vertices(IndexOf(pivot.entry), 4, t);
    int ex = -1, ey = -1;  // the edge of length d (the only one: distinct lengths)
    for (int a = 0; a < 4 && ex < 0; ++a) {
      for (int b = a + 1; b < 4; ++b) {
        if (d_(static_cast<size_t>(t[a]), static_cast<size_t>(t[b])) == pivot.diam) {
          ex = t[a];
          ey = t[b];
          break;
        }
      }
    }
    DiameterSlice& s = ws.slice;
    s.diam = pivot.diam;
    s.x = ex;
    s.y = ey;
    const EdgeLink& link = SliceLink(ws);
    if (link.vertices().size() > DiameterSlice::kMaxVertices) return false;
    s.rows.Reset(static_cast<int>(link.vertices().size()));
    TogglePairOf(s, link, t);
    s.parked.clear();
    s.active = true;
    ws.held = false;
    return true;
  }
  // The link of the slice's edge from the worker's cache (its rows stay filled from column
  // to column), built again if another edge's link took its slot meanwhile (the same
  // vertices, so the rows' positions stay valid).
  EdgeLink& SliceLink(Workspace& ws) const {
    const DiameterSlice& s = ws.slice;
    const int64_t key = EdgeIndex(s.x, s.y);
    if (EdgeLink* link = ws.links.Find(key)) return *link;
    return BuildLink(ws, key, s.x, s.y, s.diam);
  }
  // Moves the cursors parked in the slice past its diameter, into the heap (when it ends).
  void UnparkSlice(Workspace& ws, int m) const {
    for (uint32_t k : ws.slice.parked) {
      if (Advance(ws, ws.cursors[k], m)) {
        PushCursor(ws, k, m);
      } else {
        MarkExhausted(ws, ws.cursors[k]);
      }
    }
    ws.slice.parked.clear();
  }
  // Whether the triangle w holds both ends of the slice's edge. A cursor standing at a
  // cofacet of the slice's diameter d does exactly when its triangle has diameter d: its
  // diameter is at most d, at least d(x, y) = d when it holds x and y, and (distinct
  // lengths, EnterSlice) it has an edge of length d only when that edge is {x, y}.
  static bool HoldsSliceEdge(const int* w, const DiameterSlice& s) {
    int held = 0;
    for (int q = 0; q < 3; ++q) held += (w[q] == s.x) + (w[q] == s.y);
    return held == 2;
  }
  // Moves the heap's entries of the slice's diameter into its rows: a cursor of a triangle
  // {x, y, c} (of diameter d) gives all its cofacets of diameter d still to come at once
  // (the star of c at and below its current vertex) and moves past d; any other cursor has
  // one cofacet of diameter d (its simplex has x or y and lacks the other) and advances.
  void DrainSlice(Workspace& ws, int m) const {
    DiameterSlice& s = ws.slice;
    if (ws.heap.empty() || ws.heap.front().diam != s.diam) return;
    EdgeLink& link = SliceLink(ws);
    while (!ws.heap.empty() && ws.heap.front().diam == s.diam) {
      const uint32_t k = ws.heap.front().cursor;
      if (k == kNoCursor) {  // a frontier's loose entry {x, y, a, b}
        TogglePairOf(ws, IndexOf(ws.heap.front().entry));
        ws.heap.pop();
        continue;
      }
      Cursor& c = ws.cursors[k];
      if (c.coef == 0) {  // cancelled
        ws.heap.pop();
      } else if (HoldsSliceEdge(c.w, s)) {  // of diameter d (it stands at a cofacet of diameter d)
        const int u = c.w[0] != s.x && c.w[0] != s.y ? c.w[0] : c.w[1] != s.x && c.w[1] != s.y ? c.w[1] : c.w[2];
        const int i = link.Position(u);
        const int limit = link.Position(c.v) + 1;  // c.v: its current cofacet's vertex
        s.rows.ToggleStar(i, link.Row(i, d_.row(static_cast<size_t>(u))), limit);
        c.v = 0;  // every cofacet of diameter d consumed: its next scan looks past d
        c.queued = c.next_queued = 0;
        c.scan_from = 0;  // (no past-diameter scan yet: it stood at its own diameter)
        ws.heap.pop();
        s.parked.push_back(k);
      } else {
        const int t[4] = {c.w[0], c.w[1], c.w[2], c.v};  // its cofacet of diameter d
        TogglePairOf(s, link, t);
        PopTop(ws, m);
      }
    }
  }
  // The slice's pivot after a drain, or false (and the slice ends) when it is empty: then
  // nothing of its diameter is left in the column.
  bool SlicePivot(Workspace& ws, DiamEntry& out, int m) const {
    DrainSlice(ws, m);
    DiameterSlice& s = ws.slice;
    int a, b;
    if (!s.rows.Pivot(a, b)) {
      s.active = false;
      UnparkSlice(ws, m);
      return false;
    }
    const std::vector<int>& link = SliceLink(ws).vertices();
    int t[4] = {s.x, s.y, link[static_cast<size_t>(a)], link[static_cast<size_t>(b)]};
    std::sort(t, t + 4, std::greater<int>());
    out = DiamEntry{s.diam, MakeEntry(IndexOfVertices(t, 4), 1)};
    return true;
  }
  // Toggles the tetrahedron t = {x, y, a, b} (of the slice's diameter; any vertex order)
  // in the rows: the pair {a, b} of link positions.
  static void TogglePairOf(DiameterSlice& s, const EdgeLink& link, const int* t) {
    int other[2], k = 0;
    for (int q = 0; q < 4; ++q) {
      if (t[q] != s.x && t[q] != s.y) other[k++] = t[q];
    }
    s.rows.Toggle(link.Position(other[0]), link.Position(other[1]));
  }
  // The same for the tetrahedron `index`: an added frontier's loose entry, or its pivot
  // (which the frontier cancels).
  void TogglePairOf(Workspace& ws, index_t index) const {
    int t[kMaxVertices];
    Vertices(index, 4, t);
    TogglePairOf(ws.slice, SliceLink(ws), t);
  }
  // Readies a column whose pivot came from its slice for FrontierOf: its parked cursors
  // go past the slice's diameter into the heap (as when the slice ends; the slice stays
  // valid without them), and the rows' entries other than the pivot, which no cursor
  // stands for, into `loose`.
  void SliceFrontier(Workspace& ws, const DiamEntry& pivot, int m, std::vector<entry_t>& loose) const {
    UnparkSlice(ws, m);
    DiameterSlice& s = ws.slice;
    const std::vector<int>& link = SliceLink(ws).vertices();
    loose.clear();
    s.rows.ForEachPair([&](int a, int b) {
      int t[4] = {s.x, s.y, link[static_cast<size_t>(a)], link[static_cast<size_t>(b)]};
      std::sort(t, t + 4, std::greater<int>());
      const index_t index = IndexOfVertices(t, 4);
      if (index != IndexOf(pivot.entry)) loose.push_back(MakeEntry(index, 1));
    });
  }
  // ZeroApparentFacet of the slice's pivot t (descending) from the link graph: its first
  // facet of diameter d drops the larger vertex a off the edge, and the pair is apparent
  // when a is the top neighbour of the smaller one, b.
  int SliceApparentFacet(Workspace& ws, const int* t) const {
    DiameterSlice& s = ws.slice;
    int ja = -1, b = -1;
    for (int q = 0; q < 4; ++q) {
      if (t[q] == s.x || t[q] == s.y) continue;
      if (ja < 0) {
        ja = q;
      } else {
        b = t[q];
      }
    }
    EdgeLink& link = SliceLink(ws);
    const int ib = link.Position(b);
    const int top = TopBit(link.Row(ib, d_.row(static_cast<size_t>(b))), (s.rows.size() + 63) / 64);
    return top == link.Position(t[ja]) ? ja : -1;
  }
  // Adds the triangle f = {x, y, c} (an apparent pivot's facet) to a column in its slice:
  // its cofacets of diameter d are the star of c (which clears the pivot), its later ones
  // a cursor started past d.
  void SliceEliminate(Workspace& ws, const int* f, int m) const {
    DiameterSlice& s = ws.slice;
    const int c = f[0] != s.x && f[0] != s.y ? f[0] : f[1] != s.x && f[1] != s.y ? f[1] : f[2];
    EdgeLink& link = SliceLink(ws);
    const int i = link.Position(c);
    s.rows.ToggleStar(i, link.Row(i, d_.row(static_cast<size_t>(c))), s.rows.size());
    // Its cursor waits, parked, until the slice ends (v = 0: every cofacet of diameter d
    // consumed; a column that ends inside the slice never scans past d for it).
    Cursor cur = Cursor::Of(f, m, s.diam, 1);  // f holds x and y: its diameter is d
    cur.cd = s.diam;
    cur.v = 0;
    s.parked.push_back(static_cast<uint32_t>(ws.cursors.size()));
    ws.cursors.push_back(cur);
  }
};

}  // namespace panic::tda::internal::reducer
