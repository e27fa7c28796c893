// The working coboundary of one column as the reducer sees it (rips_reducer.cpp, internal
// to panic::tda): one cursor per simplex added to the column, each in a heap with only its
// next cofacet, advanced by the scans of cofacet_scan.h, quantized_scan.h and edge_link.h;
// the pivot popped with its coefficients summed; column compaction; duplicate cursors
// cancelled when they are made; a column's frontier read off, and cursors started from
// one. No reduction state beyond one worker's Workspace: the diameter slices
// (rips_slice_cursors.h) and the lock-free reduction (rips_reducer.cpp) derive from it.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <vector>

#include "panic/core/prefetch.h"
#include "panic/tda/rips_columns.h"
#include "panic/tda/rips_reducer_types.h"

namespace panic::tda::internal::reducer {

class RipsCursors : protected RipsColumns {
 protected:
  RipsCursors(const DistanceMatrix& d, const ReducerOptions& o) : RipsColumns(d, o) {}

  // ---- coboundaries -------------------------------------------------------------
  uint32_t SignedCoef(uint32_t coef, int p) const {
    return (p & 1) ? static_cast<uint32_t>((opt_.modulus - coef) % opt_.modulus) : coef;
  }
  uint32_t Mul(uint32_t a, uint32_t b) const { return a * b % opt_.modulus; }

  // The working column's coboundary is a lazy merge: one cursor per simplex added to
  // the column, each in the heap with its next cofacet in filtration order only, found
  // by a vectorised scan when the previous one is popped. A column's pivot is usually
  // among the first few cofacets, so most cofacets are never materialised (ripser
  // pushes them all; on 768-D walk clouds a simplex near the enclosing radius has
  // hundreds of cofacets of its own diameter).
  template <int M>
  bool AdvanceFixed(Workspace& ws, Cursor& c) const {
    const float* r[M];
    for (int q = 0; q < M; ++q) r[q] = d_.row(static_cast<size_t>(c.w[q]));
    if (c.next_queued == c.queued) {
      if (c.spilled > 0) {
        Unspill(ws, c);  // the spilled entries of the last scan, in order
      } else {
        float diam;  // kept in the cursor where it has room (Cursor::Of)
        if constexpr (M < kMaxCursorVertices) {
          diam = c.Diam<M>();
        } else {
          diam = Diameter(c.w, M);
        }
        int linked = -1;  // own-diameter cofacets queued from a link (−1: none looked up)
        if (c.cd == diam) {
          // The next cofacets of the simplex's own diameter: from its longest edge's link
          // (a batch, queued like the scans' below), or the largest v below the current
          // one within the diameter of every vertex (a top-down scan with an early exit).
          if constexpr (M >= 3) linked = LinkCofacetsOf<M>(ws, c, r, diam);
          if (linked < 0) {
            const int v = ScanRows<M>(r, c.w, 0, c.v, diam);
            if (v >= 0) {
              c.v = v;
              return true;
            }
          }
        }
        // Else the next ones past the own diameter, from a new scan. (Every cofacet that
        // scan finds is later than the own-diameter ones: none is left below c.v.)
        if (linked > 0) {
          std::fill(c.queued_cd, c.queued_cd + linked, diam);
          c.queued = static_cast<uint8_t>(linked);
        } else if (qvalues_.empty()) {
          c.queued = static_cast<uint8_t>(NextCofacets<M>(simd_, r, c.w, n_, diam, c.cd, c.v, opt_.threshold,
                                                          kQueuedCofacets, c.queued_cd, c.queued_v));
        } else {
          ScanPastDiameter<M>(ws, c, r, diam);
        }
      }
      c.next_queued = 0;
      if (c.queued == 0) return false;
    }
    c.v = c.queued_v[c.next_queued];
    c.cd = c.queued_cd[c.next_queued++];
    return true;
  }
  // The next cofacets of c after (c.cd, c.v) from a byte-row scan (quantized_scan.h) into
  // its queue, and — with the spill on — those of the scan's exact prefix past the queue
  // into the column's spill. Exact: the scan's entries are the cofacet sequence's next ones
  // in order, all of them, so the queue and then the spill hold its continuation; an entry
  // left out (past `keep`, or with the spill full) is later than all kept ones, and the
  // scan after the last kept one (c.cd, c.v) finds it again. The scan asks for cofacets
  // past c's own diameter only (`past_diameter`): AdvanceFixed comes here once c has passed
  // all of its own diameter's (c.cd > diam, or the link or ScanRows found none below c.v).
  template <int M>
  void ScanPastDiameter(Workspace& ws, Cursor& c, const float* const* r, float diam) const {
    const uint8_t* qr[M];
    for (int q = 0; q < M; ++q) qr[q] = QuantizedRow(c.w[q]);
    const uint8_t *local_rows[M], *local_mins[M];
    const LocalityRows rows_of_w = local_.RowsOf<M>(c.w, local_rows, local_mins);
    const LocalityRows* local = local_.empty() ? nullptr : &rows_of_w;
    int complete_to = -1;  // the scan's last level when it held all of its window's cofacets
    if (!opt_.spill_queued_cofacets) {
      c.queued = static_cast<uint8_t>(NextCofacetsQuantized<M>(
          simd_, quant_, qr, r, c.w, n_, diam, c.cd, c.v, opt_.threshold, kQueuedCofacets, c.queued_cd, c.queued_v,
          ws.window, ws.scratch.data(), 0, c.scan_from, &complete_to, local, true));
      ScanFrom(c, complete_to);
      return;
    }
    const int got = NextCofacetsQuantized<M>(simd_, quant_, qr, r, c.w, n_, diam, c.cd, c.v, opt_.threshold,
                                             kScanKeep, ws.batch_cd, ws.batch_v, ws.window, ws.scratch.data(),
                                             kScanTarget, c.scan_from, &complete_to, local, true);
    const int here = std::min(got, kQueuedCofacets);
    std::copy(ws.batch_cd, ws.batch_cd + here, c.queued_cd);
    std::copy(ws.batch_v, ws.batch_v + here, c.queued_v);
    c.queued = static_cast<uint8_t>(here);
    const int extra = got - here;
    if (extra > 0 && ws.SpillFits(static_cast<size_t>(extra), opt_.spill_entries_base)) {
      c.spill_at = static_cast<uint32_t>(ws.spill.size());
      c.spilled = static_cast<uint8_t>(extra);
      ws.GrowSpill(static_cast<size_t>(extra));
      for (int i = here; i < got; ++i) ws.spill.push_back(QueuedCofacet{ws.batch_cd[i], ws.batch_v[i]});
    } else if (extra > 0) {
      complete_to = -1;  // the scan's entries past the queue are dropped: found again later
    }
    ScanFrom(c, complete_to);
  }
  // Where c's next past-diameter scan starts, after a scan whose result it holds whole up
  // to level complete_to (−1: not whole). Once c has taken that result, every cofacet up to
  // complete_to is behind it, so the next scan collects from the level above, not again
  // from its current cofacet's level (Cursor::scan_from; exact: NextCofacetsQuantized).
  static void ScanFrom(Cursor& c, int complete_to) {
    c.scan_from = complete_to >= 0 && complete_to < 255 ? static_cast<uint8_t>(complete_to + 1) : 0;
  }
  // The queue refilled from c's spilled entries (their order kept).
  static void Unspill(Workspace& ws, Cursor& c) {
    const int k = std::min(static_cast<int>(c.spilled), kQueuedCofacets);
    const QueuedCofacet* from = ws.spill.data() + c.spill_at;
    for (int i = 0; i < k; ++i) {
      c.queued_cd[i] = from[i].cd;
      c.queued_v[i] = from[i].v;
    }
    c.queued = static_cast<uint8_t>(k);
    c.spill_at += static_cast<uint32_t>(k);
    c.spilled = static_cast<uint8_t>(c.spilled - k);
  }
  // Up to kQueuedCofacets own-diameter cofacets of c below c.v, from the link of its
  // longest edge, into c.queued_v; −1 when that link is not cached and the column is too
  // light to build it (a light column pops a cursor's first cofacets only, which a scan
  // from the top finds sooner than a whole link is built).
  template <int M>
  int LinkCofacetsOf(Workspace& ws, Cursor& c, const float* const* r, float diam) const {
    int ea = 0, eb = 1;  // the first edge of c's diameter (one exists)
    bool found = false;
    for (int a = 0; a < M && !found; ++a) {
      for (int b = a + 1; b < M && !found; ++b) {
        if (r[a][c.w[b]] == diam) {
          ea = a;
          eb = b;
          found = true;
        }
      }
    }
    const int64_t key = EdgeIndex(c.w[ea], c.w[eb]);
    EdgeLink* link = ws.links.Find(key);
    if (link == nullptr) {
      if (opt_.link_cursors_at == SIZE_MAX || ws.cursors.size() < opt_.link_cursors_at) return -1;
      link = &BuildLink(ws, key, c.w[ea], c.w[eb], diam);
    }
    if (link->vertices().size() > EdgeLink::kMaxVertices) return -1;
    const uint64_t* rows[M - 2];
    for (int q = 0, k = 0; q < M; ++q) {
      if (q != ea && q != eb) rows[k++] = link->Row(link->Position(c.w[q]), r[q]);
    }
    return LinkCofacets(link->vertices(), rows, M - 2, c.v, kQueuedCofacets, c.queued_v);
  }
  bool Advance(Workspace& ws, Cursor& c, int m) const {
    switch (m) {
      case 2: return AdvanceFixed<2>(ws, c);
      case 3: return AdvanceFixed<3>(ws, c);
      default: return AdvanceFixed<4>(ws, c);
    }
  }
  // The heap entry of the current cofacet of cursor k: w ∪ {v} with p vertices of w above
  // v has index Σ_{q<p} C(w_q, m + 1 − q) + C(v, m + 1 − p) + Σ_{q≥p} C(w_q, m − q).
  template <int M>
  HeapItem CursorItemFixed(const Cursor& c, uint32_t k) const {
    index_t idx = 0;
    int p = 0;
    for (int q = 0; q < M; ++q) {
      const bool above = c.w[q] > c.v;
      idx += B(c.w[q], above ? M + 1 - q : M - q);
      p += above;
    }
    idx += B(c.v, M + 1 - p);
    return HeapItem{c.cd, k, MakeEntry(idx, SignedCoef(c.coef, p))};
  }
  HeapItem CursorItem(const Workspace& ws, uint32_t k, int m) const {
    const Cursor& c = ws.cursors[k];
    switch (m) {
      case 2: return CursorItemFixed<2>(c, k);
      case 3: return CursorItemFixed<3>(c, k);
      default: return CursorItemFixed<4>(c, k);
    }
  }
  // Pushes the current cofacet of cursor k onto the heap.
  void PushCursor(Workspace& ws, uint32_t k, int m) const { ws.heap.push(CursorItem(ws, k, m)); }
  // Adds coef · δ(simplex) to the working coboundary.
  void PushCoboundary(Workspace& ws, index_t idx, uint32_t coef, int m, const DiamEntry* from = nullptr) const {
    int w[kMaxVertices];
    Vertices(idx, m, w);
    PushCoboundaryOf(ws, w, coef, m, -1, from);
  }
  // The same for the simplex of vertices w[0..m), descending (no index to decode); with
  // past ≥ 0, its cofacets after w ∪ {past} only (which must be its earliest cofacet);
  // with `from`, its cofacets at or after `from` in filtration order only (a seek).
  void PushCoboundaryOf(Workspace& ws, const int* w, uint32_t coef, int m, int past = -1,
                        const DiamEntry* from = nullptr) const {
    index_t key = 0;
    if (ws.by_cursor.active()) {
      key = IndexOfVertices(w, m);
      if ((past >= 0 || from != nullptr) && CancelsLiveCursor(ws, w, m, past >= 0 ? nullptr : from, key)) return;
    }
    const float diam = Diameter(w, m);
    Cursor c = Cursor::Of(w, m, diam, coef);
    c.cd = diam;
    c.v = past < 0 ? n_ : past;
    if (from != nullptr && from->diam >= c.cd) {
      // The cofacets w ∪ {v} of diameter from->diam at or after `from` are those of index
      // ≤ its index (ties: the larger index first), i.e. v ≤ LastVertexUpTo(…): the cursor
      // stands just before them, as if it had consumed every cofacet earlier than `from`.
      c.cd = from->diam;
      c.v = LastVertexUpTo(c.w, m, IndexOf(from->entry)) + 1;
    }
    if (!Advance(ws, c, m)) return;
    ws.cursors.push_back(c);
    const auto k = static_cast<uint32_t>(ws.cursors.size() - 1);
    PushCursor(ws, k, m);
    if (ws.by_cursor.active()) IndexCursor(ws, k, key, m);
  }
  // Whether the live cursor c of the simplex w[0..m) stands at the cofacet w ∪ {v}, with
  // a coefficient to cancel. A cursor that is neither exhausted (kExhaustedCd) nor parked
  // in a slice (v = 0, cd the slice's diameter: RipsSliceCursors) stands at a cofacet
  // w ∪ {c.v} with c.cd its diameter, so equal vertices mean equal places and no distance
  // is read; at v = 0 the diameters are compared.
  bool StandsAt(const Cursor& c, const int* w, int m, int v) const {
    if (c.coef == 0 || c.v != v || c.cd == kExhaustedCd) return false;
    return v != 0 || c.cd == CofacetDiameter(w, m, Diameter(w, m), v);
  }
  // A cursor of the simplex w[0..m) (descending) standing at its cofacet w ∪ {v}, as a
  // frontier snapshot recorded it (the cofacet's diameter from the distances, no scan):
  // pushed, or cancelled against a live cursor of w standing at that same cofacet (the
  // same stream from there on; nearly always so, both having consumed exactly their
  // cofacets up to the pivot, but not in a slice, nor with a slice's frontier added: see
  // Compact). One index lookup serves the cancellation and the insertion, and it comes
  // first: a cancelled entry reads no distance (StandsAt; sphere N = 5 000, 2 threads:
  // 3.4 M of the 11.0 M entries pushed here were cancelled). `key` is w's index.
  void PushCursorAt(Workspace& ws, const int* w, index_t key, uint32_t coef, int m, int v) const {
    const bool indexed = ws.by_cursor.active();
    std::optional<CursorIndex::Ref> slot;  // w's slot in the index: looked up once
    if (indexed) {
      slot = CursorSlot(ws, w, key, m);
      const uint32_t live = slot->cursor();
      if (live != CursorIndex::kEmpty && StandsAt(ws.cursors[live], w, m, v)) {
        ws.cursors[live].coef = 0;
        ++ws.dead;
        return;
      }
    }
    float cd = Diameter(w, m);
    Cursor c = Cursor::Of(w, m, cd, coef);
    c.cd = CofacetDiameter(w, m, cd, v);
    c.v = v;
    ws.cursors.push_back(c);
    const auto k = static_cast<uint32_t>(ws.cursors.size() - 1);
    PushCursor(ws, k, m);
    if (!indexed) return;
    if (ws.by_cursor.Fits(1)) {
      ws.by_cursor.Put(*slot, k);
    } else {
      RebuildCursorIndex(ws, m);  // k is in the heap: indexed there
    }
  }
  // The column's frontier right after its pivot (Snapshot::kFrontier): its live cursors'
  // simplices, sorted by index, with their summed coefficients (zero sums dropped) into
  // `v` and the vertices of the cofacets they stand at into `at`; the heap's items without
  // a cursor are appended to `loose` (not sorted). Cursors of one simplex are summed where
  // they stand at the same cofacet, and listed apart where not (ForEachPlace; the index
  // repeats, and each stands where it stood).
  // REQUIRES: no cursor parked (RipsSliceCursors::SliceFrontier unparks them first).
  void FrontierOf(Workspace& ws, int m, std::vector<entry_t>& v, std::vector<int32_t>& at,
                  std::vector<entry_t>& loose) const {
    v.clear();
    at.clear();
    // At most one entry a heap item: reserved once, not doubled as they come (a monster
    // publishes 10⁶–10⁷ of them on top of its largest scratch).
    v.reserve(ws.heap.size());
    at.reserve(ws.heap.size());
    ForEachPlace(ws, m, [&](index_t index, uint32_t k, uint32_t coef) {
      if (coef == 0) return;
      v.push_back(MakeEntry(index, coef));
      at.push_back(ws.cursors[k].v);
    });
    Workspace::ClearAndTrim(ws.by_simplex);  // not held beside the snapshot being coded
    for (const HeapItem& h : ws.loose_items) loose.push_back(h.entry);
  }
  // The heap's live cursors summed by simplex and place: f(index, k, coef) once for each
  // simplex (ascending) and each cofacet its cursors stand at, k the first cursor there,
  // coef their summed coefficient (maybe 0); the heap's items without a cursor go into
  // ws.loose_items. Cursors of one simplex nearly always stand at the same cofacet (both
  // have consumed exactly their cofacets up to the pivot), but not once a slice's frontier
  // was added (AddFrontier, loose entries): its cursors stand past the slice's diameter,
  // their entries there given as loose items, while another cursor of the simplex may
  // still stand at one of them. v names the cofacet within a simplex; a group holds a few
  // cursors, so the places are matched pairwise.
  template <typename F>
  void ForEachPlace(Workspace& ws, int m, F f) const {
    ws.by_simplex.clear();
    ws.by_simplex.reserve(ws.heap.size());  // one allocation (released after a compaction)
    ws.loose_items.clear();
    ws.heap.ForEachPart([&](const HeapItem* items, size_t n) {
      for (size_t i = 0; i < n; ++i) {
        if (i + kCursorsAhead < n) PrefetchCursorOf(ws, items[i + kCursorsAhead]);
        const HeapItem& h = items[i];
        if (h.cursor == kNoCursor) {
          ws.loose_items.push_back(h);
        } else if (ws.cursors[h.cursor].coef != 0) {
          ws.by_simplex.push_back(KeyedCursor{IndexOfVertices(ws.cursors[h.cursor].w, m), h.cursor});
        }
      }
    });
    std::sort(ws.by_simplex.begin(), ws.by_simplex.end());
    for (size_t i = 0; i < ws.by_simplex.size();) {
      size_t j = i;
      while (j < ws.by_simplex.size() && ws.by_simplex[j].first == ws.by_simplex[i].first) ++j;
      for (size_t a = i; a < j; ++a) {
        const int place = ws.cursors[ws.by_simplex[a].second].v;
        bool seen = false;
        for (size_t b = i; b < a && !seen; ++b) seen = ws.cursors[ws.by_simplex[b].second].v == place;
        if (seen) continue;
        uint32_t coef = 0;
        for (size_t b = a; b < j; ++b) {
          const Cursor& c = ws.cursors[ws.by_simplex[b].second];
          if (c.v == place) coef = (coef + c.coef) % opt_.modulus;
        }
        f(ws.by_simplex[i].first, ws.by_simplex[a].second, coef);
      }
      i = j;
    }
  }
  // ---- eager cancellation of duplicate cursors (Z/2, heavy columns) ---------------
  // A heavy column adds many simplices that it already holds (an added column's V meets
  // the working one's; stop 33, sphere N = 10 000: a compaction found 44 % of a tail
  // column's 1.3 M cursors to be such pairs), and each new cursor begins with a scan of
  // its own. Right after a pivot p is found every cursor has consumed exactly its cofacets
  // up to p (Compact's invariant); a new cursor of a simplex σ that seeks to p stands at
  // σ's first cofacet at or after p, the live one at its first cofacet after p — the same
  // place unless p itself is a cofacet of σ (σ a facet of p). In a diameter slice of edge
  // {x, y} (rips_slice.h) the live cursors stand past the slice's diameter d, and σ has a
  // cofacet of diameter d only if it has x or y. An elimination's facet σ' starts right
  // after p, its earliest cofacet, where a live cursor of σ' stands too. Two cursors of
  // one simplex at one place have the same remaining stream; over Z/2 they cancel: the
  // live one dies (coefficient 0: its heap item is dropped when met, PopTop, PopPivot,
  // DrainSlice, Compact) and the new one is never made — no scan, no pops. (An exhausted
  // cursor "killed" this way loses nothing: the new one's stream would be empty too.)
  // seek: the pivot an addition's simplex seeks to; nullptr: an elimination's facet.
  // Not once the column holds a slice's frontier (Workspace::holds_loose): its cursors
  // stand past the slice's diameter, their entries there given as loose items.
  bool CancelsLiveCursor(Workspace& ws, const int* w, int m, const DiamEntry* seek, index_t key) const {
    if (ws.holds_loose) return false;
    if (seek == nullptr) {
      if (ws.slice.active) return false;
    } else if (ws.slice.active) {
      if (StandsApartInSlice(ws, w, m)) return false;
    } else if (const int* p = PivotVertices(ws, *seek, m); std::includes(p, p + m + 1, w, w + m, std::greater<int>())) {
      return false;  // a facet of the pivot: the new cursor starts at the pivot itself
    }
    const uint32_t k = CursorSlot(ws, w, key, m).cursor();
    if (k == CursorIndex::kEmpty || ws.cursors[k].coef == 0) return false;
    if (ws.cursors[k].cd != kExhaustedCd) ++ws.dead;  // an exhausted one was counted then
    ws.cursors[k].coef = 0;
    return true;
  }
  // Whether a cursor of w seeking to the slice's current pivot may stand elsewhere than a
  // live one of w: in a slice of edge {x, y}, when w has x or y (the live one stands past
  // the slice's diameter, the new one maybe at a cofacet of that diameter).
  static bool StandsApartInSlice(const Workspace& ws, const int* w, int m) {
    if (!ws.slice.active) return false;
    for (int q = 0; q < m; ++q) {
      if (w[q] == ws.slice.x || w[q] == ws.slice.y) return true;
    }
    return false;
  }
  // The vertices of the pivot an addition seeks to, decoded once for all its simplices.
  const int* PivotVertices(Workspace& ws, const DiamEntry& pivot, int m) const {
    if (ws.seek_pivot_index != IndexOf(pivot.entry)) {
      ws.seek_pivot_index = IndexOf(pivot.entry);
      Vertices(ws.seek_pivot_index, m + 1, ws.seek_pivot);
    }
    return ws.seek_pivot;
  }
  // The index's slot of the simplex w (index `key`): its cursor's, or the empty one.
  static CursorIndex::Ref CursorSlot(Workspace& ws, const int* w, index_t key, int m) {
    // m ≤ 4 vertices: compared in a loop (std::equal became a call to memcmp, 2.4 % of the
    // N = 10 000 tail's samples).
    return ws.by_cursor.Slot(static_cast<uint64_t>(key), [&](uint32_t k) {
      const int* u = ws.cursors[k].w;
      for (int q = 0; q < m; ++q) {
        if (u[q] != w[q]) return false;
      }
      return true;
    });
  }
  // Records cursor k (of the simplex with index `key`) in the index, rebuilt from the
  // heap's live cursors when it would be more than three quarters full.
  void IndexCursor(Workspace& ws, uint32_t k, index_t key, int m) const {
    if (!ws.by_cursor.Fits(1)) {
      RebuildCursorIndex(ws, m);  // k is in the heap: indexed there
      return;
    }
    ws.by_cursor.Put(CursorSlot(ws, ws.cursors[k].w, key, m), k);
  }
  // The heap's cursors are read in heap order, at random in a heavy column's 10⁸ bytes of
  // cursors, and so are their slots: both are asked for ahead (the cursor first, its slot
  // once the cursor is near).
  void RebuildCursorIndex(Workspace& ws, int m) const {
    ws.by_cursor.Reset(ws.heap.size());
    ws.heap.ForEachPart([&](const HeapItem* items, size_t n) {
      for (size_t i = 0; i < n; ++i) {
        if (i + 2 * kCursorsAhead < n) PrefetchCursorOf(ws, items[i + 2 * kCursorsAhead]);
        if (i + kCursorsAhead < n && items[i + kCursorsAhead].cursor != kNoCursor) {
          const Cursor& ahead = ws.cursors[items[i + kCursorsAhead].cursor];
          ws.by_cursor.Prefetch(static_cast<uint64_t>(IndexOfVertices(ahead.w, m)));
        }
        const HeapItem& h = items[i];
        if (h.cursor == kNoCursor) continue;
        const Cursor& c = ws.cursors[h.cursor];
        if (c.coef == 0) continue;
        ws.by_cursor.Put(CursorSlot(ws, c.w, IndexOfVertices(c.w, m), m), h.cursor);
      }
    });
  }
  // Asks for the cursor of heap item h (if any), ahead of its turn in a pass over the heap.
  static constexpr size_t kCursorsAhead = 8;
  static void PrefetchCursorOf(const Workspace& ws, const HeapItem& h) {
    if (h.cursor != kNoCursor) PrefetchCursor(ws.cursors[h.cursor]);
  }
  // A heap item's coefficient: 0 for a cancelled cursor's (its item stays until met).
  static uint32_t LiveCoef(const Workspace& ws, const HeapItem& h) {
    return h.cursor != kNoCursor && ws.cursors[h.cursor].coef == 0 ? 0 : CoefOf(h.entry);
  }
  // The largest vertex v not in w[0..m) (descending) whose cofacet w ∪ {v} has an index
  // ≤ bound, or −1. With k vertices of w above v the index is
  // Σ_{q<k} C(w_q, m + 1 − q) + C(v, m + 1 − k) + Σ_{q≥k} C(w_q, m − q): it grows with v
  // inside each gap between w's vertices and from gap to gap, so the top gap whose lowest
  // vertex passes holds the answer, found there by bisection.
  int LastVertexUpTo(const int* w, int m, index_t bound) const {
    for (int k = 0; k <= m; ++k) {
      const int hi = k == 0 ? n_ - 1 : w[k - 1] - 1;
      const int lo = k == m ? 0 : w[k] + 1;
      if (lo > hi) continue;
      index_t base = 0;
      for (int q = 0; q < m; ++q) base += B(w[q], q < k ? m + 1 - q : m - q);
      auto index_at = [&](int v) { return base + B(v, m + 1 - k); };
      if (index_at(lo) > bound) continue;
      int a = lo, b = hi;  // index_at(a) ≤ bound; the answer is in [a, b]
      while (a < b) {
        const int mid = a + (b - a + 1) / 2;
        if (index_at(mid) <= bound) {
          a = mid;
        } else {
          b = mid - 1;
        }
      }
      return a;
    }
    return -1;
  }
  // Removes the heap's top; its cursor, if any, moves on to its next cofacet.
  // In a heavy column the next top's cursor and those of the root's children, one of which
  // tops the heap after that, are asked for at once (a quarter of GetPivot's samples in
  // the N = 10 000 tail were the top cursor's read).
  void PopTop(Workspace& ws, int m) const {
    uint32_t k = ws.heap.front().cursor;
    if (k != kNoCursor && ws.cursors[k].coef != 0) {
      if (Advance(ws, ws.cursors[k], m)) {
        ws.heap.replace_top(CursorItem(ws, k, m));
      } else {
        ws.heap.pop();
        MarkExhausted(ws, ws.cursors[k]);
      }
    } else {
      ws.heap.pop();
    }
    if (ws.heap.size() >= kPrefetchTopsAt) {
      size_t n;
      const HeapItem* top = ws.heap.top_items(n);
      for (size_t i = 0; i < std::min<size_t>(n, 5); ++i) PrefetchCursorOf(ws, top[i]);
    }
  }
  static constexpr size_t kPrefetchTopsAt = 4096;
  // A cursor with no cofacet left (out of the heap for good): dead, and marked so.
  static void MarkExhausted(Workspace& ws, Cursor& c) {
    c.cd = kExhaustedCd;
    ++ws.dead;
  }
  // Removes and returns the earliest entry with a non-zero summed coefficient; false
  // when the coboundary is zero. The held pivot (Workspace::held) is merged with the heap.
  bool PopPivot(Workspace& ws, DiamEntry& out, int m) const {
    for (;;) {
      HeapItem pivot;
      if (ws.held && (ws.heap.empty() || !HeapBefore(ws.heap.front(), ws.held_item))) {
        pivot = ws.held_item;
        ws.held = false;
      } else if (!ws.heap.empty()) {
        pivot = ws.heap.front();
        PopTop(ws, m);
      } else {
        return false;
      }
      const index_t idx = IndexOf(pivot.entry);
      uint32_t coef = LiveCoef(ws, pivot);
      for (;;) {
        if (ws.held && IndexOf(ws.held_item.entry) == idx) {
          coef = (coef + CoefOf(ws.held_item.entry)) % opt_.modulus;
          ws.held = false;
        } else if (!ws.heap.empty() && IndexOf(ws.heap.front().entry) == idx) {
          coef = (coef + LiveCoef(ws, ws.heap.front())) % opt_.modulus;
          PopTop(ws, m);
        } else {
          break;
        }
      }
      if (coef != 0) {
        out = DiamEntry{pivot.diam, MakeEntry(idx, coef)};
        return true;
      }
    }
  }
  // The link of edge {a, b} (of length d, index key) built into the worker's cache: on the
  // byte rows where they exist and AVX2 or AVX-512 runs, else on the float rows.
  EdgeLink& BuildLink(Workspace& ws, int64_t key, int a, int b, float d) const {
    const float* ra = d_.row(static_cast<size_t>(a));
    const float* rb = d_.row(static_cast<size_t>(b));
    if (!qvalues_.empty() && simd_ != SimdLevel::kScalar) {
      return ws.links.BuildQuantized(simd_, key, QuantizedRow(a), QuantizedRow(b), ra, rb, a, b, n_, d, quant_(d));
    }
    return ws.links.Build(simd_, key, ra, rb, a, b, n_, d);
  }
  // Column compaction. A heavy column (10⁵ cursors and more on the unit-sphere walk) adds
  // many simplices twice — an apparent-pair elimination and an added column's V meet —
  // and both cursors then pop every cofacet up to the final pivot, cancelling each other.
  // Right after GetPivot every cursor has consumed exactly its cofacets up to the pivot
  // (all entries before it summed to zero, the pivot's own entries were all popped, and
  // each cursor's stream is in filtration order), so two cursors of one simplex stand at
  // the same cofacet (but see ForEachPlace): they merge into one with the summed
  // coefficient, or vanish when that is zero. The heap then holds one item per remaining
  // cursor (the pivot is held beside it). V, when listed (Workspace::keeps_v), is summed
  // too: the same chain, fewer entries.
  void Compact(Workspace& ws, int m) const {
    // The first cursor of each simplex and place keeps the summed coefficient (0: dropped
    // with the others and the exhausted cursors); the kept ones move down in place, in
    // order. Items without a cursor (a frontier's loose entries, AddFrontier) stay as they are.
    ws.keep.assign(ws.cursors.size(), 0);
    ForEachPlace(ws, m, [&](index_t, uint32_t k, uint32_t coef) { ws.keep[k] = static_cast<uint8_t>(coef); });
    size_t kept = 0;
    for (size_t k = 0; k < ws.cursors.size(); ++k) {
      if (ws.keep[k] == 0) continue;
      ws.cursors[kept] = ws.cursors[k];
      ws.cursors[kept++].coef = ws.keep[k];
    }
    ws.cursors.resize(kept);
    Workspace::ClearAndTrim(ws.keep);
    // A merged cursor keeps its own queue and spill: the simplex's cofacets after the one
    // it stands at, like those of the cursors merged into it.
    PackSpill(ws);
    ws.heap.clear();
    for (uint32_t k = 0; k < kept; ++k) ws.heap.push(CursorItem(ws, k, m));
    for (const HeapItem& h : ws.loose_items) ws.heap.push(h);
    if (ws.keeps_v) {
      Summed(ws.working, ws.summed);
      ws.working.swap(ws.summed);
    }
    ws.dead = 0;
    const bool cancels = opt_.modulus == 2 && opt_.cancel_duplicate_cursors;
    if (cancels) RebuildCursorIndex(ws, m);
    // From now on most duplicates die when they are made, so a compaction finds little to
    // merge while the column's heap grows by live cursors (sphere N = 7 000: 77 % of the
    // heap kept at the doubling trigger), and each re-sorted them. So the dead cursors are
    // swept out (Sweep) once there are a quarter as many as live ones kept now (SweepAt), and
    // the next merge waits for a kGrowthBeforeCompaction-fold heap, which bounds the
    // duplicates no cancellation catches (a slice's eliminations, a pivot's facets). Not
    // in a column holding a slice's loose entries: no cancellation runs there
    // (Workspace::CompactionDue).
    ws.compact_at = std::max(opt_.compact_cursors_at, 2 * ws.heap.size());
    if (cancels && opt_.compact_on_garbage) {
      ws.compact_dead_at = SweepAt(ws.heap.size());
      ws.compact_grown_at = std::max(opt_.compact_cursors_at, kGrowthBeforeCompaction * ws.heap.size());
    }
  }
  static constexpr size_t kGrowthBeforeCompaction = 4;
  // The dead cursors that trigger a sweep, `live` kept: a quarter as many, so that the
  // store holds at most 1.25 times the live cursors (as many until stop 38: twice; sphere
  // N = 10 000, 2 threads: peak 6.20 GB, at half 5.91, at a quarter 5.71 with the smaller
  // snapshot headers, against 5.85 at half with them; N = 7 000, alternating, no slower).
  size_t SweepAt(size_t live) const { return std::max(opt_.compact_cursors_at, live / 4); }
  // The store's cursors' spilled entries, packed in place (the dropped cursors' and the
  // consumed ones go): the live segments in the order of their offsets, each moved down.
  static void PackSpill(Workspace& ws) {
    if (!ws.spill.empty()) {
      ws.by_simplex.clear();  // reused: (offset, cursor) of each live segment
      ws.by_simplex.reserve(ws.cursors.size());
      for (size_t k = 0; k < ws.cursors.size(); ++k) {
        if (ws.cursors[k].spilled > 0) {
          ws.by_simplex.push_back(KeyedCursor{ws.cursors[k].spill_at, static_cast<uint32_t>(k)});
        }
      }
      std::sort(ws.by_simplex.begin(), ws.by_simplex.end());
      size_t at = 0;
      for (const KeyedCursor e : ws.by_simplex) {
        const index_t offset = e.first;
        Cursor& c = ws.cursors[e.second];
        if (static_cast<size_t>(offset) != at) {  // at < offset: a forward copy is safe
          std::copy(ws.spill.begin() + offset, ws.spill.begin() + offset + c.spilled, ws.spill.begin() + at);
        }
        c.spill_at = static_cast<uint32_t>(at);
        at += c.spilled;
      }
      ws.spill.resize(at);
    }
    // Compaction's lists are released, not kept for the next one (12 + 4 + 1 bytes a
    // cursor: a tenth of a monster's scratch, held while the other worker's monster peaks;
    // sphere N = 7 000, the heaviest column: cursors 141 MB, these 48).
    Workspace::ClearAndTrim(ws.by_simplex);
  }
  // Compaction without the merge, when a column's garbage triggers it (ReducerOptions::
  // compact_on_garbage): the dead cursors (cancelled, coefficient 0, or exhausted,
  // kExhaustedCd) go from the store and their items from the heap; the live ones move down
  // in place, renumbered. No sort and no cofacet recomputed (each heap item keeps its
  // entry), the index renumbered in place rather than rebuilt: passes over the store, the
  // heap and the index, where Compact's sort of the live cursors by simplex was a quarter
  // of the N = 10 000 tail's compaction samples. Duplicates that escaped the cancellation
  // stay; Compact, on the growth trigger, merges them. Same precondition as Compact: no
  // cursor parked, so every live cursor has its one heap item.
  void Sweep(Workspace& ws) const {
    constexpr uint32_t kDropped = CursorIndex::kEmpty;
    ws.renumbered.resize(ws.cursors.size());
    uint32_t kept = 0;
    for (size_t k = 0; k < ws.cursors.size(); ++k) {
      const Cursor& c = ws.cursors[k];
      if (c.coef == 0 || c.cd == kExhaustedCd) {
        ws.renumbered[k] = kDropped;
        continue;
      }
      if (kept != k) ws.cursors[kept] = c;
      ws.renumbered[k] = kept++;
    }
    ws.cursors.resize(kept);
    ws.heap.Filter([&](HeapItem& h) {
      if (h.cursor == kNoCursor) return true;
      if (ws.renumbered[h.cursor] == kDropped) return false;
      h.cursor = ws.renumbered[h.cursor];
      return true;
    });
    PackSpill(ws);
    ws.by_cursor.Renumber(ws.renumbered);
    Workspace::ClearAndTrim(ws.renumbered);
    ws.dead = 0;
    ws.compact_dead_at = SweepAt(ws.heap.size());
  }
  // `working` with equal simplices summed (zero sums dropped), sorted by index, into `out`.
  void Summed(std::vector<entry_t>& working, std::vector<entry_t>& out) const {
    out.clear();
    std::sort(working.begin(), working.end(), [](entry_t a, entry_t b) { return IndexOf(a) < IndexOf(b); });
    for (size_t k = 0; k < working.size();) {
      index_t idx = IndexOf(working[k]);
      uint32_t c = 0;
      for (; k < working.size() && IndexOf(working[k]) == idx; ++k) {
        c = (c + CoefOf(working[k])) % opt_.modulus;
      }
      if (c != 0) out.push_back(MakeEntry(idx, c));
    }
  }
};

}  // namespace panic::tda::internal::reducer
