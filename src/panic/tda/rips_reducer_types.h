// The data types of the Vietoris–Rips reduction (rips_reducer.cpp): cochain entries with
// their coefficient, the packed columns and their blocked storage, the cursors and heap of
// the working column, each worker's scratch, and the filtration orders. Internal to tda/.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <vector>

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
// several at once (NextCofacets); they wait in `queued_*[next_queued, queued)`.
constexpr int kQueuedCofacets = 8;
struct Cursor {
  int w[kMaxVertices];
  index_t above[kMaxVertices + 1], below[kMaxVertices + 1];
  float diam, cd;
  int v;
  uint32_t coef;
  int queued = 0, next_queued = 0;
  float queued_cd[kQueuedCofacets];
  int queued_v[kQueuedCofacets];
};
constexpr uint32_t kNoCursor = ~uint32_t{0};
// A heap entry: a cofacet and the cursor that produced it (kNoCursor: none).
struct HeapItem {
  float diam;
  uint32_t cursor;
  entry_t entry;
};

// The scratch of reducing one column; one per worker in the parallel pre-reduction.
struct Workspace {
  std::vector<entry_t> working;  // simplices added to the current column
  std::vector<HeapItem> heap;    // its coboundary: one entry per cursor, lazy cancellation
  std::vector<Cursor> cursors;   // the simplices added to the current column
  void Clear() {
    working.clear();
    heap.clear();
    cursors.clear();
  }
};
// Columns reduced against the earlier columns of their own chunk only (the parallel
// pre-reduction): per column its V (the simplices added, summed, sorted) and its pivot.
struct LocalReduction {
  std::vector<entry_t> entries;  // V of the chunk's columns, one after the other
  std::vector<size_t> offsets;   // column a + k's V is entries[offsets[k], offsets[k + 1])
  std::vector<DiamEntry> pivots; // kNoPivot entry: reduced to zero
  // The whole scratch (heap and cursors) of the columns that took much work, by position
  // in the chunk, ascending: if an earlier chunk owns such a column's pivot, the serial
  // pass resumes from it instead of re-enumerating δ(σ + V) from scratch.
  std::vector<std::pair<size_t, Workspace>> saved;
  void Swap(LocalReduction& o) {
    entries.swap(o.entries);
    offsets.swap(o.offsets);
    pivots.swap(o.pivots);
    saved.swap(o.saved);
  }
};
constexpr entry_t kNoPivot = ~entry_t{0};

// Whether (da, ia) comes before (db, ib) in the filtration order.
inline bool Earlier(float da, index_t ia, float db, index_t ib) {
  return da < db || (da == db && ia > ib);
}
// std heap order whose top is the earliest entry in filtration order.
struct HeapOrder {
  bool operator()(const HeapItem& a, const HeapItem& b) const {
    return Earlier(b.diam, IndexOf(b.entry), a.diam, IndexOf(a.entry));
  }
};
// Sort order of the columns of one dimension: reverse filtration order.
struct ColumnOrder {
  bool operator()(const Column& a, const Column& b) const {
    return Earlier(b.diam, b.index, a.diam, a.index);
  }
};

}  // namespace panic::tda::internal::reducer
