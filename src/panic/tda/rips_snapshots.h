// The published columns of the lock-free reduction (rips_reducer.cpp): the delta coding of
// V and of frontiers, the immutable snapshots a worker writes into its arena, the directory
// that names their blocks with 31-bit handles, and the 32-bit owner the pivot table holds
// (inline for the emergent pairs). Internal to tda/; the working column's types are in
// rips_reducer_types.h.
#pragma once

#include <algorithm>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <new>
#include <vector>

#include "panic/core/varint.h"
#include "panic/tda/rips_frontier_bits.h"
#include "panic/tda/rips_reducer_types.h"

namespace panic::tda::internal::reducer {

// V of a published column, delta-coded: the entries in ascending index order, each as a
// LEB128 varint of (index − previous index) — times 256 plus the coefficient unless every
// coefficient is 1 (always so modulo 2). At N = 5 000 on the unit-sphere walk a heavy
// column's V holds 10⁵–10⁶ triangles of a range of 2·10¹⁰: gaps of ≈ 2·10⁴, 3 bytes
// instead of 8 (the varints: core/varint.h).

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
// Bytes of v coded, with `at` (a frontier: one vertex per entry) or without (nullptr),
// leaving out entry `skip` (none by default); REQUIRES: v sorted by index (an index
// repeats only in a frontier: one entry per place).
inline size_t CodedSize(const std::vector<entry_t>& v, bool unit, const std::vector<int32_t>* at = nullptr,
                        size_t skip = SIZE_MAX) {
  size_t bytes = 0;
  uint64_t prev = 0;
  for (size_t k = 0; k < v.size(); ++k) {
    if (k == skip) continue;
    bytes += core::VarintSize(EntryCode(v[k], prev, unit));
    if (at != nullptr) bytes += core::VarintSize(static_cast<uint32_t>((*at)[k]));
  }
  return bytes;
}
// v coded at `out` (CodedSize bytes), each entry followed by its vertex when `at` is given;
// returns the end.
inline uint8_t* PutCoded(uint8_t* out, const std::vector<entry_t>& v, bool unit,
                         const std::vector<int32_t>* at = nullptr, size_t skip = SIZE_MAX) {
  uint64_t prev = 0;
  for (size_t k = 0; k < v.size(); ++k) {
    if (k == skip) continue;
    out = core::PutVarint(out, EntryCode(v[k], prev, unit));
    if (at != nullptr) out = core::PutVarint(out, static_cast<uint32_t>((*at)[k]));
  }
  return out;
}

// A reduced column as the lock-free reduction publishes it: its position in the
// reduction order, its pivot's coefficient (the pivot itself is the table's key, and its
// diameter is read again from the distances where needed: RipsReducer::DiamOf), and V
// (the simplices added to σ, summed, sorted by index), delta-coded after the 4-byte
// header. Immutable once its address is in the pivot table: everything is written
// before the release store that publishes it, and its memory lives until the dimension is
// done, so a worker that read an older owner of a pivot can still add that column safely
// (any published version of column k is σ_k plus earlier columns: a valid column to add).
//
// A frontier snapshot (kFrontier) holds instead the column's live cursors right after its
// pivot was found: each simplex of σ + V whose coboundary goes on past the pivot, with the
// vertex v of the cofacet it stands at (its first one after the pivot, σ ∪ {v}), coded
// after the simplex's entry; before them, when there are any, the coboundary's entries
// after the pivot that no cursor stands for (a diameter slice's rows, rips_slice.h:
// "loose" entries), as a count and entries coded like V. An addition then starts each
// cursor there, with no seek scan (RipsReducer::AddFrontier). The simplices left out (those with no cofacet after the
// pivot) and the multiplicities summed away change σ + V only where its coboundary is
// never read again: everything up to the pivot.
struct Snapshot {
  uint32_t column;
  // The coded part begins with two varints: the kind (the pivot's coefficient times 32,
  // plus 16 for a frontier holding the column's own simplex σ, 8 for a frontier whose
  // entries are bit-packed (rips_frontier_bits.h), 4 for a frontier with loose entries,
  // 2 when V's coefficients are all 1, 1 for a frontier; one byte over Z/2) and V's size
  // (σ's entry not counted). σ's entry is not coded like the others: its index is the
  // column's, known to every reader, so only its vertex (and coefficient unless all are 1)
  // follow the loose entries — at N = 10 000 on the unit-sphere walk nearly every one of
  // the 2.1·10⁷ light frontiers holds σ, whose index took 5–6 bytes of their 14–30.
  // (Until stop 38 both were 4-byte fields of a
  // 16-byte header, and until stop 39 the header held the pivot's diameter too and every
  // frontier its count of loose entries: at N = 10 000 on the unit-sphere walk 2.2·10⁷
  // snapshots, 1.77 GB, 2.1·10⁷ of them frontiers of 1–14 entries, 32–76 bytes.)
  static constexpr uint64_t kFrontier = 1, kUnit = 2, kLoose = 4, kPacked = 8, kSelf = 16;  // the kind's bits
  static constexpr int kCoefShift = 5;
  static uint64_t Kind(uint32_t pivot_coef, bool unit, bool frontier, bool loose, bool packed = false,
                       bool self = false) {
    return (uint64_t{pivot_coef} << kCoefShift) | (self ? kSelf : 0) | (packed ? kPacked : 0) |
           (loose ? kLoose : 0) | (unit ? kUnit : 0) | (frontier ? kFrontier : 0);
  }
  uint64_t kind() const {
    uint64_t x;
    core::GetVarint(coded(), x);
    return x;
  }
  uint32_t pivot_coef() const { return static_cast<uint32_t>(kind() >> kCoefShift); }
  // Whether the column's own simplex is left for the reader to give (DecodeV's sigma).
  bool holds_self() const { return (kind() & kSelf) != 0; }
  bool frontier() const { return (kind() & kFrontier) != 0; }
  const uint8_t* coded() const { return reinterpret_cast<const uint8_t*>(this + 1); }
  // V into `out` (replacing its contents), and a frontier's vertices into `at` and its
  // loose entries into `loose` (when given). `sigma`: the column's simplex (its index in
  // the column list), needed when holds_self().
  void DecodeV(std::vector<entry_t>& out, std::vector<int32_t>* at = nullptr, std::vector<entry_t>* loose = nullptr,
               index_t sigma = -1) const {
    uint64_t kind, size;
    const uint8_t* in = core::GetVarint(core::GetVarint(coded(), kind), size);
    const bool unit = (kind & kUnit) != 0, frontier = (kind & kFrontier) != 0, has_loose = (kind & kLoose) != 0,
               packed = (kind & kPacked) != 0, self = (kind & kSelf) != 0;
    if (at != nullptr) at->resize(0);
    if (loose != nullptr) loose->clear();
    uint64_t x;
    if (has_loose) {
      uint64_t count, index = 0;
      in = core::GetVarint(in, count);
      for (uint64_t k = 0; k < count; ++k) {
        in = core::GetVarint(in, x);
        const entry_t e = EntryOfCode(x, index, unit);
        if (loose != nullptr) loose->push_back(e);
      }
    }
    uint64_t self_vertex = 0;
    uint32_t self_coef = 1;
    if (self) {
      in = core::GetVarint(in, self_vertex);
      if (!unit) self_coef = *in++;
    }
    if (packed) {
      GetFrontierBits(in, size, unit, out, at);
    } else {
      out.resize(size);
      if (at != nullptr) at->resize(frontier ? size : 0);
      uint64_t index = 0;
      for (uint64_t k = 0; k < size; ++k) {
        in = core::GetVarint(in, x);
        out[k] = EntryOfCode(x, index, unit);
        if (frontier) {
          uint64_t v;
          in = core::GetVarint(in, v);
          if (at != nullptr) (*at)[k] = static_cast<int32_t>(v);
        }
      }
    }
    if (self) {
      // σ back in its place in index order (an index repeats only when σ has cursors at
      // two places, and Publish codes σ this way only when it has one).
      const auto place = std::lower_bound(out.begin(), out.end(), sigma,
                                          [](entry_t e, index_t s) { return IndexOf(e) < s; });
      const auto k = place - out.begin();
      out.insert(place, MakeEntry(sigma, self_coef));
      if (at != nullptr) at->insert(at->begin() + k, static_cast<int32_t>(self_vertex));
    }
  }
};
static_assert(sizeof(Snapshot) == 4 && alignof(Snapshot) <= alignof(entry_t));

// A published column as the pivot table holds it (an owner), in 32 bits, so that a slot
// of the table is 8 or 12 bytes (pivot_map.h): at N = 10 000 on the unit-sphere walk the
// table has 7.5·10⁷ slots, and 16-byte slots were 1.19 GB of the 4 GiB goal. Either
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
// (its top bits) and an offset in units of 4 << unit_shift bytes (its low block_shift
// bits). Workers claim block numbers with an atomic counter and write the block's address
// before any handle into it is published (the table's release store), so a reader that
// found the handle in the table reads the address without a race; blocks never move.
//
// Limits (the defaults): blocks of 2^17 units, 2^14 block numbers (31 bits), number 0
// never used (handle 0 would be Published{}). A snapshot of a sixteenth of a block or
// more takes ⌈units / 2^17⌉ consecutive numbers (at least one) for an allocation of its
// own (SnapshotArena), so what runs out is bytes — 2^31 units, 8 GiB × 2^unit_shift of
// snapshots a dimension — or, past 2^14 such snapshots, numbers. Unit 4 bytes
// (unit_shift 0) wastes at most 3 bytes a snapshot (8-byte units until stop 42: at
// N = 10 000 on the unit-sphere walk 2.2·10⁷ snapshots, ≈ 1.6 GB, 2.1·10⁷ of them of
// 8–40 bytes). Past that, Claim() fails and the directory is full(): the reducer drops
// the dimension's work and redoes it with units twice as large (RipsReducer::
// ComputePairs, which starts with 8-byte units past ReducerOptions::four_byte_unit_columns
// columns, where 4-byte ones would likely not do), so a larger dimension costs the rework,
// never a wrong or missing result. A snapshot is ≥ 6 bytes (one 8-byte unit), so with
// 8-byte units 2^31 units hold 2^31 snapshots (16 GiB of them); each later doubling helps
// only if they average more than a unit: a dimension must publish fewer than 2^31
// snapshots (the columns are 32-bit numbers already, and 2^31 of them would need a 21 GB
// table).
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
  size_t unit_bytes() const { return size_t{4} << unit_shift_; }
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
    return reinterpret_cast<const Snapshot*>(block + ((size_t{h} & (block_units() - 1)) << (unit_shift_ + 2)));
  }
  // What the reduction reads of an owner: its column; its V, into `out` (empty when inline).
  uint32_t Column(Published p) const { return p.is_inline() ? p.inline_column() : Get(p)->column; }
  // A frontier's vertices into `at` and its loose entries into `loose` (when given;
  // emptied for any other owner).
  void DecodeV(Published p, std::vector<entry_t>& out, std::vector<int32_t>* at = nullptr,
               std::vector<entry_t>* loose = nullptr, index_t sigma = -1) const {
    if (p.is_inline()) {
      out.clear();
      if (at != nullptr) at->clear();
      if (loose != nullptr) loose->clear();
    } else {
      Get(p)->DecodeV(out, at, loose, sigma);
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
// directory, so handles stay valid while blocks are added. A snapshot of a sixteenth of a
// block or more gets memory of its own, exactly its size, under as many block numbers as
// it spans (at N = 10 000 on the unit-sphere walk ≈ 1 300 of them, beside ≈ 1 800 blocks,
// of the 2^14 numbers; were they to run out, the directory is full and the dimension is
// redone with larger units, which hold larger snapshots in a block). (Counted at N = 3 000
// and 5 000 on the unit-sphere walk, 2 threads: fewer than 1 column in 10⁵ is published
// twice, so superseded versions are < 0.1 % of the store; freeing them would not pay for
// an epoch scheme.)
class SnapshotArena {
 public:
  explicit SnapshotArena(SnapshotDirectory* directory) : directory_(directory) {}
  // Column `column` (diameter `birth`) with its pivot and V, published: inline when V is
  // empty, the pivot has the column's diameter and the column number fits (< 2^31), else
  // as a snapshot stored here. Published{} when the directory is full (nothing stored).
  // With `vertices` (one for each entry of v) and `loose` (entries without a cursor), a
  // frontier snapshot (Snapshot::kFrontier), never inline; with `sigma` too (the column's
  // simplex), σ's entry is coded by its vertex alone, and a reader gives σ back to DecodeV.
  // REQUIRES: v and loose sorted by index (indices distinct, but for a frontier's simplex
  // with cursors at two places, RipsCursors::FrontierOf, and repeated loose entries),
  // coefficients non-zero.
  Published Publish(uint32_t column, float birth, const DiamEntry& pivot, const std::vector<entry_t>& v,
                    const std::vector<int32_t>* vertices = nullptr, const std::vector<entry_t>* loose = nullptr,
                    index_t sigma = -1) {
    if (vertices == nullptr && v.empty() && pivot.diam == birth && column <= Published::kMaxInlineColumn) {
      return Published::Inline(column);
    }
    const bool unit = UnitCoefs(v) && (loose == nullptr || UnitCoefs(*loose));
    const bool has_loose = vertices != nullptr && loose != nullptr && !loose->empty();
    // σ's own entry in a frontier, coded by a flag and its vertex (Snapshot::holds_self),
    // when it is there once.
    size_t self = SIZE_MAX;
    if (vertices != nullptr && sigma >= 0) {
      const auto it =
          std::lower_bound(v.begin(), v.end(), sigma, [](entry_t e, index_t x) { return IndexOf(e) < x; });
      if (it != v.end() && IndexOf(*it) == sigma && (it + 1 == v.end() || IndexOf(*(it + 1)) != sigma)) {
        self = static_cast<size_t>(it - v.begin());
      }
    }
    const size_t count = v.size() - (self == SIZE_MAX ? 0 : 1);
    // σ's vertex (and coefficient) beside either coding of the others.
    const size_t self_bytes =
        self == SIZE_MAX ? 0 : core::VarintSize(static_cast<uint32_t>((*vertices)[self])) + (unit ? 0 : 1);
    size_t coded = CodedSize(v, unit, vertices, self) + self_bytes;
    // A frontier of many entries is bit-packed when that is smaller (rips_frontier_bits.h).
    FrontierBits bits;
    bool packed = false;
    if (vertices != nullptr && count >= kPackedFrontierEntries) {
      bits = FrontierBits::For(v, *vertices, self);
      const size_t packed_size = bits.Size(v, unit, self) + self_bytes;
      packed = packed_size < coded;
      if (packed) coded = packed_size;
    }
    const uint64_t kind =
        Snapshot::Kind(CoefOf(pivot.entry), unit, vertices != nullptr, has_loose, packed, self != SIZE_MAX);
    size_t bytes = sizeof(Snapshot) + core::VarintSize(kind) + core::VarintSize(count) + coded;
    if (has_loose) bytes += core::VarintSize(loose->size()) + CodedSize(*loose, unit);
    const size_t unit_bytes = directory_->unit_bytes(), block_units = directory_->block_units();
    const size_t units = (bytes + unit_bytes - 1) / unit_bytes;
    uint8_t* base = base_;
    uint32_t block = block_;
    size_t offset = used_;
    if (units >= OwnMemoryUnits(block_units)) {
      // Memory of its own, exactly its size; the current block stays open for the smaller
      // ones. (In a block's tail a large snapshot that did not fit left that tail unused:
      // at N = 10 000 on the unit-sphere walk the arenas held 1.92 GB for 1.77 GB of
      // snapshots.)
      base = NewMemory(units, block);
      if (base == nullptr) return {};
      offset = 0;
    } else {
      if (block_ == 0 || used_ + units > block_units) {
        // A new block of 2^block_shift units (what the last one has left stays unused).
        base = NewMemory(block_units, block);
        if (base == nullptr) return {};
        base_ = base;
        block_ = block;
        used_ = offset = 0;
      }
      used_ += units;
    }
    auto* s = new (base + offset * unit_bytes) Snapshot{column};
    uint8_t* out = core::PutVarint(core::PutVarint(reinterpret_cast<uint8_t*>(s + 1), kind), count);
    if (has_loose) out = PutCoded(core::PutVarint(out, loose->size()), *loose, unit);
    if (self != SIZE_MAX) {
      out = core::PutVarint(out, static_cast<uint32_t>((*vertices)[self]));
      if (!unit) *out++ = static_cast<uint8_t>(CoefOf(v[self]));
    }
    if (packed) {
      PutFrontierBits(out, bits, v, *vertices, unit, self);
    } else {
      PutCoded(out, v, unit, vertices, self);
    }
    return Published::Stored(directory_->Handle(block, offset));
  }
  // Frontiers of this many entries or more are bit-packed when that is smaller (below it
  // the varints win: the packed coding carries 10 bytes of parameters and padding).
  static constexpr size_t kPackedFrontierEntries = 16;
  // Snapshots of this many units or more get memory of their own (Publish): a sixteenth of
  // a block (64 KiB by default), so that a block's unused tail is less than that, and at
  // least a whole block when blocks are tiny (tests), so that they fill blocks.
  static size_t OwnMemoryUnits(size_t block_units) {
    return std::max<size_t>(block_units / 16, std::min<size_t>(block_units, 64));
  }
  // Bytes held (tests, counters).
  size_t bytes() const { return bytes_; }

 private:
  // `units` units of memory under ⌈units / 2^block_shift⌉ consecutive block numbers, the
  // first into `block`; nullptr (nothing kept) when the directory has no numbers left.
  uint8_t* NewMemory(size_t units, uint32_t& block) {
    const size_t unit_bytes = directory_->unit_bytes(), block_units = directory_->block_units();
    const size_t count = (units + block_units - 1) / block_units;
    const size_t words = (units * unit_bytes + sizeof(entry_t) - 1) / sizeof(entry_t);  // 8-byte aligned
    auto memory = std::make_unique_for_overwrite<entry_t[]>(words);
    uint8_t* const at = reinterpret_cast<uint8_t*>(memory.get());
    block = count >= (size_t{1} << 31) ? 0 : directory_->Claim(static_cast<uint32_t>(count), at);
    if (block == 0) return nullptr;
    blocks_.push_back(std::move(memory));
    bytes_ += units * unit_bytes;
    return at;
  }

  SnapshotDirectory* directory_;
  std::vector<std::unique_ptr<entry_t[]>> blocks_;
  uint8_t* base_ = nullptr;
  uint32_t block_ = 0;  // the current block's number (0: none yet)
  size_t used_ = 0;     // its units used
  size_t bytes_ = 0;
};

}  // namespace panic::tda::internal::reducer
