// The data types of the Vietoris–Rips reduction (rips_reducer.cpp): the packed columns and
// their blocked storage, the cursors and duplicate index of the working column, each
// worker's scratch, and the columns' order. Cochain entries are in rips_entry.h, the
// working column's heap in coboundary_heap.h, the published columns in rips_snapshots.h.
// Internal to tda/.
#pragma once

#include <algorithm>
#include <bit>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <limits>
#include <memory>
#include <new>
#include <span>
#include <type_traits>
#include <utility>
#include <vector>

#include "panic/core/huge_pages.h"
#include "panic/core/prefetch.h"
#include "panic/tda/coboundary_heap.h"
#include "panic/tda/edge_link.h"
#include "panic/tda/rips_entry.h"
#include "panic/tda/rips_slice.h"

namespace panic::tda::internal::reducer {

constexpr int kMaxVertices = 5;  // a cofacet of a 3-simplex (maxdim 3)
constexpr float kInf = std::numeric_limits<float>::infinity();

// Packed to 12 bytes: the columns of dimension 2 are the largest array at N ≥ 2000 while
// they are assembled and sorted (then listed without their diameters: ColumnList).
struct __attribute__((packed)) Column {
  float diam;
  index_t index;
};
// The columns of a dimension as the reduction takes them, in reverse filtration order:
// their simplices alone (RipsReducer::ColumnAt reads a diameter again), each in as few
// bytes as the dimension's largest simplex index needs — 5 for the 5.6·10⁷ triangles at
// N = 10 000 (indices below C(10⁴, 3) < 2^38): 0.28 GB, where 8-byte indices were 0.45 GB
// beside the reduction. Columns are assembled and sorted with their diameters, then listed
// (RipsColumns::Listed). An entry is read with one unaligned 8-byte load from its first
// byte, masked (little-endian; the array carries 7 bytes of padding for the last one).
class ColumnList {
 public:
  ColumnList() = default;
  // `count` columns, all 0, for indices below `bound` (≥ 1).
  ColumnList(size_t count, uint64_t bound) : size_(count) {
    width_ = 1;
    while (width_ < 8 && (bound - 1) >> (8 * width_) != 0) ++width_;
    mask_ = width_ == 8 ? ~uint64_t{0} : (uint64_t{1} << (8 * width_)) - 1;
    core::ReserveHugePages(bytes_, count * width_ + kPadding);
    bytes_.assign(count * width_ + kPadding, 0);
  }
  size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }
  int width() const { return width_; }  // bytes an entry
  index_t operator[](size_t i) const {
    uint64_t x;
    std::memcpy(&x, bytes_.data() + i * static_cast<size_t>(width_), sizeof x);
    return static_cast<index_t>(x & mask_);
  }
  // Where entry i lies (for a prefetch).
  const uint8_t* at(size_t i) const { return bytes_.data() + i * static_cast<size_t>(width_); }
  // REQUIRES: i < size(), 0 ≤ index < the bound given (the bytes of entries i ± 1 are not
  // touched, so distinct entries may be set from distinct threads).
  void set(size_t i, index_t index) {
    const auto x = static_cast<uint64_t>(index);
    std::memcpy(bytes_.data() + i * static_cast<size_t>(width_), &x, static_cast<size_t>(width_));
  }

 private:
  static_assert(std::endian::native == std::endian::little);
  static constexpr size_t kPadding = sizeof(uint64_t) - 1;
  size_t size_ = 0;
  int width_ = 8;
  uint64_t mask_ = ~uint64_t{0};
  std::vector<uint8_t> bytes_;
};
// Columns found by one worker, in blocks, so that growing never copies and the
// concatenation frees each block as it goes: the peak is the columns once, not twice.
class ColumnChunks {
 public:
  void push_back(const Column& c) {
    if (chunks_.empty() || chunks_.back().size() == kChunk) {
      chunks_.emplace_back();
      chunks_.back().reserve(kChunk);
    }
    chunks_.back().push_back(c);
  }
  size_t size() const {
    size_t s = 0;
    for (const auto& c : chunks_) s += c.size();
    return s;
  }
  void MoveInto(std::vector<Column>& out) {
    for (auto& c : chunks_) {
      out.insert(out.end(), c.begin(), c.end());
      std::vector<Column>().swap(c);
    }
    chunks_.clear();
  }

 private:
  static constexpr size_t kChunk = size_t{1} << 16;
  std::vector<std::vector<Column>> chunks_;
};
// A simplex added to the working column, and its current cofacet (vertex v, diameter cd).
// Past its own diameter a cursor's next cofacets come from an O(n) scan that yields
// several at once (NextCofacets); they wait in `queued_*[next_queued, queued)`, and those
// of the scan that did not fit there in the column's spill (Workspace::spill, `spilled`
// of them from `spill_at`), which refills the queue before the next scan.
// 48 bytes: a heavy column holds 10⁵–10⁷ cursors, read at random, and at N = 10 000 on
// the unit-sphere walk the two workers' largest columns (5.5 + 4.6·10⁶ cursors) set the
// peak. 200 bytes at N = 5 000 until stop 28 (each kept its cofacets' partial index sums;
// the index is now summed from the binomial table, RipsReducer::CursorItem); the queue
// held 8 in 96 bytes until stop 31, 7 in 92 until stop 38, 3 in 64 (one cache line) until
// stop 42: a scan's window aims at 4 entries (kScanTarget), and what does not fit goes to
// the spill. A simplex of fewer than 4 vertices (maxdim ≤ 2) keeps its diameter in the
// vertex slot after its last vertex (Of, Diam); stop 42 read it again from the
// distances each time the queue ran dry — 3 reads at random in the float matrix, and
// RipsComplex::Diameter was 4.9 % of the samples at N = 10 000 — as a 4-vertex one still does.
constexpr int kQueuedCofacets = 2;
constexpr int kMaxCursorVertices = kMaxVertices - 1;  // a column's simplex: maxdim ≤ 3
struct alignas(16) Cursor {
  int w[kMaxCursorVertices];  // descending; with m < 4 vertices, w[m] holds the diameter
  float cd;
  int v;
  uint8_t coef;  // < the modulus < 256
  uint8_t queued : 4 = 0, next_queued : 4 = 0;  // ≤ kQueuedCofacets: one byte (48 in all)
  uint8_t spilled = 0;  // entries left in the spill, from spill_at
  // The lowest level (quantized_scan.h) the next past-diameter scan needs to look at: every
  // cofacet of a lower level is queued, spilled or consumed (its last scan's whole window
  // was kept: RipsCursors::ScanPastDiameter); 0: nothing known.
  uint8_t scan_from = 0;
  uint32_t spill_at = 0;
  float queued_cd[kQueuedCofacets];
  int queued_v[kQueuedCofacets];
  // A cursor of the simplex w[0..m) (descending) of diameter `diam`, not yet standing at
  // a cofacet (cd and v are the caller's). Every cursor is made here, so that one of
  // fewer than kMaxCursorVertices vertices always holds its diameter in w[m] (Diam).
  static Cursor Of(const int* w, int m, float diam, uint32_t coef) {
    Cursor c;
    for (int q = 0; q < m; ++q) c.w[q] = w[q];
    if (m < kMaxCursorVertices) c.w[m] = std::bit_cast<int>(diam);
    c.coef = static_cast<uint8_t>(coef);
    return c;
  }
  template <int M>
  float Diam() const {
    static_assert(M < kMaxCursorVertices);
    return std::bit_cast<float>(w[M]);
  }
};
static_assert(sizeof(Cursor) == 48);
// Asks the cache for both lines a cursor may span (48 bytes at 16-byte alignment: one in
// four crosses a line).
inline void PrefetchCursor(const Cursor& c) {
  core::PrefetchLine(&c);
  core::PrefetchLine(reinterpret_cast<const char*>(&c) + sizeof(Cursor) - 1);
}
// An exhausted cursor (no cofacet left, no heap item) is marked by this current cofacet
// diameter, which no cofacet has (distances are finite), so that a sweep
// (RipsCursors::Sweep) tells the live cursors from the store alone.
constexpr float kExhaustedCd = std::numeric_limits<float>::infinity();
// Past-diameter scans with the spill on (ReducerOptions::spill_queued_cofacets) keep up to
// kScanKeep entries of the exact prefix they found, their window aiming at kScanTarget
// (a queue's worth, kQueuedCofacets, until stop 37: a scan then returned 10.6 entries of
// which about 3 were popped — sphere N = 7 000, 44.75 M scans, 134.6 M advances — so the
// window now aims lower; every vertex it collects costs three float reads; a queue's worth
// again since stop 46, when the scans on the input-order copy, LocalityCopy, became cheap
// beside those reads: sphere N = 10 000, 609.7 s against 620.9 and 658.1 s). Measured
// (stop 31, sphere, 1 thread; scans / vertices whose float rows were read): N = 2 000,
// 8 queued without the spill (stop 30) 0.90 M / 23.2 M, 7 queued without it
// 0.96 M / 22.8 M, with it 0.84 M / 21.0 M; N = 3 000: 2.63 M / 67.0 M, 2.80 M / 65.7 M,
// 2.49 M / 60.8 M. A cursor's later scans keeping 32 with a window aiming at 24 read more
// rows (N = 2 000: 0.79 M / 25.6 M): most cursors stop within a queue or two, and most
// spilled entries are never popped. A column's spill holds at most
// kSpillPerCursor entries per cursor (plus ReducerOptions::spill_entries_base, 2^15; 1 a
// cursor gave nearly the scans of 4 with a third of the spill); past that a scan keeps its
// queue's worth only, as without the spill.
constexpr int kScanKeep = 16;
constexpr int kScanTarget = 2;
constexpr size_t kSpillPerCursor = 1;
struct QueuedCofacet {
  float cd;
  int v;
};
// The cursors of the working column, in blocks of 2^17 (6 MiB, three whole huge pages:
// core::MapHugePages) that never move: growing copies nothing, so a heavy column's cursors
// are held once (a vector held the old and the doubled array together while it copied,
// twice the cursors: at N = 5 000 on the unit-sphere walk a column reaches 1.2·10⁶
// cursors, 115 MB), and the blocks past the first go back after each heavy column
// (Workspace::Clear). A block's pages are faulted in as the cursors reach them (a
// block is not written when mapped), 2 MiB at a time: until stop 45 the blocks held 2^15
// in 4 KiB pages, zeroed when made, and their faults were a sixth of a run's.
class CursorStore {
 public:
  Cursor& operator[](size_t k) { return blocks_[k >> kShift][k & kMask]; }
  const Cursor& operator[](size_t k) const { return blocks_[k >> kShift][k & kMask]; }
  size_t size() const { return size_; }
  void push_back(const Cursor& c) {
    if (size_ == blocks_.size() << kShift) blocks_.push_back(Block(static_cast<Cursor*>(core::MapHugePages(kBlockBytes))));
    ::new (&(*this)[size_]) Cursor(c);  // a block's cursors begin here (mapped, not made)
    ++size_;
  }
  // Keeps the first n cursors. REQUIRES: n ≤ size().
  void resize(size_t n) { size_ = n; }
  // Empties the store and frees its blocks past the first.
  void clear() {
    size_ = 0;
    if (blocks_.size() > 1) blocks_.resize(1);
  }
  size_t capacity() const { return blocks_.size() << kShift; }

 private:
  static constexpr int kShift = 17;
  static constexpr size_t kBlock = size_t{1} << kShift, kMask = kBlock - 1;
  static constexpr size_t kBlockBytes = kBlock * sizeof(Cursor);
  static_assert(kBlockBytes % core::kHugePageBytes == 0);
  static_assert(std::is_trivially_copyable_v<Cursor> && std::is_trivially_destructible_v<Cursor>);
  struct Unmap {
    void operator()(Cursor* p) const { core::UnmapHugePages(p, kBlockBytes); }
  };
  using Block = std::unique_ptr<Cursor[], Unmap>;
  std::vector<Block> blocks_;
  size_t size_ = 0;
};
// The cursors of a heavy column by simplex, for the eager cancellation of duplicates
// (RipsCursors::CancelsLiveCursor, Z/2): open addressing over cursor numbers, keyed by the
// simplex's index. Nothing is ever erased: a slot whose cursor no longer stands for its
// simplex (killed, or renumbered by a compaction, which rebuilds the index) is passed
// over by the simplices it does not match and reused by the one it does. A slot holds the
// cursor number and 8 bits of the key's hash, so that a probe reads the cursor (a cache
// miss in a column of 10⁶ cursors) only when the tags agree (stop 34: the comparisons were
// 9 % of the N = 10 000 tail): for another simplex's slot one time in 256. 5 bytes a slot
// (until stop 42 8, with a 32-bit tag: at N = 10 000 on the unit-sphere walk the two
// largest columns' indices were 0.2 GB at the peak), 1.3–2.5 slots a live cursor, at most
// three quarters of them used (stop 35, unit-sphere walk N = 10 000, 2 threads: with 3–6
// and at most half, the peak was 6.99 GB; 6.67 GB with 2–4 at most three quarters, in the
// same time — the tags keep the longer probes cheap).
class CursorIndex {
 public:
  static constexpr uint32_t kEmpty = ~uint32_t{0};
  // A slot whose cursor a sweep dropped (Renumber): never matched, never reused.
  static constexpr uint32_t kStale = kEmpty - 1;
  // A slot found: its cursor (kEmpty: none yet), and Set() to record one there.
  class Ref {
   public:
    Ref(uint8_t* slot, uint8_t tag) : slot_(slot), tag_(tag) {}
    uint32_t cursor() const { return CursorAt(slot_); }
    void Set(uint32_t cursor) {
      slot_[0] = tag_;
      std::memcpy(slot_ + 1, &cursor, sizeof cursor);
    }

   private:
    uint8_t* slot_;
    uint8_t tag_;
  };
  bool active() const { return capacity_ != 0; }
  // Empty, `cursors` of them to be inserted at once: then 2/5 full, so that 7/8 as many
  // again fit before the next rebuild at three quarters (amortised O(1) an insertion).
  // The capacity is not a power of two (a slot's home is a multiply-shift, Home): with
  // doubling capacities it was 2–4 slots a cursor, at N = 10 000 on the unit-sphere walk
  // 134 MB for a monster of 5.5·10⁶ cursors; now 1.3–2.5.
  void Reset(size_t cursors) {
    capacity_ = std::max<size_t>(1024, cursors * 5 / 2);
    bytes_.assign(capacity_ * kSlotBytes, 0xFF);  // every slot empty: cursor kEmpty
    inserted_ = 0;
  }
  void Release() {
    decltype(bytes_)().swap(bytes_);
    capacity_ = 0;
    inserted_ = 0;
  }
  // Whether `cursors` more insertions keep the table at most three quarters full.
  bool Fits(size_t cursors) const { return 4 * (inserted_ + cursors) <= 3 * capacity_; }
  // The slot of simplex `key`: the first one whose tag matches and whose cursor `same`
  // accepts, or the empty one where it would go.
  template <typename Same>
  Ref Slot(uint64_t key, Same same) {
    const uint64_t h = Hash(key);
    const uint8_t tag = TagOf(h);
    for (size_t i = Home(h);; i = i + 1 == capacity_ ? 0 : i + 1) {
      uint8_t* slot = bytes_.data() + i * kSlotBytes;
      const uint32_t k = CursorAt(slot);
      if (k == kEmpty || (slot[0] == tag && k != kStale && same(k))) return Ref(slot, tag);
    }
  }
  // Asks the cache for the first slot that Slot(key, …) reads.
  void Prefetch(uint64_t key) const { core::PrefetchLine(bytes_.data() + Home(Hash(key)) * kSlotBytes); }
  // The cursor in key's first slot when that slot's tag is key's (maybe another simplex's
  // with the same tag), else kEmpty: a hint for prefetching the cursor that Slot will read.
  uint32_t FirstCursor(uint64_t key) const {
    const uint64_t h = Hash(key);
    const uint8_t* slot = bytes_.data() + Home(h) * kSlotBytes;
    const uint32_t k = CursorAt(slot);
    return k != kEmpty && k != kStale && slot[0] == TagOf(h) ? k : kEmpty;
  }
  // Every slot's cursor k becomes to[k] after the store was packed (RipsCursors::Sweep);
  // a dropped cursor's slot (to[k] = kEmpty) becomes stale, so that the probe sequences
  // through it stay whole. REQUIRES: to has an entry for every cursor number in the index.
  void Renumber(std::span<const uint32_t> to) {
    for (size_t i = 0; i < capacity_; ++i) {
      uint8_t* slot = bytes_.data() + i * kSlotBytes;
      const uint32_t k = CursorAt(slot);
      if (k == kEmpty || k == kStale) continue;
      const uint32_t renumbered = to[k] == kEmpty ? kStale : to[k];
      std::memcpy(slot + 1, &renumbered, sizeof renumbered);
    }
  }
  // Records `cursor` in `slot` (found by Slot), counting the slot once when it was empty.
  void Put(Ref slot, uint32_t cursor) {
    if (slot.cursor() == kEmpty) ++inserted_;
    slot.Set(cursor);
  }

 private:
  // A slot: its tag, then its cursor number (kEmpty in an empty slot), unaligned.
  static constexpr size_t kSlotBytes = 5;
  static uint32_t CursorAt(const uint8_t* slot) {
    uint32_t k;
    std::memcpy(&k, slot + 1, sizeof k);
    return k;
  }
  static uint64_t Hash(uint64_t key) { return key * 0x9E3779B97F4A7C15ull; }
  // h's top byte (the multiplication's best-mixed bits).
  static uint8_t TagOf(uint64_t h) { return static_cast<uint8_t>(h >> 56); }
  // The low 32 bits of h ^ (h >> 31) scaled to the capacity (< 2^32 slots: cursor numbers
  // are 32-bit). h's low half is mixed in, so that the keys of one home do not share their
  // tags (h's top byte).
  size_t Home(uint64_t h) const {
    return static_cast<size_t>((static_cast<uint64_t>(static_cast<uint32_t>(h ^ (h >> 31))) * capacity_) >> 32);
  }
  core::HugePageVector<uint8_t> bytes_;  // huge pages: see Workspace::by_simplex
  size_t capacity_ = 0;  // slots
  size_t inserted_ = 0;
};

// A cursor by its simplex's index (or its spill segment's offset, RipsCursors::PackSpill),
// ordered by both: 12 bytes, not a pair's 16 — compaction and a frontier list one for each
// of a monster's 10⁶–10⁷ cursors, on top of its largest scratch.
struct __attribute__((packed)) KeyedCursor {
  index_t first;
  uint32_t second;
  friend bool operator<(const KeyedCursor& a, const KeyedCursor& b) {
    return a.first < b.first || (a.first == b.first && a.second < b.second);
  }
};
static_assert(sizeof(KeyedCursor) == 12);

// The scratch of reducing one column; one per worker.
struct Workspace {
  std::vector<entry_t> working;  // simplices added to the current column (when keeps_v)
  // Whether V is listed in `working`. Not with frontier snapshots (ReducerOptions::
  // frontier_snapshots): a column that added anything then publishes its frontier, never
  // V (RipsReducer::Publish), so listing V only cost time and memory — at N = 10 000 on the
  // unit-sphere walk a heavy column's list reached 10⁷ entries, sorted and summed at every
  // compaction (6 % of the tail's time). `v_nonempty` alone records that something was
  // added: a column with nothing added whose pivot has its diameter is an inline owner.
  bool keeps_v = true;
  bool v_nonempty = false;
  void AddToV(entry_t e) {
    v_nonempty = true;
    if (keeps_v) working.push_back(e);
  }
  CoboundaryHeap heap;           // its coboundary: one entry per cursor, lazy cancellation
  CursorStore cursors;           // the simplices added to the current column
  std::vector<entry_t> summed;   // V of the column being published
  std::vector<entry_t> added;    // V of a published column being added (decoded)
  // A frontier (Snapshot::kFrontier): the one being published (its simplices and the
  // vertices of the cofacets they stand at), and the vertices of the one being added
  // (beside `added`).
  std::vector<entry_t> frontier, frontier_loose, added_loose;
  std::vector<int32_t> frontier_at, added_at;
  std::vector<HeapItem> loose_items;  // ForEachPlace's: the heap's items without a cursor
  // Compaction (RipsCursors::Compact and Sweep): what triggers the next one, and its
  // scratch (the live cursors by simplex; each cursor's summed coefficient, 0: dropped;
  // each cursor's number after a sweep). compact_at: the heap's size for the next merge
  // (twice the last one's). Once set (ReducerOptions::compact_on_garbage), instead:
  // compact_dead_at, the count of dead cursors (cancelled or exhausted since the last
  // compaction) for a sweep, and compact_grown_at, the heap's size for a merge — but not
  // in a column holding a slice's loose entries, where no cancellation runs.
  size_t compact_at = 0;
  size_t dead = 0;
  size_t compact_dead_at = SIZE_MAX;
  size_t compact_grown_at = SIZE_MAX;
  enum class Compaction { kNone, kSweep, kMerge };
  Compaction CompactionDue() const {
    if (compact_dead_at == SIZE_MAX || holds_loose) return heap.size() >= compact_at ? Compaction::kMerge : Compaction::kNone;
    if (heap.size() >= compact_grown_at) return Compaction::kMerge;
    return dead >= compact_dead_at ? Compaction::kSweep : Compaction::kNone;
  }
  // A heavy column's scratch arrays are mapped in huge pages (core::HugePageVector): they
  // come and go with each heavy column, and from malloc their 4 KiB pages were faulted in
  // anew each time (core/huge_pages.h: the faults of one run at N = 10 000, 6.1·10⁶ → 2.5·10⁶).
  core::HugePageVector<KeyedCursor> by_simplex;
  core::HugePageVector<uint8_t> keep;
  core::HugePageVector<uint32_t> renumbered;  // RipsCursors::Sweep's: each cursor's new number
  // The links of the last few edges whose own-diameter cofacets were enumerated (they
  // depend on the distances only, so they stay valid from column to column).
  EdgeLinkCache links;
  // A heavy column's live cursors by simplex (Z/2; active from its first compaction on).
  CursorIndex by_cursor;
  // The pivot the last addition sought to (RipsCursors::PivotVertices), as vertices.
  index_t seek_pivot_index = -1;
  int seek_pivot[kMaxVertices] = {};
  // The column's current pivot, summed, once GetPivot has found it: it stays in the
  // column, but outside the heap until the next PopPivot merges it back in.
  // Whether a slice's frontier with loose entries was added to the column (AddFrontier):
  // then some of its cursors stand past a diameter whose entries are loose items, and only
  // cursors at the same cofacet cancel (RipsCursors::PushCursorAt, Compact). Such a
  // cursor has skipped cofacets of that diameter only (the slice's, loose_diam at most),
  // so once the column's pivot is past loose_diam every cursor has again consumed exactly
  // its cofacets up to the pivot, and the flag goes (RipsSliceCursors::GetPivot).
  bool holds_loose = false;
  float loose_diam = 0;  // the largest diameter of a loose entry added
  bool held = false;
  HeapItem held_item{};
  // The diameter slice the column is reducing in bulk (rips_slice.h), when active.
  DiameterSlice slice;
  // NextCofacetsQuantized's scratch (n vertices) and its adaptive window of levels.
  std::vector<int> scratch;
  int window = 1;
  // The spilled past-diameter cofacets of the column's cursors (Cursor::spill_at): a cursor
  // takes them in order, so each holds one segment; dropped and consumed segments are
  // garbage until the column ends or is compacted (which packs the live ones in place).
  // `batch_*`: one scan's entries, before they are shared out.
  core::HugePageVector<QueuedCofacet> spill;
  float batch_cd[kScanKeep];
  int batch_v[kScanKeep];
  // Room for `extra` more spilled entries, the capacity grown by a quarter rather than
  // doubled (a monster's spill holds ≈ one entry a cursor: at N = 10 000 on the
  // unit-sphere walk doubling left 67 MB for 5.5·10⁶ cursors, and held 3× during a copy).
  void GrowSpill(size_t extra) {
    if (spill.size() + extra > spill.capacity()) spill.reserve(spill.size() + extra + spill.size() / 4 + 1024);
  }
  // Whether `extra` more spilled entries fit under the column's bound.
  bool SpillFits(size_t extra, size_t base) const {
    return spill.size() + extra <= kSpillPerCursor * cursors.size() + base;
  }
  // Starts a new column. A heavy column's scratch (past kKeptEntries entries a buffer)
  // is freed rather than kept: a worker's heaviest column so far no longer stays resident
  // while another worker reduces its own (the peak was the sum of both).
  void Clear() {
    held = false;
    dead = 0;
    compact_dead_at = compact_grown_at = SIZE_MAX;
    v_nonempty = false;
    holds_loose = false;
    loose_diam = 0;
    ClearAndTrim(working);
    heap.Trim(kKeptEntries);
    ClearAndTrim(summed);
    ClearAndTrim(added);
    ClearAndTrim(frontier);
    ClearAndTrim(frontier_loose);
    ClearAndTrim(added_loose);
    ClearAndTrim(loose_items);
    ClearAndTrim(frontier_at);
    ClearAndTrim(added_at);
    ClearAndTrim(by_simplex);
    ClearAndTrim(keep);
    ClearAndTrim(renumbered);
    ClearAndTrim(spill);
    cursors.clear();
    by_cursor.Release();
  }
  static constexpr size_t kKeptEntries = size_t{1} << 15;
  // Whether the column just reduced was heavy: its cursor blocks past 2^20 cursors (48 MB).
  // A few hundred columns of the 5.6·10⁷ at N = 10 000 on the unit-sphere walk.
  bool Heavy() const { return cursors.capacity() > kHeavyCursors; }
  static constexpr size_t kHeavyCursors = size_t{1} << 20;
  template <typename T, typename A>
  static void ClearAndTrim(std::vector<T, A>& v) {
    if (v.capacity() > kKeptEntries) {
      std::vector<T, A>().swap(v);
    } else {
      v.clear();
    }
  }
};
// Sort order of the columns of one dimension: reverse filtration order.
struct ColumnOrder {
  bool operator()(const Column& a, const Column& b) const {
    return Earlier(b.diam, b.index, a.diam, a.index);
  }
};

}  // namespace panic::tda::internal::reducer
