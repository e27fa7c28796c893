// The data types of the Vietoris–Rips reduction (rips_reducer.cpp): cochain entries with
// their coefficient, the packed columns and their blocked storage, the cursors and heap of
// the working column, each worker's scratch, and the filtration orders. Internal to tda/.
#pragma once

#include <algorithm>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <memory>
#include <new>
#include <utility>
#include <vector>

#include "panic/core/prefetch.h"
#include "panic/tda/edge_link.h"
#include "panic/tda/rips_slice.h"

namespace panic::tda::internal::reducer {

using index_t = int64_t;
// A cochain entry: the simplex index in the low 56 bits, its coefficient in the top 8.
using entry_t = uint64_t;
constexpr int kCoefShift = 56;
constexpr uint64_t kIndexMask = (uint64_t{1} << kCoefShift) - 1;
constexpr int kMaxVertices = 5;  // a cofacet of a 3-simplex (maxdim 3)
constexpr float kInf = std::numeric_limits<float>::infinity();

inline index_t IndexOf(entry_t e) { return static_cast<index_t>(e & kIndexMask); }
inline uint32_t CoefOf(entry_t e) { return static_cast<uint32_t>(e >> kCoefShift); }
inline entry_t MakeEntry(index_t i, uint32_t c) {
  return static_cast<uint64_t>(i) | (static_cast<uint64_t>(c) << kCoefShift);
}

struct DiamEntry {
  float diam;
  entry_t entry;
};
// Packed to 12 bytes: the columns of dimension 2 are the largest array at N ≥ 2000.
struct __attribute__((packed)) Column {
  float diam;
  index_t index;
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
// 92 bytes: a heavy column holds 10⁵–10⁶ cursors (at N = 5 000 on the unit-sphere walk
// they were most of the 2.9 GiB peak at 200 bytes, when each kept its cofacets' partial
// index sums; the index is now summed from the binomial table, RipsReducer::CursorItem).
// (The queue held 8 in 96 bytes until stop 31; its 8th slot now holds the spill's place.)
constexpr int kQueuedCofacets = 7;
constexpr int kMaxCursorVertices = kMaxVertices - 1;  // a column's simplex: maxdim ≤ 3
struct Cursor {
  int w[kMaxCursorVertices];  // descending
  float diam, cd;
  int v;
  uint8_t coef;  // < the modulus < 256
  uint8_t queued = 0, next_queued = 0;
  uint8_t spilled = 0;  // entries left in the spill, from spill_at
  uint32_t spill_at = 0;
  float queued_cd[kQueuedCofacets];
  int queued_v[kQueuedCofacets];
};
static_assert(sizeof(Cursor) == 92);
// Past-diameter scans with the spill on (ReducerOptions::spill_queued_cofacets) keep up to
// kScanKeep entries of the exact prefix they found, their window still aiming at a queue's
// worth (kQueuedCofacets). Measured (stop 31, sphere, 1 thread; scans / vertices whose
// float rows were read): N = 2 000, 8 queued without the spill (stop 30) 0.90 M / 23.2 M,
// 7 queued without it 0.96 M / 22.8 M, with it 0.84 M / 21.0 M; N = 3 000: 2.63 M / 67.0 M,
// 2.80 M / 65.7 M, 2.49 M / 60.8 M. A cursor's later scans keeping 32 with a window aiming
// at 24 read more rows (N = 2 000: 0.79 M / 25.6 M): most cursors stop within a queue or
// two, and most spilled entries are never popped. A column's spill holds at most
// kSpillPerCursor entries per cursor (plus ReducerOptions::spill_entries_base, 2^15; 1 a
// cursor gave nearly the scans of 4 with a third of the spill); past that a scan keeps its
// queue's worth only, as without the spill.
constexpr int kScanKeep = 16;
constexpr size_t kSpillPerCursor = 1;
struct QueuedCofacet {
  float cd;
  int v;
};
constexpr uint32_t kNoCursor = ~uint32_t{0};
// The cursors of the working column, in blocks of 2^15 (3 MiB) that never move: growing
// copies nothing, so a heavy column's cursors are held once (a vector held the old and the
// doubled array together while it copied, twice the cursors: at N = 5 000 on the
// unit-sphere walk a column reaches 1.2·10⁶ cursors, 115 MB), and the blocks past the
// first go back after each heavy column (Workspace::Clear).
class CursorStore {
 public:
  Cursor& operator[](size_t k) { return blocks_[k >> kShift][k & kMask]; }
  const Cursor& operator[](size_t k) const { return blocks_[k >> kShift][k & kMask]; }
  size_t size() const { return size_; }
  void push_back(const Cursor& c) {
    if (size_ == blocks_.size() << kShift) blocks_.push_back(std::make_unique<Cursor[]>(kBlock));
    (*this)[size_++] = c;
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
  static constexpr int kShift = 15;
  static constexpr size_t kBlock = size_t{1} << kShift, kMask = kBlock - 1;
  std::vector<std::unique_ptr<Cursor[]>> blocks_;
  size_t size_ = 0;
};
// A heap entry: a cofacet and the cursor that produced it (kNoCursor: none).
struct HeapItem {
  float diam;
  uint32_t cursor;
  entry_t entry;
};
// The storage of the 4-ary heap below: item 1 on a 64-byte boundary, so that the four
// children 4i + 1 … 4i + 4 of every item share one cache line, which HeapSiftDown's
// prefetch asks for (malloc aligns to 16 bytes: unless item 1 fell on a boundary by chance,
// every group of children spanned two lines).
template <typename T>
struct HeapAllocator {
  static_assert(64 % sizeof(T) == 0);
  using value_type = T;
  HeapAllocator() = default;
  template <typename U>
  HeapAllocator(const HeapAllocator<U>&) {}  // NOLINT: allocators convert implicitly
  T* allocate(size_t n) {
    auto* raw = static_cast<std::byte*>(::operator new(n * sizeof(T) + kLine, std::align_val_t{kLine}));
    return reinterpret_cast<T*>(raw + kLine - sizeof(T));
  }
  void deallocate(T* p, size_t) {
    ::operator delete(reinterpret_cast<std::byte*>(p) - (kLine - sizeof(T)), std::align_val_t{kLine});
  }
  template <typename U>
  bool operator==(const HeapAllocator<U>&) const {
    return true;
  }
  static constexpr size_t kLine = 64;
};
using Heap = std::vector<HeapItem, HeapAllocator<HeapItem>>;

// The cursors of a heavy column by simplex, for the eager cancellation of duplicates
// (RipsCursors::CancelsLiveCursor, Z/2): open addressing over cursor numbers, keyed by the
// simplex's index. Nothing is ever erased: a slot whose cursor no longer stands for its
// simplex (killed, or renumbered by a compaction, which rebuilds the index) is passed
// over by the simplices it does not match and reused by the one it does. A slot holds the
// cursor number and 32 bits of the key's hash, so that a probe reads the cursor (a cache
// miss in a column of 10⁶ cursors) only when the tags agree (stop 34: the comparisons were
// 9 % of the N = 10 000 tail). 8 bytes a slot, 2–4 slots a live cursor after a rebuild, at
// most three quarters of them used (stop 35, unit-sphere walk N = 10 000, 2 threads: with 3–6
// and at most half, the peak was 6.99 GB; now 6.67 GB, in the same time — the tags keep the
// longer probes cheap).
class CursorIndex {
 public:
  static constexpr uint32_t kEmpty = ~uint32_t{0};
  // A slot found: its cursor (kEmpty: none yet), and Set() to record one there.
  class Ref {
   public:
    Ref(uint64_t* slot, uint32_t tag) : slot_(slot), tag_(tag) {}
    uint32_t cursor() const { return *slot_ == kEmptySlot ? kEmpty : static_cast<uint32_t>(*slot_); }
    void Set(uint32_t cursor) { *slot_ = (static_cast<uint64_t>(tag_) << 32) | cursor; }

   private:
    uint64_t* slot_;
    uint32_t tag_;
  };
  bool active() const { return !slots_.empty(); }
  // Empty, `cursors` of them to be inserted at once: then half full at most, so that
  // half as many again fit before the next rebuild (amortised O(1) an insertion).
  void Reset(size_t cursors) {
    size_t capacity = 1024;
    while (capacity < 2 * cursors) capacity *= 2;
    slots_.assign(capacity, kEmptySlot);
    mask_ = capacity - 1;
    inserted_ = 0;
  }
  void Release() {
    std::vector<uint64_t>().swap(slots_);
    inserted_ = 0;
  }
  // Whether `cursors` more insertions keep the table at most three quarters full.
  bool Fits(size_t cursors) const { return 4 * (inserted_ + cursors) <= 3 * slots_.size(); }
  // The slot of simplex `key`: the first one whose tag matches and whose cursor `same`
  // accepts, or the empty one where it would go.
  template <typename Same>
  Ref Slot(uint64_t key, Same same) {
    const uint64_t h = Hash(key);
    const auto tag = static_cast<uint32_t>(h >> 32);
    for (size_t i = Home(h);; i = (i + 1) & mask_) {
      const uint64_t s = slots_[i];
      if (s == kEmptySlot || (static_cast<uint32_t>(s >> 32) == tag && same(static_cast<uint32_t>(s)))) {
        return Ref(&slots_[i], tag);
      }
    }
  }
  // Asks the cache for the first slot that Slot(key, …) reads.
  void Prefetch(uint64_t key) const { core::PrefetchLine(slots_.data() + Home(Hash(key))); }
  // The cursor in key's first slot when that slot's tag is key's (maybe another simplex's
  // with the same tag), else kEmpty: a hint for prefetching the cursor that Slot will read.
  uint32_t FirstCursor(uint64_t key) const {
    const uint64_t h = Hash(key);
    const uint64_t s = slots_[Home(h)];
    return s != kEmptySlot && static_cast<uint32_t>(s >> 32) == static_cast<uint32_t>(h >> 32) ? static_cast<uint32_t>(s)
                                                                                                : kEmpty;
  }
  // Records `cursor` in `slot` (found by Slot), counting the slot once when it was empty.
  void Put(Ref slot, uint32_t cursor) {
    if (slot.cursor() == kEmpty) ++inserted_;
    slot.Set(cursor);
  }

 private:
  static constexpr uint64_t kEmptySlot = ~uint64_t{0};  // no cursor number is kEmpty
  static uint64_t Hash(uint64_t key) { return key * 0x9E3779B97F4A7C15ull; }
  size_t Home(uint64_t h) const { return (h ^ (h >> 31)) & mask_; }
  std::vector<uint64_t> slots_;
  size_t mask_ = 0, inserted_ = 0;
};

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
  Heap heap;                     // its coboundary: one entry per cursor, lazy cancellation
  CursorStore cursors;           // the simplices added to the current column
  std::vector<entry_t> summed;   // V of the column being published
  std::vector<entry_t> added;    // V of a published column being added (decoded)
  // A frontier (Snapshot::kFrontier): the one being published (its simplices and the
  // vertices of the cofacets they stand at), and the vertices of the one being added
  // (beside `added`).
  std::vector<entry_t> frontier, frontier_loose, added_loose;
  std::vector<int32_t> frontier_at, added_at;
  std::vector<HeapItem> loose_items;  // ForEachPlace's: the heap's items without a cursor
  // Compaction (RipsCursors::Compact): the heap size that triggers the next one, and its
  // scratch (the live cursors by simplex; each cursor's summed coefficient, 0: dropped).
  size_t compact_at = 0;
  std::vector<std::pair<index_t, uint32_t>> by_simplex;
  std::vector<uint8_t> keep;
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
  // cursors at the same cofacet cancel (RipsCursors::PushCursorAt, Compact).
  bool holds_loose = false;
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
  std::vector<QueuedCofacet> spill;
  float batch_cd[kScanKeep];
  int batch_v[kScanKeep];
  // Whether `extra` more spilled entries fit under the column's bound.
  bool SpillFits(size_t extra, size_t base) const {
    return spill.size() + extra <= kSpillPerCursor * cursors.size() + base;
  }
  // Starts a new column. A heavy column's scratch (past kKeptEntries entries a buffer)
  // is freed rather than kept: a worker's heaviest column so far no longer stays resident
  // while another worker reduces its own (the peak was the sum of both).
  void Clear() {
    held = false;
    v_nonempty = false;
    holds_loose = false;
    ClearAndTrim(working);
    ClearAndTrim(heap);
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
    ClearAndTrim(spill);
    cursors.clear();
    by_cursor.Release();
  }
  static constexpr size_t kKeptEntries = size_t{1} << 15;
  template <typename T, typename A>
  static void ClearAndTrim(std::vector<T, A>& v) {
    if (v.capacity() > kKeptEntries) {
      std::vector<T, A>().swap(v);
    } else {
      v.clear();
    }
  }
};
// V of a published column, delta-coded: the entries in ascending index order, each as a
// LEB128 varint of (index − previous index) — times 256 plus the coefficient unless every
// coefficient is 1 (always so modulo 2). At N = 5 000 on the unit-sphere walk a heavy
// column's V holds 10⁵–10⁶ triangles of a range of 2·10¹⁰: gaps of ≈ 2·10⁴, 3 bytes
// instead of 8.
inline uint8_t* PutVarint(uint8_t* out, uint64_t x) {
  while (x >= 0x80) {
    *out++ = static_cast<uint8_t>(x | 0x80);
    x >>= 7;
  }
  *out++ = static_cast<uint8_t>(x);
  return out;
}
inline const uint8_t* GetVarint(const uint8_t* in, uint64_t& x) {
  x = 0;
  for (int shift = 0;; shift += 7) {
    const uint8_t b = *in++;
    x |= static_cast<uint64_t>(b & 0x7f) << shift;
    if (b < 0x80) return in;
  }
}
// Whether every coefficient of v is 1.
inline bool UnitCoefs(const std::vector<entry_t>& v) {
  return std::all_of(v.begin(), v.end(), [](entry_t e) { return CoefOf(e) == 1; });
}
// One delta-coded entry: the gap from the previous index, times 256 plus the coefficient
// unless every coefficient is 1 (< 2^64: indices < 2^56).
inline uint64_t EntryCode(entry_t e, uint64_t& prev, bool unit) {
  const uint64_t x = static_cast<uint64_t>(IndexOf(e)) - prev;
  prev = static_cast<uint64_t>(IndexOf(e));
  return unit ? x : (x << 8) | CoefOf(e);
}
// The entry EntryCode coded as x, `index` the previous one's index (updated).
inline entry_t EntryOfCode(uint64_t x, uint64_t& index, bool unit) {
  index += unit ? x : x >> 8;
  return MakeEntry(static_cast<index_t>(index), unit ? 1u : static_cast<uint32_t>(x & 0xff));
}
inline size_t VarintSize(uint64_t x) {
  size_t bytes = 1;
  while (x >= 0x80) {
    x >>= 7;
    ++bytes;
  }
  return bytes;
}
// Bytes of v coded, with `at` (a frontier: one vertex per entry) or without (nullptr);
// REQUIRES: v sorted by index (an index repeats only in a frontier: one entry per place).
inline size_t CodedSize(const std::vector<entry_t>& v, bool unit, const std::vector<int32_t>* at = nullptr) {
  size_t bytes = 0;
  uint64_t prev = 0;
  for (size_t k = 0; k < v.size(); ++k) {
    bytes += VarintSize(EntryCode(v[k], prev, unit));
    if (at != nullptr) bytes += VarintSize(static_cast<uint32_t>((*at)[k]));
  }
  return bytes;
}
// v coded at `out` (CodedSize bytes), each entry followed by its vertex when `at` is given;
// returns the end.
inline uint8_t* PutCoded(uint8_t* out, const std::vector<entry_t>& v, bool unit,
                         const std::vector<int32_t>* at = nullptr) {
  uint64_t prev = 0;
  for (size_t k = 0; k < v.size(); ++k) {
    out = PutVarint(out, EntryCode(v[k], prev, unit));
    if (at != nullptr) out = PutVarint(out, static_cast<uint32_t>((*at)[k]));
  }
  return out;
}

// A reduced column as the lock-free reduction publishes it: its position in the
// reduction order, its pivot's diameter and coefficient (the pivot itself is the table's
// key), and V (the simplices added to σ, summed, sorted by index), delta-coded after the
// 16-byte header. Immutable once its address is in the pivot table: everything is written
// before the release store that publishes it, and its memory lives until the dimension is
// done, so a worker that read an older owner of a pivot can still add that column safely
// (any published version of column k is σ_k plus earlier columns: a valid column to add).
//
// A frontier snapshot (kFrontier) holds instead the column's live cursors right after its
// pivot was found: each simplex of σ + V whose coboundary goes on past the pivot, with the
// vertex v of the cofacet it stands at (its first one after the pivot, σ ∪ {v}), coded
// after the simplex's entry; before them, the coboundary's entries after the pivot that no
// cursor stands for (a diameter slice's rows, rips_slice.h: "loose" entries), as a count
// and entries coded like V. An addition then starts each cursor there, with no seek scan
// (RipsReducer::AddFrontier). The simplices left out (those with no cofacet after the
// pivot) and the multiplicities summed away change σ + V only where its coboundary is
// never read again: everything up to the pivot.
struct Snapshot {
  static constexpr uint32_t kUnitCoefs = 1u << 8;  // in `flags`: V's coefficients are all 1
  static constexpr uint32_t kFrontier = 1u << 9;   // in `flags`: a frontier (one vertex an entry)
  uint32_t column;
  uint32_t size;  // entries of V
  float pivot_diam;
  uint32_t flags;  // the pivot's coefficient (low 8 bits), kUnitCoefs, kFrontier
  uint32_t pivot_coef() const { return flags & 0xff; }
  bool frontier() const { return (flags & kFrontier) != 0; }
  const uint8_t* coded() const { return reinterpret_cast<const uint8_t*>(this + 1); }
  // V into `out` (replacing its contents), and a frontier's vertices into `at` and its
  // loose entries into `loose` (when given).
  void DecodeV(std::vector<entry_t>& out, std::vector<int32_t>* at = nullptr,
               std::vector<entry_t>* loose = nullptr) const {
    out.resize(size);
    if (at != nullptr) at->resize(frontier() ? size : 0);
    if (loose != nullptr) loose->clear();
    const uint8_t* in = coded();
    const bool unit = (flags & kUnitCoefs) != 0;
    uint64_t x;
    if (frontier()) {
      uint64_t count, index = 0;
      in = GetVarint(in, count);
      for (uint64_t k = 0; k < count; ++k) {
        in = GetVarint(in, x);
        const entry_t e = EntryOfCode(x, index, unit);
        if (loose != nullptr) loose->push_back(e);
      }
    }
    uint64_t index = 0;
    for (uint32_t k = 0; k < size; ++k) {
      in = GetVarint(in, x);
      out[k] = EntryOfCode(x, index, unit);
      if (frontier()) {
        uint64_t v;
        in = GetVarint(in, v);
        if (at != nullptr) (*at)[k] = static_cast<int32_t>(v);
      }
    }
  }
};
static_assert(sizeof(Snapshot) == 16 && alignof(Snapshot) <= alignof(entry_t));

// A published column as the pivot table holds it (an owner), in 32 bits, so that a slot
// of the table is 12 bytes (pivot_map.h): at N = 10 000 on the unit-sphere walk the table
// has 7.5·10⁷ slots, and 16-byte slots were 1.19 GB of the 4 GiB goal. Either
// - inline (low bit 1): a column whose V is empty and whose pivot has the column's own
//   diameter, as its column number alone (< 2^31). Those are the emergent pairs, 63 % of
//   the 10⁷ triangle columns at N = 5 000; nothing is stored for them. The pivot's
//   coefficient is not kept: V empty means the column is δσ, whose entry at the pivot τ is
//   (−1)^p, p the vertices of σ above the one τ adds (RipsReducer::PivotCoefOf); the
//   pivot's diameter is the column's, read from the columns array. Or
// - a snapshot's handle (low bit 0; SnapshotDirectory): 31 bits naming its place among the
//   dimension's snapshot blocks, never 0.
// Published{} (0) is none. Both kinds are values that stay valid until the dimension is
// done: nothing a reader of an older owner might still use is ever freed or moved.
class Published {
 public:
  static constexpr uint32_t kMaxInlineColumn = (uint32_t{1} << 31) - 1;
  Published() = default;
  // REQUIRES: column ≤ kMaxInlineColumn.
  static Published Inline(uint32_t column) { return Published((column << 1) | 1); }
  // REQUIRES: 0 < handle < 2^31.
  static Published Stored(uint32_t handle) { return Published(handle << 1); }
  explicit operator bool() const { return bits_ != 0; }
  bool is_inline() const { return (bits_ & 1) != 0; }
  uint32_t inline_column() const { return bits_ >> 1; }  // REQUIRES: is_inline()
  uint32_t handle() const { return bits_ >> 1; }         // REQUIRES: !is_inline()
  friend bool operator==(Published a, Published b) { return a.bits_ == b.bits_; }

 private:
  explicit Published(uint32_t bits) : bits_(bits) {}
  uint32_t bits_ = 0;
};
static_assert(sizeof(Published) == 4);

// Where the snapshots of one dimension are, for every worker: a handle is a block number
// (its top bits) and an offset in units of 8 << unit_shift bytes (its low block_shift
// bits). Workers claim block numbers with an atomic counter and write the block's address
// before any handle into it is published (the table's release store), so a reader that
// found the handle in the table reads the address without a race; blocks never move.
//
// Limits (the defaults): blocks of 2^17 units, 2^14 block numbers (31 bits), number 0
// never used (handle 0 would be Published{}). A snapshot larger than a block takes
// ⌈units / 2^17⌉ consecutive numbers for one allocation of its own, so what runs out is
// bytes: 2^31 units, 16 GiB × 2^unit_shift of snapshots a dimension. Unit 8 bytes
// (unit_shift 0) wastes nothing (snapshots are whole words), and 16 GiB is the default
// memory limit of the whole run (RipsOptions::memory_limit_bytes); at N = 10 000 on the
// unit-sphere walk the snapshots are ≈ 1 GB. Past that, Claim() fails and the directory
// is full(): the reducer drops the dimension's work and redoes it with units twice as
// large (RipsReducer::ComputePairs), so a larger dimension costs the rework, never a
// wrong or missing result. A snapshot is ≥ 16 bytes, so with 16-byte units 2^31 units
// hold 2^31 snapshots (32 GiB of them); each later doubling helps only if they average
// more than a unit: a dimension must publish fewer than 2^31 snapshots (the columns are
// 32-bit numbers already, and 2^31 of them would need a 34 GB table).
class SnapshotDirectory {
 public:
  static constexpr int kBlockShift = 17;
  explicit SnapshotDirectory(int unit_shift, int block_shift = kBlockShift, uint32_t max_blocks = 0)
      : unit_shift_(unit_shift),
        block_shift_(block_shift),
        max_blocks_(max_blocks != 0 ? std::min(max_blocks, uint32_t{1} << (31 - block_shift))
                                    : uint32_t{1} << (31 - block_shift)),
        blocks_(std::make_unique<uint8_t*[]>(max_blocks_)) {}
  int unit_shift() const { return unit_shift_; }
  size_t unit_bytes() const { return sizeof(entry_t) << unit_shift_; }
  size_t block_units() const { return size_t{1} << block_shift_; }
  // Claims `count` consecutive block numbers for the memory at `at` (count blocks' worth
  // of units or less, the last being one snapshot's end): the first one, or 0 (nothing
  // claimed, and full() is true from then on) when they do not fit.
  uint32_t Claim(uint32_t count, uint8_t* at) {
    uint32_t first = next_.load(std::memory_order_relaxed);
    do {
      if (first > max_blocks_ || count > max_blocks_ - first) {
        full_.store(true, std::memory_order_relaxed);
        return 0;
      }
    } while (!next_.compare_exchange_weak(first, first + count, std::memory_order_relaxed));
    blocks_[first] = at;
    return first;
  }
  // The handle of the unit `offset` of block `block`. REQUIRES: offset < block_units().
  uint32_t Handle(uint32_t block, size_t offset) const {
    return (block << block_shift_) | static_cast<uint32_t>(offset);
  }
  const Snapshot* Get(Published p) const {
    const uint32_t h = p.handle();
    const uint8_t* block = blocks_[h >> block_shift_];
    return reinterpret_cast<const Snapshot*>(block + ((size_t{h} & (block_units() - 1)) << (unit_shift_ + 3)));
  }
  // What the reduction reads of an owner: its column; its pivot's diameter (`birth` is the
  // column's own, an inline owner's pivot's); its V, into `out` (empty when inline).
  uint32_t Column(Published p) const { return p.is_inline() ? p.inline_column() : Get(p)->column; }
  float PivotDiam(Published p, float birth) const { return p.is_inline() ? birth : Get(p)->pivot_diam; }
  // A frontier's vertices into `at` and its loose entries into `loose` (when given;
  // emptied for any other owner).
  void DecodeV(Published p, std::vector<entry_t>& out, std::vector<int32_t>* at = nullptr,
               std::vector<entry_t>* loose = nullptr) const {
    if (p.is_inline()) {
      out.clear();
      if (at != nullptr) at->clear();
      if (loose != nullptr) loose->clear();
    } else {
      Get(p)->DecodeV(out, at, loose);
    }
  }
  // Whether a Claim() has failed: the handles could not address what was published.
  bool full() const { return full_.load(std::memory_order_relaxed); }

 private:
  int unit_shift_, block_shift_;
  uint32_t max_blocks_;
  std::unique_ptr<uint8_t*[]> blocks_;
  std::atomic<uint32_t> next_{1};
  std::atomic<bool> full_{false};
};

// One worker's never-freed store of snapshots for one dimension, in blocks of its
// directory (a larger snapshot gets a block of its own), so handles stay valid while
// blocks are added. (Counted at N = 3 000 and 5 000 on the unit-sphere walk, 2 threads:
// fewer than 1 column in 10⁵ is published twice, so superseded versions are < 0.1 % of
// the store; freeing them would not pay for an epoch scheme.)
class SnapshotArena {
 public:
  explicit SnapshotArena(SnapshotDirectory* directory) : directory_(directory) {}
  // Column `column` (diameter `birth`) with its pivot and V, published: inline when V is
  // empty, the pivot has the column's diameter and the column number fits (< 2^31), else
  // as a snapshot stored here. Published{} when the directory is full (nothing stored).
  // With `vertices` (one for each entry of v) and `loose` (entries without a cursor), a
  // frontier snapshot (Snapshot::kFrontier), never inline.
  // REQUIRES: v and loose sorted by index (indices distinct, but for a frontier's simplex
  // with cursors at two places, RipsCursors::FrontierOf, and repeated loose entries),
  // coefficients non-zero.
  Published Publish(uint32_t column, float birth, const DiamEntry& pivot, const std::vector<entry_t>& v,
                    const std::vector<int32_t>* vertices = nullptr, const std::vector<entry_t>* loose = nullptr) {
    if (vertices == nullptr && v.empty() && pivot.diam == birth && column <= Published::kMaxInlineColumn) {
      return Published::Inline(column);
    }
    const bool unit = UnitCoefs(v) && (loose == nullptr || UnitCoefs(*loose));
    size_t bytes = sizeof(Snapshot) + CodedSize(v, unit, vertices);
    if (vertices != nullptr) {
      bytes += VarintSize(loose == nullptr ? 0 : loose->size());
      if (loose != nullptr) bytes += CodedSize(*loose, unit);
    }
    const size_t unit_bytes = directory_->unit_bytes(), block_units = directory_->block_units();
    const size_t units = (bytes + unit_bytes - 1) / unit_bytes;
    if (block_ == 0 || used_ + units > block_units) {
      // A new block: 2^block_shift units, or one of its own for a larger snapshot.
      const size_t size = std::max(units, block_units);
      const size_t count = (size + block_units - 1) / block_units;
      auto memory = std::make_unique_for_overwrite<entry_t[]>(size * (unit_bytes / sizeof(entry_t)));
      uint8_t* const at = reinterpret_cast<uint8_t*>(memory.get());
      const uint32_t block = count >= (size_t{1} << 31) ? 0 : directory_->Claim(static_cast<uint32_t>(count), at);
      if (block == 0) return {};
      base_ = at;
      blocks_.push_back(std::move(memory));
      bytes_ += size * unit_bytes;
      block_ = block;
      used_ = 0;
    }
    const size_t offset = used_;
    used_ = units > block_units ? block_units : used_ + units;  // an outsized block is full
    const uint32_t flags =
        CoefOf(pivot.entry) | (unit ? Snapshot::kUnitCoefs : 0) | (vertices != nullptr ? Snapshot::kFrontier : 0);
    auto* s = new (base_ + offset * unit_bytes) Snapshot{column, static_cast<uint32_t>(v.size()), pivot.diam, flags};
    uint8_t* out = reinterpret_cast<uint8_t*>(s + 1);
    if (vertices != nullptr) {
      out = PutVarint(out, loose == nullptr ? 0 : loose->size());
      if (loose != nullptr) out = PutCoded(out, *loose, unit);
    }
    PutCoded(out, v, unit, vertices);
    return Published::Stored(directory_->Handle(block_, offset));
  }
  // Bytes held (tests, counters).
  size_t bytes() const { return bytes_; }

 private:
  SnapshotDirectory* directory_;
  std::vector<std::unique_ptr<entry_t[]>> blocks_;
  uint8_t* base_ = nullptr;
  uint32_t block_ = 0;  // the current block's number (0: none yet)
  size_t used_ = 0;     // its units used
  size_t bytes_ = 0;
};

// Whether (da, ia) comes before (db, ib) in the filtration order.
inline bool Earlier(float da, index_t ia, float db, index_t ib) {
  return da < db || (da == db && ia > ib);
}
// The working coboundary's heap: 4-ary, its top (index 0) the earliest entry. A heavy
// column's heap holds one entry per cursor (10⁵ and more at N = 2 000, several MiB): four
// children share a cache line and the depth halves against a binary heap.
inline bool HeapBefore(const HeapItem& a, const HeapItem& b) {
  return Earlier(a.diam, IndexOf(a.entry), b.diam, IndexOf(b.entry));
}
inline void HeapSiftDown(Heap& h, size_t i, HeapItem item) {
  const size_t n = h.size();
  for (;;) {
    const size_t first = 4 * i + 1;
    if (first >= n) break;
    // The next level's four lines are asked for while this one is compared: the item
    // moves to one of them (a heavy column's heap is 10⁷ items, most levels beyond L2).
    for (size_t c = first; c < first + 4 && 4 * c + 1 < n; ++c) core::PrefetchLine(h.data() + 4 * c + 1);
    size_t best = first;
    const size_t last = std::min(first + 4, n);
    for (size_t c = first + 1; c < last; ++c) {
      if (HeapBefore(h[c], h[best])) best = c;
    }
    if (!HeapBefore(h[best], item)) break;
    h[i] = h[best];
    i = best;
  }
  h[i] = item;
}
inline void HeapPush(Heap& h, const HeapItem& item) {
  size_t i = h.size();
  h.push_back(item);
  while (i > 0) {
    const size_t parent = (i - 1) / 4;
    if (!HeapBefore(item, h[parent])) break;
    h[i] = h[parent];
    i = parent;
  }
  h[i] = item;
}
inline void HeapPop(Heap& h) {
  const HeapItem last = h.back();
  h.pop_back();
  if (!h.empty()) HeapSiftDown(h, 0, last);
}
// Replaces the top by `item` (one sift instead of a pop and a push).
inline void HeapReplaceTop(Heap& h, const HeapItem& item) { HeapSiftDown(h, 0, item); }
// Makes h a heap (Floyd: sifts every inner node down, the last first).
inline void HeapMake(Heap& h) {
  if (h.size() < 2) return;
  for (size_t i = (h.size() - 2) / 4 + 1; i-- > 0;) HeapSiftDown(h, i, h[i]);
}

// Sort order of the columns of one dimension: reverse filtration order.
struct ColumnOrder {
  bool operator()(const Column& a, const Column& b) const {
    return Earlier(b.diam, b.index, a.diam, a.index);
  }
};

}  // namespace panic::tda::internal::reducer
