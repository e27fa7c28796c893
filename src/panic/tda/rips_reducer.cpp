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
#include <string>
#include <vector>

#include "panic/core/free_memory.h"
#include "panic/core/parallel.h"
#include "panic/core/prefetch.h"
#include "panic/tda/rips_columns.h"
#include "panic/tda/rips_first_steps.h"
#include "panic/tda/pivot_map.h"
#include "panic/tda/rips_reducer_types.h"
#include "panic/tda/rips_snapshots.h"
#include "panic/tda/triangle_scan.h"

namespace panic::tda::internal {
namespace {

using namespace reducer;  // rips_reducer_types.h

class RipsReducer : private RipsFirstSteps {
 public:
  RipsReducer(const DistanceMatrix& d, const ReducerOptions& o) : RipsFirstSteps(d, o), inverse_(o.modulus) {
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
      ComputePairs(Listed(std::move(columns), k + 1), k);
      columns = AssembleColumns(k + 1);
      pivots_.Clear();
    }
    return columns;
  }

  // The pairs (column simplex, pivot simplex) of dimension `dim`, sorted.
  std::vector<std::pair<int64_t, int64_t>> PairsOf(int dim) {
    std::vector<std::pair<int64_t, int64_t>> pairs;
    pairs_out_ = &pairs;
    pairs_dim_ = dim;
    ComputePairs(Listed(ColumnsOf(dim), dim + 1), dim);
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
    ColumnList columns = Listed(ComputeDim0Pairs(diagram_.dimensions[0]), 2);
    Phase("dimension 0");
    for (int dim = 1; dim <= opt_.maxdim; ++dim) {
      ComputePairs(columns, dim);
      if (dim < opt_.maxdim) {
        columns = ColumnList();  // not kept beside the next dimension's assembly
        columns = Listed(AssembleColumns(dim + 1), dim + 2);
        Phase("dimension " + std::to_string(dim + 1) + " columns");
        // The pivots of `dim` cleared the next dimension's columns and are not needed
        // beside its reduction (few on the unit-sphere walk, 9 311 edge pivots at
        // N = 10 000; a cloud with many H1 columns would hold 12-byte slots for each).
        pivots_.Clear();
      }
    }
    SortBars(diagram_);
    return std::move(diagram_);
  }

 private:
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

  // Reduces column `first` and, when it takes a pivot from a later column, that column,
  // and so on, until one ends owning a free pivot or zero.
  // Returns early, with the work unfinished, when the snapshots' directory is full
  // (ComputePairs then redoes the dimension).
  // With `probe`, the first column's emergent-pair test was run already (ProbeBatch).
  void ReduceChain(const ColumnList& columns, size_t first, int m, PivotTable& table,
                   const SnapshotDirectory& directory, SnapshotArena& arena, Workspace& ws,
                   const EmergentProbe* probe = nullptr) const {
    size_t cur = first;
    Published resume;  // the published state of a column taken back
    uint64_t resume_key = 0;  // its pivot (the table's key it was taken at)
    for (;;) {
      const Column column = probe != nullptr ? probe->column : ColumnAt(columns, cur, m);
      DiamEntry pivot;
      bool has_pivot = false, heap_built = true;
      ws.Clear();
      ws.slice.active = false;
      ws.compact_at = opt_.compact_cursors_at == 0 ? std::numeric_limits<size_t>::max() : opt_.compact_cursors_at;
      if (probe != nullptr) {
        has_pivot = ProbedPivot(ws, *probe, m, pivot, heap_built);
        probe = nullptr;
      } else if (!resume) {
        has_pivot = InitCoboundaryAndGetPivot(ws, column, m, pivot, table, heap_built);
      } else {
        // σ + V again (its coboundary is implicit); its pivot is the published one. (Taken
        // columns are few — at N = 1 500 on the unit-sphere walk with 2 threads 4–12 of
        // 131 548, nearly always the next column, light ones — so their heaps are not kept:
        // keeping the heavy ones' cost 40+ MiB and was never used.)
        // Its coboundary is zero before the published pivot, so every cursor starts there.
        const uint32_t resume_coef = PivotCoefOf(directory, resume, column.index, resume_key, m);
        const DiamEntry from{resume.is_inline() ? column.diam : DiamOf(static_cast<index_t>(resume_key), m + 1),
                             MakeEntry(static_cast<index_t>(resume_key), resume_coef)};
        if (IsFrontier(directory, resume)) {
          // Its live cursors where they stood, and its pivot held beside them.
          directory.DecodeV(resume, ws.added, &ws.added_at, &ws.added_loose, column.index);
          PushFrontier(ws, 1, m, column.index);
          pivot = from;
          ws.held = true;
          ws.held_item = HeapItem{from.diam, kNoCursor, from.entry};
          has_pivot = true;
        } else {
          directory.DecodeV(resume, ws.working);
          const DiamEntry* seek = opt_.seek_added_columns ? &from : nullptr;
          PushCoboundary(ws, column.index, 1, m, seek);
          for (size_t q = 0, e = ws.working.size(); q < e; ++q) {
            PushCoboundary(ws, IndexOf(ws.working[q]), CoefOf(ws.working[q]), m, seek);
          }
          ws.v_nonempty = !ws.working.empty();
          if (!ws.keeps_v) ws.working.clear();
          has_pivot = GetPivot(ws, pivot, m);
        }
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
            if (IsFrontier(directory, owner)) {
              directory.DecodeV(owner, ws.added, &ws.added_at, &ws.added_loose, columns[owner_column]);
              AddFrontier(ws, pivot, factor, m);
            } else {
              directory.DecodeV(owner, ws.added);
              const entry_t* v = ws.added.data();
              AddReduced(ws, columns[owner_column], v, v + ws.added.size(), factor, m,
                         opt_.seek_added_columns ? &pivot : nullptr);
            }
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
          ws.AddToV(MakeEntry(fi, factor));
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
  // when the snapshots' directory is full. With frontier_snapshots, once anything was
  // added to it (else it is an inline owner when its pivot has its diameter), its
  // frontier instead (Snapshot::kFrontier: its live cursors where they stand). Then V is
  // never published by a column that added anything, so it is not listed (Workspace::
  // keeps_v): a pivot found by GetPivot is held or in the slice's rows, a column resumed
  // from its frontier holds its pivot, and the one pivot found otherwise, an emergent one
  // (InitCoboundaryAndGetPivot), is found before anything is added, with the column's
  // diameter — an inline owner's.
  Published Publish(SnapshotArena& arena, size_t cur, const Column& column, const DiamEntry& pivot, Workspace& ws,
                    int m) const {
    const bool inline_owner = !ws.v_nonempty && pivot.diam == column.diam;
    if (opt_.frontier_snapshots && opt_.seek_added_columns && !inline_owner && (ws.held || ws.slice.active)) {
      // A heavy column's duplicate index (1.3–2.5 slots a cursor) is not needed to list its
      // frontier, and the column nearly always ends here: it goes first, so that the
      // frontier's lists are not made on top of it. Should the column go on (its pivot
      // taken meanwhile by another worker), duplicates wait for its next compaction, which
      // builds the index again (RipsCursors::Compact).
      ws.by_cursor.Release();
      ws.frontier_loose.clear();
      if (ws.slice.active) SliceFrontier(ws, pivot, m, ws.frontier_loose);
      FrontierOf(ws, m, ws.frontier, ws.frontier_at, ws.frontier_loose);
      std::sort(ws.frontier_loose.begin(), ws.frontier_loose.end(),
                [](entry_t a, entry_t b) { return IndexOf(a) < IndexOf(b); });
      return Recorded(arena.Publish(static_cast<uint32_t>(cur), column.diam, pivot, ws.frontier, &ws.frontier_at,
                                    &ws.frontier_loose, column.index),
                      column, pivot, m);
    }
    Summed(ws.working, ws.summed);  // reorders ws.working, which stays the same chain
    return Recorded(arena.Publish(static_cast<uint32_t>(cur), column.diam, pivot, ws.summed), column, pivot, m);
  }
  // Publish's result, an inline owner's pivot coefficient recorded first (tests only).
  Published Recorded(Published p, const Column& column, const DiamEntry& pivot, int m) const {
    if (inline_coefs_out_ != nullptr && p.is_inline()) {  // tests only
      const uint32_t recomputed = InlinePivotCoef(column.index, static_cast<uint64_t>(IndexOf(pivot.entry)), m);
      const std::lock_guard<std::mutex> lock(inline_coefs_mutex_);
      inline_coefs_out_->emplace_back(CoefOf(pivot.entry), recomputed);
    }
    return p;
  }
  // The coefficient of the pivot `key` in the column of simplex `sigma` owning it as `owner`.
  uint32_t PivotCoefOf(const SnapshotDirectory& directory, Published owner, index_t sigma, uint64_t key,
                       int m) const {
    return owner.is_inline() ? InlinePivotCoef(sigma, key, m) : directory.Get(owner)->pivot_coef();
  }
  // Column i of a list: its simplex and its diameter, read again from the distances (the
  // lists keep 5 bytes a column, not 12: at N = 10 000 on the unit-sphere walk 5.6·10⁷
  // triangles, −0.39 GB; the column's rows are read right after anyway).
  Column ColumnAt(const ColumnList& columns, size_t i, int m) const { return Column{DiamOf(columns[i], m), columns[i]}; }
  float DiamOf(index_t sigma, int m) const {
    int w[kMaxVertices];
    Vertices(sigma, m, w);
    return Diameter(w, m);
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
  void ComputePairs(const ColumnList& columns, int dim) {
    const int m = dim + 1;
    Bars& bars = diagram_.dimensions[static_cast<size_t>(dim)];
    const size_t workers = std::min(static_cast<size_t>(std::max(opt_.threads, 1)), std::max<size_t>(columns.size(), 1));
    std::vector<Workspace> spaces(workers);
    if (opt_.quantized_scans && qvalues_.empty()) {
      QuantizeDistances(opt_.threads, opt_.scan_order);
      Phase("byte copies");
    }
    for (Workspace& ws : spaces) {
      ws.scratch.resize(static_cast<size_t>(n_));
      ws.keeps_v = !(opt_.frontier_snapshots && opt_.seek_added_columns);
    }
    // Tests only: the columns in a shuffled order, so that one worker takes pivots from
    // later columns too.
    std::vector<uint32_t> order;
    if (opt_.shuffle_columns != 0) {
      order.resize(columns.size());
      std::iota(order.begin(), order.end(), 0u);
      std::shuffle(order.begin(), order.end(), std::mt19937_64(opt_.shuffle_columns));
    }
    // The table's owners are 32-bit (Published): the snapshots' handles address 8 GiB of
    // them in 4-byte units (SnapshotDirectory), 16 GiB in 8-byte ones, where a dimension of
    // more than ReducerOptions::four_byte_unit_columns columns starts. Should a dimension
    // publish more, its work is dropped and done again with units twice as large; the
    // failed try's table and snapshots are freed first.
    std::unique_ptr<SnapshotDirectory> directory;
    std::unique_ptr<PivotTable> table;
    std::vector<SnapshotArena> arenas;
    const int first_shift = columns.size() > opt_.four_byte_unit_columns ? 1 : 0;
    for (int unit_shift = first_shift; !directory || directory->full(); ++unit_shift) {
      arenas.clear();
      table.reset();
      directory.reset();
      directory = unit_shift == first_shift
                      ? std::make_unique<SnapshotDirectory>(unit_shift, opt_.snapshot_block_shift, opt_.snapshot_blocks)
                      : std::make_unique<SnapshotDirectory>(unit_shift);
      // The keys are the (m + 1)-vertex cofacets' indices, below C(n, m + 1): at N = 10 000
      // and maxdim 2 they fit the table's 8-byte paged slots (pivot_map.h).
      table = std::make_unique<PivotTable>(columns.size(), static_cast<uint64_t>(B(n_, m + 1)));
      for (size_t w = 0; w < workers; ++w) arenas.emplace_back(directory.get());
      // The shared column counter: each worker takes the next columns when it is done with
      // its chain — a batch of probe_batch while more than a sixty-fourth of them is left
      // (their emergent-pair tests run together: ProbeBatch), then one at a time, so that
      // the heavy columns at the end of the order (stop 33: the last 0.1 % at N = 10 000)
      // go to whichever worker is free.
      const size_t batch = std::clamp<size_t>(opt_.probe_batch, 1, kMaxProbeBatch);
      const size_t batched_until = batch > 1 ? columns.size() - columns.size() / 64 : 0;
      std::atomic<size_t> next{0};
      ParallelFor(workers, 1, opt_.threads, [&](size_t, size_t, int worker) {
        const size_t w = static_cast<size_t>(worker);
        EmergentProbe probes[kMaxProbeBatch];
        while (!directory->full()) {
          const size_t take = next.load(std::memory_order_relaxed) < batched_until ? batch : 1;
          const size_t begin = next.fetch_add(take, std::memory_order_relaxed);
          if (begin >= columns.size()) break;
          const size_t end = std::min(columns.size(), begin + take);
          auto column_of = [&](size_t i) -> size_t { return order.empty() ? i : order[i]; };
          if (end - begin > 1) ProbeBatch(columns, begin, end, column_of, m, *table, probes);
          for (size_t i = begin; i < end && !directory->full(); ++i) {
            ReduceChain(columns, column_of(i), m, *table, *directory, arenas[w], spaces[w],
                        end - begin > 1 ? &probes[i - begin] : nullptr);
            // A heavy column's scratch goes back to the system now, not when the next column
            // starts, and not only into the allocator's free lists (core/free_memory.h).
            if (spaces[w].Heavy()) {
              spaces[w].Clear();
              core::ReleaseFreeMemory();
            }
          }
        }
      });
    }
    // The workers' scratch (a heavy column's cursors: 10⁸ bytes and more at N = 10 000)
    // goes before the pairs are read, so that their bits come on top of less.
    std::vector<Workspace>().swap(spaces);
    Phase("dimension " + std::to_string(dim) + " reduced");
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
    using PairList = std::vector<std::pair<int64_t, int64_t>>;
    auto mark_pair = [&](uint64_t key, uint32_t column, PairList& pairs) {
      paired[column / 64].fetch_or(uint64_t{1} << (column % 64), std::memory_order_relaxed);
      if (pairs_out_ != nullptr && dim == pairs_dim_) pairs.emplace_back(columns[column], static_cast<int64_t>(key));
    };
    // The owners' pairs, one owner at a time: an inline owner's pivot has its column's
    // diameter, a pair of length 0 that marks its column and makes no bar (no random read:
    // 61 % of the owners at N = 10 000); the others wait in `batch` until it is full
    // (ReadPairs), then each marks its column and makes a bar unless its length is 0.
    auto flush = [&](PairBatch& batch, Bars& out, PairList& pairs) {
      ReadPairs(batch, *directory, columns, m);
      for (size_t i = 0; i < batch.size; ++i) {
        mark_pair(batch.key[i], batch.column[i], pairs);
        if (batch.death[i] > batch.birth[i]) out.push_back(Bar{batch.birth[i], batch.death[i]});
      }
      batch.size = 0;
    };
    auto read_pair = [&](uint64_t key, Published owner, PairBatch& batch, Bars& out, PairList& pairs) {
      if (owner.is_inline()) {
        mark_pair(key, owner.inline_column(), pairs);
        return;
      }
      batch.key[batch.size] = key;
      batch.owner[batch.size++] = owner;
      if (batch.size == PairBatch::kSize) flush(batch, out, pairs);
    };
    PairList pairs;
    if (keep_pivots) {
      PairBatch batch;
      table->ForEach([&](uint64_t key, Published owner) {
        const uint32_t column = directory->Column(owner);
        const uint32_t coef = PivotCoefOf(*directory, owner, columns[column], key, m);
        pivots_.Insert(key, MakeEntry(static_cast<index_t>(column), coef));
        read_pair(key, owner, batch, bars, pairs);
      });
      flush(batch, bars, pairs);
    } else {
      // The last dimension's table (10⁷ slots at N = 5 000 on the unit-sphere walk, each
      // owner's snapshot a cache miss: ≈ 0.9 s, one core alone) is read on the workers in
      // slot ranges. No column owns two slots, so they mark distinct bits of `paired`;
      // the bars are sorted at the end (SortBars), so their order here does not matter.
      const size_t lists = static_cast<size_t>(std::max(opt_.threads, 1));
      const size_t ranges = 8 * lists;  // of `slots` each (the last one shorter)
      const size_t slots = (table->capacity() + ranges - 1) / ranges;
      std::vector<Bars> found(lists);
      std::vector<PairList> found_pairs(lists);
      ParallelFor(ranges, 1, opt_.threads, [&](size_t begin, size_t end, int worker) {
        const size_t w = static_cast<size_t>(worker);
        PairBatch batch;
        for (size_t r = begin; r < end; ++r) {
          table->ForEachIn(std::min(table->capacity(), r * slots), std::min(table->capacity(), (r + 1) * slots),
                          [&](uint64_t key, Published owner) {
                            read_pair(key, owner, batch, found[w], found_pairs[w]);
                          });
        }
        flush(batch, found[w], found_pairs[w]);
      });
      for (size_t w = 0; w < lists; ++w) {
        bars.insert(bars.end(), found[w].begin(), found[w].end());
        pairs.insert(pairs.end(), found_pairs[w].begin(), found_pairs[w].end());
      }
    }
    if (pairs_out_ != nullptr) pairs_out_->insert(pairs_out_->end(), pairs.begin(), pairs.end());
    for (size_t i = 0; i < columns.size(); ++i) {
      const bool owns = ((paired[i / 64].load(std::memory_order_relaxed) >> (i % 64)) & 1) != 0;
      if (!owns) bars.push_back(Bar{DiamOf(columns[i], m), kInf});
    }
    Phase("dimension " + std::to_string(dim) + " bars");
  }
  void Phase(const std::string& name) const {
    if (opt_.on_phase) opt_.on_phase(name);
  }
  // Owners with a snapshot whose pairs are read together (ComputePairs): each owner's reads
  // lie at random in memory far larger than the cache — its snapshot's column, that
  // column's simplex, the two simplices' distances — and depend on one another. One after
  // another they took 16.9 s of a 666 s run (sphere N = 10 000, 2 threads, 2.2·10⁷ such
  // owners); in batches, each stage's reads of the whole batch asked for at once, 7.0 s.
  struct PairBatch {
    static constexpr size_t kSize = 16;
    uint64_t key[kSize];  // the pivots
    Published owner[kSize];
    size_t size = 0;
    uint32_t column[kSize];  // ReadPairs' results: the owners' columns, their diameters
    float birth[kSize], death[kSize];  // and their pivots'
  };
  // The batch's columns, births and deaths, each stage's random reads asked for at once.
  void ReadPairs(PairBatch& batch, const SnapshotDirectory& directory, const ColumnList& columns, int m) const {
    for (size_t i = 0; i < batch.size; ++i) core::PrefetchLine(directory.Get(batch.owner[i]));
    int t[PairBatch::kSize][kMaxVertices], w[PairBatch::kSize][kMaxVertices];
    for (size_t i = 0; i < batch.size; ++i) {
      batch.column[i] = directory.Get(batch.owner[i])->column;
      core::PrefetchLine(columns.at(batch.column[i]));
      Vertices(static_cast<index_t>(batch.key[i]), m + 1, t[i]);
      PrefetchDiameter(t[i], m + 1);
    }
    for (size_t i = 0; i < batch.size; ++i) {
      Vertices(columns[batch.column[i]], m, w[i]);
      PrefetchDiameter(w[i], m);
    }
    for (size_t i = 0; i < batch.size; ++i) {
      batch.birth[i] = Diameter(w[i], m);
      batch.death[i] = Diameter(t[i], m + 1);
    }
  }
  static bool IsFrontier(const SnapshotDirectory& directory, Published p) {
    return !p.is_inline() && directory.Get(p)->frontier();
  }
  // Pushes factor · the frontier decoded into ws.added / ws.added_at / ws.added_loose: a
  // cursor for each entry, at its recorded cofacet, and an item without a cursor for each
  // loose entry. Its simplices count as added to V (Workspace::AddToV; with the frontiers
  // on V is not listed, only whether it is empty) — except the working column's own
  // simplex `sigma`, which a V never holds (a column resumed from its own frontier has it
  // there, with coefficient 1).
  void PushFrontier(Workspace& ws, uint32_t factor, int m, index_t sigma = -1) const {
    int t[kMaxVertices];
    if (!ws.added_loose.empty()) ws.holds_loose = true;
    for (entry_t e : ws.added_loose) {
      Vertices(IndexOf(e), m + 1, t);
      const float diam = Diameter(t, m + 1);
      ws.loose_diam = std::max(ws.loose_diam, diam);
      ws.heap.push(HeapItem{diam, kNoCursor, MakeEntry(IndexOf(e), Mul(CoefOf(e), factor))});
    }
    // The simplices are decoded kAhead entries before they are pushed, and the index slot
    // they will read is prefetched then; kAhead / 2 entries later, the cursor that slot
    // names, or, where it names none, the distances that the new cursor will read (a
    // monster's frontier holds 10⁶ simplices scattered over the 400 MB matrix at
    // N = 10 000: read one after another, their loads were 20 % of the tail's samples). An
    // entry whose simplex has a live cursor is nearly always cancelled against it, reading
    // no distance (PushCursorAt); without the index every entry's distances are asked for
    // at once. The entries are sorted by index: each is decoded near the last.
    constexpr size_t kAhead = 8;
    int ahead[kAhead][kMaxVertices];
    const size_t count = ws.added.size();
    const bool indexed = ws.by_cursor.active();
    auto decode = [&](size_t q) {
      int* w = ahead[q % kAhead];
      const index_t index = IndexOf(ws.added[q]);
      if (q == 0) {
        Vertices(index, m, w);
      } else {
        VerticesNear(index, m, ahead[(q - 1) % kAhead], w);
      }
      if (indexed) {
        ws.by_cursor.Prefetch(static_cast<uint64_t>(index));
      } else {
        PrefetchCofacetDistances(w, m, ws.added_at[q]);
      }
    };
    auto ask = [&](size_t p) {  // entry p's cursor or distances (its slot was asked for)
      const uint32_t k = ws.by_cursor.FirstCursor(static_cast<uint64_t>(IndexOf(ws.added[p])));
      if (k != CursorIndex::kEmpty && k < ws.cursors.size()) {
        PrefetchCursor(ws.cursors[k]);
      } else {
        PrefetchCofacetDistances(ahead[p % kAhead], m, ws.added_at[p]);
      }
    };
    for (size_t q = 0; q < std::min(kAhead, count); ++q) decode(q);
    for (size_t q = 0; indexed && q < std::min(kAhead / 2, count); ++q) ask(q);
    for (size_t q = 0; q < count; ++q) {
      int w[kMaxVertices];
      std::copy(ahead[q % kAhead], ahead[q % kAhead] + m, w);
      if (q + kAhead < count) decode(q + kAhead);
      if (indexed && q + kAhead / 2 < count) ask(q + kAhead / 2);
      const index_t index = IndexOf(ws.added[q]);
      const uint32_t c = Mul(CoefOf(ws.added[q]), factor);
      if (index != sigma) ws.AddToV(MakeEntry(index, c));
      PushCursorAt(ws, w, index, c, m, ws.added_at[q]);
    }
  }
  // Adds factor · a published column given as its frontier to the working column, whose
  // pivot (`pivot`, the frontier's, held or in the slice's rows) it cancels: the
  // frontier's cursors stand past it, so the pivot itself is dropped here.
  void AddFrontier(Workspace& ws, const DiamEntry& pivot, uint32_t factor, int m) const {
    if (ws.slice.active) {
      TogglePairOf(ws, IndexOf(pivot.entry));
    } else {
      ws.held = false;
    }
    PushFrontier(ws, factor, m);
  }
  // Adds factor · (σ + V) to the working column, V = [begin, end) (a reduced column).
  // With `from` (the pivot being cancelled, which is that column's pivot), each simplex's
  // cursor starts at `from`: δ(σ + V) is zero before its pivot, so dropping every cursor's
  // earlier cofacets drops entries that would all cancel among themselves (a heavy column
  // of the unit-sphere walk adds thousands of columns, whose simplices otherwise re-walk
  // their coboundaries from their own diameters).
  void AddReduced(Workspace& ws, index_t sigma, const entry_t* begin, const entry_t* end, uint32_t factor,
                  int m, const DiamEntry* from) const {
    ws.AddToV(MakeEntry(sigma, factor));
    PushCoboundary(ws, sigma, factor, m, from);
    for (const entry_t* e = begin; e != end; ++e) {
      uint32_t c = Mul(CoefOf(*e), factor);
      ws.AddToV(MakeEntry(IndexOf(*e), c));
      PushCoboundary(ws, IndexOf(*e), c, m, from);
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
