#include "panic/tda/rips_reducer.h"

#include <algorithm>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <limits>
#include <memory>
#include <mutex>
#include <numeric>
#include <random>
#include <vector>

#include "panic/core/parallel.h"
#include "panic/tda/rips_columns.h"
#include "panic/tda/pivot_map.h"
#include "panic/tda/rips_reducer_types.h"
#include "panic/tda/triangle_scan.h"

namespace panic::tda::internal {
namespace {

using namespace reducer;  // rips_reducer_types.h

class RipsReducer : private RipsColumns {
 public:
  RipsReducer(const DistanceMatrix& d, const ReducerOptions& o) : RipsColumns(d, o), inverse_(o.modulus) {
    // Inverses modulo p by Fermat: a^(p−2).
    for (int a = 1; a < o.modulus; ++a) {
      uint64_t r = 1, b = static_cast<uint64_t>(a);
      for (int e = o.modulus - 2; e > 0; e >>= 1, b = b * b % o.modulus) {
        if (e & 1) r = r * b % o.modulus;
      }
      inverse_[a] = static_cast<uint32_t>(r);
    }
    diagram_.dimensions.resize(static_cast<size_t>(o.maxdim) + 1);
  }

  // The columns of dimension `dim`, the lower dimensions reduced first (for clearing).
  std::vector<Column> ColumnsOf(int dim) {
    std::vector<Column> columns = ComputeDim0Pairs(diagram_.dimensions[0]);
    for (int k = 1; k < dim; ++k) {
      ComputePairs(columns, k);
      columns = AssembleColumns(k + 1);
    }
    return columns;
  }

  // The pairs (column simplex, pivot simplex) of dimension `dim`, sorted.
  std::vector<std::pair<int64_t, int64_t>> PairsOf(int dim) {
    std::vector<std::pair<int64_t, int64_t>> pairs;
    pairs_out_ = &pairs;
    pairs_dim_ = dim;
    std::vector<Column> columns = ColumnsOf(dim);
    ComputePairs(columns, dim);
    std::sort(pairs.begin(), pairs.end());
    return pairs;
  }

  // The whole reduction, recording its inline owners' pivot coefficients (InlineOwnerCoefs).
  std::vector<std::pair<uint32_t, uint32_t>> InlineCoefs() {
    std::vector<std::pair<uint32_t, uint32_t>> out;
    inline_coefs_out_ = &out;
    Run();
    return out;
  }

  Diagram Run() {
    std::vector<Column> columns = ComputeDim0Pairs(diagram_.dimensions[0]);
    for (int dim = 1; dim <= opt_.maxdim; ++dim) {
      ComputePairs(columns, dim);
      if (dim < opt_.maxdim) columns = AssembleColumns(dim + 1);
    }
    SortBars(diagram_);
    return std::move(diagram_);
  }

 private:
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
    if (c.next_queued == c.queued && c.spilled == 0 && c.cd == c.diam) {
      // The next cofacets of the simplex's own diameter: from its longest edge's link
      // (a batch, queued like the scans' below), or the largest v below the current one
      // within the diameter of every vertex (a top-down scan with an early exit).
      int got = -1;
      if constexpr (M >= 3) got = LinkCofacetsOf<M>(ws, c, r);
      if (got > 0) {
        for (int i = 0; i < got; ++i) c.queued_cd[i] = c.diam;
        c.queued = static_cast<uint8_t>(got);
        c.next_queued = 0;
      } else if (got < 0) {
        int v = ScanRows<M>(r, c.w, 0, c.v, c.diam);
        if (v >= 0) {
          c.v = v;
          return true;
        }
      }
    }
    // The queued cofacets (of the simplex's own diameter from a link, or past it from the
    // last scan), then the spilled ones of that scan, then a new scan past the own
    // diameter. (Every cofacet that scan finds is later than the own-diameter ones: none
    // is left below c.v.)
    if (c.next_queued == c.queued) {
      if (c.spilled > 0) {
        Unspill(ws, c);
      } else if (qvalues_.empty()) {
        c.queued = static_cast<uint8_t>(NextCofacets<M>(simd_, r, c.w, n_, c.diam, c.cd, c.v, opt_.threshold,
                                                        kQueuedCofacets, c.queued_cd, c.queued_v));
      } else {
        ScanPastDiameter<M>(ws, c, r);
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
  // scan after the last kept one (c.cd, c.v) finds it again.
  template <int M>
  void ScanPastDiameter(Workspace& ws, Cursor& c, const float* const* r) const {
    const uint8_t* qr[M];
    for (int q = 0; q < M; ++q) qr[q] = QuantizedRow(c.w[q]);
    if (!opt_.spill_queued_cofacets) {
      c.queued = static_cast<uint8_t>(NextCofacetsQuantized<M>(simd_, quant_, qr, r, c.w, n_, c.diam, c.cd, c.v,
                                                               opt_.threshold, kQueuedCofacets, c.queued_cd,
                                                               c.queued_v, ws.window, ws.scratch.data()));
      return;
    }
    const int got = NextCofacetsQuantized<M>(simd_, quant_, qr, r, c.w, n_, c.diam, c.cd, c.v, opt_.threshold,
                                             kScanKeep, ws.batch_cd, ws.batch_v, ws.window, ws.scratch.data(),
                                             kQueuedCofacets);
    const int here = std::min(got, kQueuedCofacets);
    std::copy(ws.batch_cd, ws.batch_cd + here, c.queued_cd);
    std::copy(ws.batch_v, ws.batch_v + here, c.queued_v);
    c.queued = static_cast<uint8_t>(here);
    const int extra = got - here;
    if (extra > 0 && ws.SpillFits(static_cast<size_t>(extra), opt_.spill_entries_base)) {
      c.spill_at = static_cast<uint32_t>(ws.spill.size());
      c.spilled = static_cast<uint8_t>(extra);
      for (int i = here; i < got; ++i) ws.spill.push_back(QueuedCofacet{ws.batch_cd[i], ws.batch_v[i]});
    }
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
  int LinkCofacetsOf(Workspace& ws, Cursor& c, const float* const* r) const {
    int ea = 0, eb = 1;  // the first edge of c's diameter (one exists)
    bool found = false;
    for (int a = 0; a < M && !found; ++a) {
      for (int b = a + 1; b < M && !found; ++b) {
        if (r[a][c.w[b]] == c.diam) {
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
      link = &BuildLink(ws, key, c.w[ea], c.w[eb], c.diam);
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
  void PushCursor(Workspace& ws, uint32_t k, int m) const { HeapPush(ws.heap, CursorItem(ws, k, m)); }
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
      if ((past >= 0 || (from != nullptr && ws.seeking_pivot)) && CancelsLiveCursor(ws, w, m, past >= 0, key)) return;
    }
    Cursor c;
    std::copy(w, w + m, c.w);
    c.diam = Diameter(c.w, m);
    c.coef = static_cast<uint8_t>(coef);
    c.cd = c.diam;
    c.v = past < 0 ? n_ : past;
    if (from != nullptr && from->diam >= c.diam) {
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
  bool CancelsLiveCursor(Workspace& ws, const int* w, int m, bool after_apparent_pivot, index_t key) const {
    if (after_apparent_pivot) {
      if (ws.slice.active) return false;
    } else if (ws.slice.active) {
      for (int q = 0; q < m; ++q) {
        if (w[q] == ws.slice.x || w[q] == ws.slice.y) return false;
      }
    } else if (std::includes(ws.seek_pivot, ws.seek_pivot + m + 1, w, w + m, std::greater<int>())) {
      return false;  // a facet of the pivot: the new cursor starts at the pivot itself
    }
    uint32_t& slot = ws.by_cursor.Slot(static_cast<uint64_t>(key), [&](uint32_t k) {
      return std::equal(w, w + m, ws.cursors[k].w);
    });
    if (slot == CursorIndex::kEmpty || ws.cursors[slot].coef == 0) return false;
    ws.cursors[slot].coef = 0;
    return true;
  }
  // Records cursor k (of the simplex with index `key`) in the index, rebuilt from the
  // heap's live cursors when it would be more than half full.
  void IndexCursor(Workspace& ws, uint32_t k, index_t key, int m) const {
    if (!ws.by_cursor.Fits(1)) {
      RebuildCursorIndex(ws, m);  // k is in the heap: indexed there
      return;
    }
    const int* w = ws.cursors[k].w;
    uint32_t& slot = ws.by_cursor.Slot(static_cast<uint64_t>(key), [&](uint32_t j) {
      return std::equal(w, w + m, ws.cursors[j].w);
    });
    if (slot == CursorIndex::kEmpty) ws.by_cursor.Inserted();
    slot = k;
  }
  void RebuildCursorIndex(Workspace& ws, int m) const {
    ws.by_cursor.Reset(ws.heap.size());
    for (const HeapItem& h : ws.heap) {
      const Cursor& c = ws.cursors[h.cursor];
      if (c.coef == 0) continue;
      uint32_t& slot = ws.by_cursor.Slot(static_cast<uint64_t>(IndexOfVertices(c.w, m)), [&](uint32_t j) {
        return std::equal(c.w, c.w + m, ws.cursors[j].w);
      });
      if (slot == CursorIndex::kEmpty) ws.by_cursor.Inserted();
      slot = h.cursor;
    }
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
  void PopTop(Workspace& ws, int m) const {
    uint32_t k = ws.heap.front().cursor;
    if (k != kNoCursor && ws.cursors[k].coef != 0 && Advance(ws, ws.cursors[k], m)) {
      HeapReplaceTop(ws.heap, CursorItem(ws, k, m));
    } else {
      HeapPop(ws.heap);
    }
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
    if (ws.heap.size() >= ws.compact_at) Compact(ws, m);
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
  // - V (ws.working) is what the eliminations and additions added, as on the heap path.
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
    int other[2], k = 0;
    for (int q = 0; q < 4; ++q) {
      if (t[q] != ex && t[q] != ey) other[k++] = t[q];
    }
    s.rows.Toggle(link.Position(other[0]), link.Position(other[1]));
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
  // The link of edge {a, b} (of length d, index key) built into the worker's cache: on the
  // byte rows where they exist and AVX-512 runs, else on the float rows.
  EdgeLink& BuildLink(Workspace& ws, int64_t key, int a, int b, float d) const {
    const float* ra = d_.row(static_cast<size_t>(a));
    const float* rb = d_.row(static_cast<size_t>(b));
    if (!qvalues_.empty() && simd_ == SimdLevel::kAvx512) {
      return ws.links.BuildQuantized(key, QuantizedRow(a), QuantizedRow(b), ra, rb, a, b, n_, d, quant_(d));
    }
    return ws.links.Build(simd_, key, ra, rb, a, b, n_, d);
  }
  // Moves the cursors parked in the slice past its diameter, into the heap (when it ends).
  void UnparkSlice(Workspace& ws, int m) const {
    for (uint32_t k : ws.slice.parked) {
      if (Advance(ws, ws.cursors[k], m)) PushCursor(ws, k, m);
    }
    ws.slice.parked.clear();
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
      Cursor& c = ws.cursors[k];
      if (c.coef == 0) {  // cancelled
        HeapPop(ws.heap);
      } else if (c.diam == s.diam) {
        const int u = c.w[0] != s.x && c.w[0] != s.y ? c.w[0] : c.w[1] != s.x && c.w[1] != s.y ? c.w[1] : c.w[2];
        const int i = link.Position(u);
        const int limit = link.Position(c.v) + 1;  // c.v: its current cofacet's vertex
        s.rows.ToggleStar(i, link.Row(i, d_.row(static_cast<size_t>(u))), limit);
        c.v = 0;  // every cofacet of diameter d consumed: its next scan looks past d
        c.queued = c.next_queued = 0;
        HeapPop(ws.heap);
        s.parked.push_back(k);
      } else {
        const int t[4] = {c.w[0], c.w[1], c.w[2], c.v};  // its cofacet of diameter d
        int other[2], q = 0;
        for (int p = 0; p < 4; ++p) {
          if (t[p] != s.x && t[p] != s.y) other[q++] = t[p];
        }
        s.rows.Toggle(link.Position(other[0]), link.Position(other[1]));
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
    Cursor cur;
    std::copy(f, f + m, cur.w);
    cur.diam = cur.cd = s.diam;
    cur.coef = 1;
    cur.v = 0;
    s.parked.push_back(static_cast<uint32_t>(ws.cursors.size()));
    ws.cursors.push_back(cur);
  }
  // Column compaction. A heavy column (10⁵ cursors and more on the unit-sphere walk) adds
  // many simplices twice — an apparent-pair elimination and an added column's V meet —
  // and both cursors then pop every cofacet up to the final pivot, cancelling each other.
  // Right after GetPivot every cursor has consumed exactly its cofacets up to the pivot
  // (all entries before it summed to zero, the pivot's own entries were all popped, and
  // each cursor's stream is in filtration order), so two cursors of one simplex stand at
  // the same cofacet: they merge into one with the summed coefficient, or vanish when that
  // is zero. The heap then holds one item per remaining cursor (the pivot is held beside
  // it). The working chain is summed too: the same chain, fewer entries.
  void Compact(Workspace& ws, int m) const {
    ws.by_simplex.clear();
    for (const HeapItem& h : ws.heap) {
      if (ws.cursors[h.cursor].coef != 0) ws.by_simplex.emplace_back(IndexOfVertices(ws.cursors[h.cursor].w, m), h.cursor);
    }
    std::sort(ws.by_simplex.begin(), ws.by_simplex.end());
    // The first cursor of each simplex keeps the summed coefficient (0: dropped with the
    // others and the exhausted cursors); the kept ones move down in place, in order.
    ws.keep.assign(ws.cursors.size(), 0);
    for (size_t i = 0; i < ws.by_simplex.size();) {
      uint32_t coef = 0;
      size_t j = i;
      for (; j < ws.by_simplex.size() && ws.by_simplex[j].first == ws.by_simplex[i].first; ++j) {
        coef = (coef + ws.cursors[ws.by_simplex[j].second].coef) % opt_.modulus;
      }
      ws.keep[ws.by_simplex[i].second] = static_cast<uint8_t>(coef);
      i = j;
    }
    size_t kept = 0;
    for (size_t k = 0; k < ws.cursors.size(); ++k) {
      if (ws.keep[k] == 0) continue;
      ws.cursors[kept] = ws.cursors[k];
      ws.cursors[kept++].coef = ws.keep[k];
    }
    ws.cursors.resize(kept);
    // The kept cursors' spilled entries, packed in place (the dropped cursors' and the
    // consumed ones go): the live segments in the order of their offsets, each moved down.
    // A merged cursor keeps its own queue and spill: the simplex's cofacets after the one
    // it stands at, like those of the cursors merged into it.
    if (!ws.spill.empty()) {
      ws.by_simplex.clear();  // reused: (offset, cursor) of each live segment
      for (size_t k = 0; k < kept; ++k) {
        if (ws.cursors[k].spilled > 0) ws.by_simplex.emplace_back(ws.cursors[k].spill_at, static_cast<uint32_t>(k));
      }
      std::sort(ws.by_simplex.begin(), ws.by_simplex.end());
      size_t at = 0;
      for (const auto& [offset, k] : ws.by_simplex) {
        Cursor& c = ws.cursors[k];
        if (static_cast<size_t>(offset) != at) {  // at < offset: a forward copy is safe
          std::copy(ws.spill.begin() + offset, ws.spill.begin() + offset + c.spilled, ws.spill.begin() + at);
        }
        c.spill_at = static_cast<uint32_t>(at);
        at += c.spilled;
      }
      ws.spill.resize(at);
    }
    ws.heap.clear();
    for (uint32_t k = 0; k < kept; ++k) ws.heap.push_back(CursorItem(ws, k, m));
    HeapMake(ws.heap);
    Summed(ws.working, ws.summed);
    ws.working.swap(ws.summed);
    ws.compact_at = std::max(opt_.compact_cursors_at, 2 * ws.heap.size());
    if (opt_.modulus == 2 && opt_.cancel_duplicate_cursors) RebuildCursorIndex(ws, m);
  }


  // ---- the lock-free reduction --------------------------------------------------
  // Morozov & Nigmetov ("Towards lockfree persistent homology", SPAA 2020), as giotto-ph
  // does it for ripser's implicit coboundaries, written anew. Workers take columns from a
  // shared counter (in reduction order, so neighbours run at the same time) and reduce
  // them against whatever is published in the pivot table:
  // - a pivot owned by an earlier column k: add k's published σ_k + V_k (any version of it
  //   is σ_k plus columns before k, so a valid left-to-right step) and go on;
  // - a pivot in an apparent pair (σ', pivot): add δσ' (that column is never stored);
  // - a free pivot: publish the column (its V summed, in the worker's arena) and insert it;
  // - a pivot owned by a later column k: publish, take the slot from k by compare-and-swap,
  //   and reduce k further from its published state (the CAS succeeds for one thread only,
  //   so k has one reducer at a time).
  // A failed insertion or CAS means another worker changed that pivot's slot: look again.
  // At the end every column is reduced (its pivot unique) or zero, so the pairs are those
  // of the serial reduction: unique, whatever the interleaving and the thread count.
  using PivotTable = ConcurrentPivotMap<Published>;

  // Reduces column `first` and, when it takes a pivot from a later column, that column,
  // and so on, until one ends owning a free pivot or zero.
  // Returns early, with the work unfinished, when the snapshots' directory is full
  // (ComputePairs then redoes the dimension).
  void ReduceChain(const std::vector<Column>& columns, size_t first, int m, PivotTable& table,
                   const SnapshotDirectory& directory, SnapshotArena& arena, Workspace& ws) const {
    size_t cur = first;
    Published resume;  // the published state of a column taken back
    uint64_t resume_key = 0;  // its pivot (the table's key it was taken at)
    for (;;) {
      const Column& column = columns[cur];
      DiamEntry pivot;
      bool has_pivot = false, heap_built = true;
      ws.Clear();
      ws.slice.active = false;
      ws.compact_at = opt_.compact_cursors_at == 0 ? std::numeric_limits<size_t>::max() : opt_.compact_cursors_at;
      if (!resume) {
        has_pivot = InitCoboundaryAndGetPivot(ws, column, m, pivot, table, heap_built);
      } else {
        // σ + V again (its coboundary is implicit); its pivot is the published one. (Taken
        // columns are few — at N = 1 500 on the unit-sphere walk with 2 threads 4–12 of
        // 131 548, nearly always the next column, light ones — so their heaps are not kept:
        // keeping the heavy ones' cost 40+ MiB and was never used.)
        // Its coboundary is zero before the published pivot, so every cursor starts there.
        directory.DecodeV(resume, ws.working);
        const uint32_t resume_coef = PivotCoefOf(directory, resume, column, resume_key, m);
        const DiamEntry from{directory.PivotDiam(resume, column.diam),
                             MakeEntry(static_cast<index_t>(resume_key), resume_coef)};
        const DiamEntry* seek = opt_.seek_added_columns ? &from : nullptr;
        PushCoboundary(ws, column.index, 1, m, seek);
        for (size_t q = 0, e = ws.working.size(); q < e; ++q) {
          PushCoboundary(ws, IndexOf(ws.working[q]), CoefOf(ws.working[q]), m, seek);
        }
        has_pivot = GetPivot(ws, pivot, m);
      }
      // Before the first addition, an emergent pivot's column gets its heap: δσ, whose
      // pivot is the same one.
      auto need_heap = [&] {
        if (heap_built) return;
        PushCoboundary(ws, column.index, 1, m);
        GetPivot(ws, pivot, m);
        heap_built = true;
      };
      Published mine;  // this column's state, once published (reset by any change)
      Published taken;
      // An emergent pivot was found free and in no apparent pair a moment ago: try to
      // insert it before anything else (most columns of the walk family end here).
      if (has_pivot && !heap_built) {
        mine = Publish(arena, cur, column, pivot, ws, m);
        if (!mine) return;  // the directory is full
        if (table.Insert(static_cast<uint64_t>(IndexOf(pivot.entry)), mine).second) return;
      }
      while (has_pivot) {
        const uint64_t key = static_cast<uint64_t>(IndexOf(pivot.entry));
        // A pivot in an apparent pair is never in the table (that pair's column is never
        // reduced, and no column publishes an apparent pivot), so in a heavy column, where
        // most pivots are apparent, the apparent test goes first and spares the table's
        // cache miss; a light column looks the pivot up first (its test scans rows).
        int t[kMaxVertices];
        int j = -1;
        const bool apparent_first = ws.cursors.size() >= opt_.apparent_first_cursors_at;
        if (apparent_first) {
          Vertices(IndexOf(pivot.entry), m + 1, t);
          j = ws.slice.active ? SliceApparentFacet(ws, t) : ZeroApparentFacet(t, m + 1, pivot.diam);
        }
        const size_t slot = j >= 0 ? PivotTable::kNone : table.Find(key);
        if (slot != PivotTable::kNone) {
          const Published owner = table.Owner(slot);
          const uint32_t owner_column = directory.Column(owner);
          if (owner_column < cur) {
            need_heap();
            const uint32_t coef = PivotCoefOf(directory, owner, columns[owner_column], key, m);
            const uint32_t factor = (opt_.modulus - Mul(CoefOf(pivot.entry), inverse_[coef])) % opt_.modulus;
            directory.DecodeV(owner, ws.added);
            const entry_t* v = ws.added.data();
            AddReduced(ws, columns[owner_column].index, v, v + ws.added.size(), factor, m,
                       opt_.seek_added_columns ? &pivot : nullptr);
            has_pivot = GetPivot(ws, pivot, m);
            mine = {};
            continue;
          }
          // A later column holds the pivot: take it; that column is reduced further next.
          if (!mine) mine = Publish(arena, cur, column, pivot, ws, m);
          if (!mine) return;
          if (table.Replace(slot, owner, mine)) {
            taken = owner;
            resume_key = key;
            break;
          }
          continue;  // the slot changed meanwhile: look again
        }
        if (!apparent_first) {
          Vertices(IndexOf(pivot.entry), m + 1, t);
          j = ws.slice.active ? SliceApparentFacet(ws, t) : ZeroApparentFacet(t, m + 1, pivot.diam);
        }
        if (j >= 0) {
          // [δσ' : pivot] = (−1)^j.
          need_heap();
          int f[kMaxVertices];
          for (int q = 0, k = 0; q <= m; ++q) {
            if (q != j) f[k++] = t[q];
          }
          const uint32_t s = SignedCoef(1, j);
          const uint32_t factor = (opt_.modulus - Mul(CoefOf(pivot.entry), s)) % opt_.modulus;
          const index_t fi = IndexOfVertices(f, m);
          ws.working.push_back(MakeEntry(fi, factor));
          if (ws.slice.active) {
            SliceEliminate(ws, f, m);
          } else {
            // δσ' begins with the pivot (σ''s earliest cofacet: an apparent pair), which
            // cancels the held pivot: both are dropped, σ''s cursor starts after it.
            ws.held = false;
            PushCoboundaryOf(ws, f, factor, m, t[j]);
          }
          has_pivot = GetPivot(ws, pivot, m);
          mine = {};
          continue;
        }
        if (!mine) mine = Publish(arena, cur, column, pivot, ws, m);
        if (!mine) return;
        if (table.Insert(key, mine).second) break;
        // Another worker inserted this pivot meanwhile: look again.
      }
      if (!taken) return;  // reduced (or zero) with nothing taken back
      cur = directory.Column(taken);
      resume = taken;
    }
  }
  // Publishes the working column `cur` (V summed and sorted) with its pivot; Published{}
  // when the snapshots' directory is full.
  Published Publish(SnapshotArena& arena, size_t cur, const Column& column, const DiamEntry& pivot, Workspace& ws,
                    int m) const {
    Summed(ws.working, ws.summed);  // reorders ws.working, which stays the same chain
    const Published p = arena.Publish(static_cast<uint32_t>(cur), column.diam, pivot, ws.summed);
    if (inline_coefs_out_ != nullptr && p.is_inline()) {  // tests only
      const uint32_t recomputed = InlinePivotCoef(column.index, static_cast<uint64_t>(IndexOf(pivot.entry)), m);
      const std::lock_guard<std::mutex> lock(inline_coefs_mutex_);
      inline_coefs_out_->emplace_back(CoefOf(pivot.entry), recomputed);
    }
    return p;
  }
  // The coefficient of the pivot `key` in the column `column` owning it as `owner`.
  uint32_t PivotCoefOf(const SnapshotDirectory& directory, Published owner, const Column& column, uint64_t key,
                       int m) const {
    return owner.is_inline() ? InlinePivotCoef(column.index, key, m) : directory.Get(owner)->pivot_coef();
  }
  // The coefficient of the cofacet τ = `key` in δσ, σ = `sigma` (m vertices): (−1)^p, p
  // the vertices of σ above the one τ adds. An inline owner's column is δσ (V empty), so
  // this is its pivot's coefficient, which is therefore not stored (Published).
  uint32_t InlinePivotCoef(index_t sigma, uint64_t key, int m) const {
    if (opt_.modulus == 2) return 1;
    int w[kMaxVertices], t[kMaxVertices];
    Vertices(sigma, m, w);
    Vertices(static_cast<index_t>(key), m + 1, t);
    int p = 0;
    while (p < m && t[p] == w[p]) ++p;
    return SignedCoef(1, p);
  }

  // Reduces the coboundary matrix of dimension `dim` and records its bars; leaves the
  // pivots in pivots_ for the clearing of dimension dim + 1 (none after the last).
  void ComputePairs(const std::vector<Column>& columns, int dim) {
    const int m = dim + 1;
    Bars& bars = diagram_.dimensions[static_cast<size_t>(dim)];
    const size_t workers = std::min(static_cast<size_t>(std::max(opt_.threads, 1)), std::max<size_t>(columns.size(), 1));
    std::vector<Workspace> spaces(workers);
    if (opt_.quantized_scans && qvalues_.empty()) QuantizeDistances(opt_.threads);
    for (Workspace& ws : spaces) ws.scratch.resize(static_cast<size_t>(n_));
    // Tests only: the columns in a shuffled order, so that one worker takes pivots from
    // later columns too.
    std::vector<uint32_t> order;
    if (opt_.shuffle_columns != 0) {
      order.resize(columns.size());
      std::iota(order.begin(), order.end(), 0u);
      std::shuffle(order.begin(), order.end(), std::mt19937_64(opt_.shuffle_columns));
    }
    // The table's owners are 32-bit (Published): the snapshots' handles address 16 GiB of
    // them at first (SnapshotDirectory). Should a dimension publish more, its work is
    // dropped and done again with units twice as large; the failed try's table and
    // snapshots are freed first.
    std::unique_ptr<SnapshotDirectory> directory;
    std::unique_ptr<PivotTable> table;
    std::vector<SnapshotArena> arenas;
    for (int unit_shift = 0; !directory || directory->full(); ++unit_shift) {
      arenas.clear();
      table.reset();
      directory.reset();
      directory = unit_shift == 0
                      ? std::make_unique<SnapshotDirectory>(0, opt_.snapshot_block_shift, opt_.snapshot_blocks)
                      : std::make_unique<SnapshotDirectory>(unit_shift);
      table = std::make_unique<PivotTable>(columns.size());
      for (size_t w = 0; w < workers; ++w) arenas.emplace_back(directory.get());
      // ParallelFor with a grain of 1 is the shared column counter: each worker takes the
      // next column when it is done with its chain.
      ParallelFor(columns.size(), 1, opt_.threads, [&](size_t begin, size_t end, int worker) {
        const size_t w = static_cast<size_t>(worker);
        for (size_t i = begin; i < end && !directory->full(); ++i) {
          ReduceChain(columns, order.empty() ? i : order[i], m, *table, *directory, arenas[w], spaces[w]);
        }
      });
    }
    // The workers' scratch (a heavy column's cursors: 10⁸ bytes and more at N = 10 000)
    // goes before the pairs are read, so that their bits come on top of less.
    std::vector<Workspace>().swap(spaces);
    // The pairs: every pivot with its final owner; columns owning none are essential.
    // The pivots are kept (pivots_) only when a next dimension is cleared with them.
    const bool keep_pivots = dim < opt_.maxdim;
    pivots_.Clear();
    if (keep_pivots) {
      size_t keys = 0;
      table->ForEach([&](uint64_t, Published) { ++keys; });
      pivots_.Reserve(keys);
    }
    // A bit a column (5.6·10⁷ columns at N = 10 000: 7 MB, not 56 as bytes), set with an
    // atomic OR since the workers below mark columns that may share a word.
    std::vector<std::atomic<uint64_t>> paired((columns.size() + 63) / 64);
    auto read_pair = [&](uint64_t key, Published owner, Bars& out, std::vector<std::pair<int64_t, int64_t>>& pairs) {
      const uint32_t column = directory->Column(owner);
      paired[column / 64].fetch_or(uint64_t{1} << (column % 64), std::memory_order_relaxed);
      if (pairs_out_ != nullptr && dim == pairs_dim_) pairs.emplace_back(columns[column].index, static_cast<int64_t>(key));
      const float birth = columns[column].diam, death = directory->PivotDiam(owner, birth);
      if (death > birth) out.push_back(Bar{birth, death});
    };
    std::vector<std::pair<int64_t, int64_t>> pairs;
    if (keep_pivots) {
      table->ForEach([&](uint64_t key, Published owner) {
        const uint32_t column = directory->Column(owner);
        const uint32_t coef = PivotCoefOf(*directory, owner, columns[column], key, m);
        pivots_.Insert(key, MakeEntry(static_cast<index_t>(column), coef));
        read_pair(key, owner, bars, pairs);
      });
    } else {
      // The last dimension's table (10⁷ slots at N = 5 000 on the unit-sphere walk, each
      // owner's snapshot a cache miss: ≈ 0.9 s, one core alone) is read on the workers in
      // slot ranges. No column owns two slots, so they mark distinct bits of `paired`;
      // the bars are sorted at the end (SortBars), so their order here does not matter.
      const size_t lists = static_cast<size_t>(std::max(opt_.threads, 1));
      const size_t ranges = 8 * lists;  // of `slots` each (the last one shorter)
      const size_t slots = (table->capacity() + ranges - 1) / ranges;
      std::vector<Bars> found(lists);
      std::vector<std::vector<std::pair<int64_t, int64_t>>> found_pairs(lists);
      ParallelFor(ranges, 1, opt_.threads, [&](size_t begin, size_t end, int worker) {
        const size_t w = static_cast<size_t>(worker);
        for (size_t r = begin; r < end; ++r) {
          table->ForEachIn(std::min(table->capacity(), r * slots), std::min(table->capacity(), (r + 1) * slots),
                          [&](uint64_t key, Published owner) { read_pair(key, owner, found[w], found_pairs[w]); });
        }
      });
      for (size_t w = 0; w < lists; ++w) {
        bars.insert(bars.end(), found[w].begin(), found[w].end());
        pairs.insert(pairs.end(), found_pairs[w].begin(), found_pairs[w].end());
      }
    }
    if (pairs_out_ != nullptr) pairs_out_->insert(pairs_out_->end(), pairs.begin(), pairs.end());
    for (size_t i = 0; i < columns.size(); ++i) {
      const bool owns = ((paired[i / 64].load(std::memory_order_relaxed) >> (i % 64)) & 1) != 0;
      if (!owns) bars.push_back(Bar{columns[i].diam, kInf});
    }
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
      int q = 0, k = 0;
      while (k < m && w[k] > v) t[q++] = w[k++];
      const int p = q;  // the vertices of σ above v
      t[q++] = v;
      while (k < m) t[q++] = w[k++];
      index_t ci = IndexOfVertices(t, m + 1);
      if (owners.Find(static_cast<uint64_t>(ci)) == PivotTable::kNone &&
          ZeroApparentFacet(t, m + 1, column.diam) < 0) {
        pivot = DiamEntry{column.diam, MakeEntry(ci, SignedCoef(1, p))};
        heap_built = false;
        return true;
      }
    }
    heap_built = true;
    PushCoboundary(ws, column.index, 1, m);
    return GetPivot(ws, pivot, m);
  }
  // Adds factor · (σ + V) to the working column, V = [begin, end) (a reduced column).
  // With `from` (the pivot being cancelled, which is that column's pivot), each simplex's
  // cursor starts at `from`: δ(σ + V) is zero before its pivot, so dropping every cursor's
  // earlier cofacets drops entries that would all cancel among themselves (a heavy column
  // of the unit-sphere walk adds thousands of columns, whose simplices otherwise re-walk
  // their coboundaries from their own diameters).
  void AddReduced(Workspace& ws, index_t sigma, const entry_t* begin, const entry_t* end, uint32_t factor,
                  int m, const DiamEntry* from) const {
    ws.working.push_back(MakeEntry(sigma, factor));
    ws.seeking_pivot = from != nullptr && ws.by_cursor.active();
    if (ws.seeking_pivot) Vertices(IndexOf(from->entry), m + 1, ws.seek_pivot);
    PushCoboundary(ws, sigma, factor, m, from);
    for (const entry_t* e = begin; e != end; ++e) {
      uint32_t c = Mul(CoefOf(*e), factor);
      ws.working.push_back(MakeEntry(IndexOf(*e), c));
      PushCoboundary(ws, IndexOf(*e), c, m, from);
    }
    ws.seeking_pivot = false;
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

  std::vector<uint32_t> inverse_;
  Diagram diagram_;
  std::vector<std::pair<int64_t, int64_t>>* pairs_out_ = nullptr;  // tests only (PairsOf)
  int pairs_dim_ = 0;
  // Tests only (InlineOwnerCoefs): every inline owner's pivot coefficient as the reduction
  // found it and as PivotCoefOf recomputes it.
  std::vector<std::pair<uint32_t, uint32_t>>* inline_coefs_out_ = nullptr;
  mutable std::mutex inline_coefs_mutex_;
};

}  // namespace

Diagram ReduceRips(const DistanceMatrix& distances, const ReducerOptions& options) {
  return RipsReducer(distances, options).Run();
}

std::vector<std::pair<float, int64_t>> AssembledColumns(const DistanceMatrix& distances,
                                                        const ReducerOptions& options, int dim) {
  std::vector<std::pair<float, int64_t>> out;
  for (const Column& c : RipsReducer(distances, options).ColumnsOf(dim)) out.emplace_back(c.diam, c.index);
  return out;
}

std::vector<std::pair<int64_t, int64_t>> ReducedPairs(const DistanceMatrix& distances,
                                                      const ReducerOptions& options, int dim) {
  return RipsReducer(distances, options).PairsOf(dim);
}

std::vector<std::pair<uint32_t, uint32_t>> InlineOwnerCoefs(const DistanceMatrix& distances,
                                                            const ReducerOptions& options) {
  return RipsReducer(distances, options).InlineCoefs();
}

}  // namespace panic::tda::internal
