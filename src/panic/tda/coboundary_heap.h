// The working coboundary's queue of the Vietoris–Rips reduction (rips_reducer.cpp): its
// items, the 4-ary heap that orders the near ones, and the radix heap around it that holds
// a heavy column's 10⁷ later ones unordered. Internal to tda/.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>
#include <new>
#include <vector>

#include "panic/core/prefetch.h"
#include "panic/tda/rips_entry.h"

namespace panic::tda::internal::reducer {

constexpr uint32_t kNoCursor = ~uint32_t{0};
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

// The working coboundary's queue: a radix heap on the diameter's bits. The items of
// diameter at most `last_` (that of the last item settled to the top) are a 4-ary heap
// (`near_`, in filtration order); each later one waits unordered in bucket i when its
// diameter first differs from last_ at bit i − 1, and when near_ runs out, the lowest
// non-empty bucket is spread into lower ones around its least diameter, which becomes
// last_ (its items all agree with it above bit i − 1, so each goes lower). A push is an
// append, and no order is asked of the pushes: one at or below last_ (a cofacet just past
// a held pivot, while last_ has moved on to the next item) goes into near_.
// Why (stop 38): a heavy column's items stand just past its pivot, and the 4-ary heap of
// 10⁷ items sifted each of them up nearly to the root, and each pop down from it, through
// levels far beyond L2 (18 % of the sphere N = 10 000 tail's samples). Here an item is
// written once when pushed and again only as its bucket comes to the top; the many that
// never get there (a heavy column's cursors mostly die unpopped) cost one append.
// The buckets are lists of 16 KiB chunks taken from a pool of spare ones, so that their
// storage is the items held plus a chunk a bucket (vectors doubling as items moved between
// them held up to twice the items). A bucket being spread gives each chunk back as soon as
// it is read, and spares past a small reserve are freed (ReleaseSpare): until stop 41 the
// pool kept every chunk a column had ever used — at N = 10 000 on the unit-sphere walk a
// monster's heap held 219 MB for 6.5·10⁶ cursors, chunks for twice its items.
class CoboundaryHeap {
 public:
  bool empty() const { return size_ == 0; }
  size_t size() const { return size_; }
  // The earliest item. REQUIRES: !empty().
  const HeapItem& front() {
    if (near_.empty()) Settle();
    return near_.front();
  }
  void push(const HeapItem& item) {
    Place(item, Key(item.diam));
    ++size_;
  }
  // Removes the earliest item. REQUIRES: !empty().
  void pop() {
    if (near_.empty()) Settle();
    HeapPop(near_);
    --size_;
  }
  // Replaces the earliest item by `item` (one sift when it stays near).
  // REQUIRES: !empty().
  void replace_top(const HeapItem& item) {
    if (near_.empty()) Settle();
    const uint32_t key = Key(item.diam);
    if (key <= last_) {
      HeapReplaceTop(near_, item);
      return;
    }
    HeapPop(near_);
    Place(item, key);
  }
  // The near heap's first items (its top and the top's children), n of them.
  const HeapItem* top_items(size_t& n) const {
    n = near_.size();
    return near_.data();
  }
  void clear() {
    near_.clear();
    for (uint64_t m = nonempty_; m != 0; m &= m - 1) Release(buckets_[__builtin_ctzll(m)]);
    nonempty_ = 0;
    size_ = 0;
    last_ = 0;
  }
  // clear(), and the storage freed past `keep` items (the near heap) or kept chunks.
  void Trim(size_t keep) {
    clear();
    if (near_.capacity() > keep) Heap().swap(near_);
    if (free_.size() * kChunkItems > keep) free_.clear();  // clear() put every chunk there
  }
  // f(items, n) for the items in parts (in no order). f may not push or pop.
  template <typename F>
  void ForEachPart(F f) {
    if (!near_.empty()) f(near_.data(), near_.size());
    for (uint64_t m = nonempty_; m != 0; m &= m - 1) {
      const Bucket& b = buckets_[__builtin_ctzll(m)];
      for (size_t c = 0; c < b.chunks.size(); ++c) f(b.chunks[c]->items, PartSize(b, c));
    }
  }
  // Keeps the items for which keep(item) is true; keep may change an item's cursor, not
  // its diameter.
  template <typename F>
  void Filter(F keep) {
    size_t kept = 0;
    for (size_t i = 0; i < near_.size(); ++i) {
      HeapItem h = near_[i];
      if (keep(h)) near_[kept++] = h;
    }
    near_.resize(kept);
    HeapMake(near_);
    size_ = kept;
    for (uint64_t m = nonempty_; m != 0; m &= m - 1) {
      const int k = __builtin_ctzll(m);
      Bucket& b = buckets_[k];
      size_t out = 0;  // items kept so far, written from the first chunk on
      for (size_t c = 0; c < b.chunks.size(); ++c) {
        const size_t n = PartSize(b, c);
        for (size_t i = 0; i < n; ++i) {
          HeapItem h = b.chunks[c]->items[i];
          if (keep(h)) {
            b.chunks[out / kChunkItems]->items[out % kChunkItems] = h;
            ++out;
          }
        }
      }
      const size_t chunks = (out + kChunkItems - 1) / kChunkItems;
      while (b.chunks.size() > chunks) {
        free_.push_back(std::move(b.chunks.back()));
        b.chunks.pop_back();
      }
      b.tail = out - (chunks == 0 ? 0 : (chunks - 1) * kChunkItems);
      size_ += out;
      if (out == 0) nonempty_ &= ~(uint64_t{1} << k);
    }
    ReleaseSpare();
  }

 private:
  static constexpr size_t kChunkItems = 1024;  // 16 KiB
  struct Chunk {
    HeapItem items[kChunkItems];
  };
  struct Bucket {
    std::vector<std::unique_ptr<Chunk>> chunks;
    size_t tail = 0;  // items in the last chunk
  };
  static constexpr int kBuckets = 33;
  // A diameter's order as an integer: the bits of a non-negative float (−0 as +0).
  static uint32_t Key(float diam) {
    uint32_t bits;
    std::memcpy(&bits, &diam, sizeof bits);
    return diam == 0.0f ? 0 : bits;
  }
  static size_t PartSize(const Bucket& b, size_t c) { return c + 1 == b.chunks.size() ? b.tail : kChunkItems; }
  void Append(int k, const HeapItem& item) {
    Bucket& b = buckets_[k];
    if (b.chunks.empty() || b.tail == kChunkItems) {
      if (free_.empty()) free_.push_back(std::make_unique<Chunk>());
      b.chunks.push_back(std::move(free_.back()));
      free_.pop_back();
      b.tail = 0;
    }
    b.chunks.back()->items[b.tail++] = item;
    nonempty_ |= uint64_t{1} << k;
  }
  void Release(Bucket& b) {
    for (auto& c : b.chunks) free_.push_back(std::move(c));
    b.chunks.clear();
    b.tail = 0;
  }
  void Place(const HeapItem& item, uint32_t key) {
    if (key <= last_) {
      HeapPush(near_, item);
    } else {
      Append(32 - __builtin_clz(key ^ last_), item);
    }
  }
  // Spreads the lowest bucket around its least diameter, which becomes last_.
  // REQUIRES: near_ empty, size_ > 0.
  void Settle() {
    const int k = __builtin_ctzll(nonempty_);
    Bucket& from = buckets_[k];
    uint32_t least = ~uint32_t{0};
    for (size_t c = 0; c < from.chunks.size(); ++c) {
      const HeapItem* items = from.chunks[c]->items;
      for (size_t i = 0, n = PartSize(from, c); i < n; ++i) least = std::min(least, Key(items[i].diam));
    }
    last_ = least;
    nonempty_ &= ~(uint64_t{1} << k);
    for (size_t c = 0; c < from.chunks.size(); ++c) {
      const HeapItem* items = from.chunks[c]->items;
      for (size_t i = 0, n = PartSize(from, c); i < n; ++i) {
        const uint32_t key = Key(items[i].diam);
        if (key == least) {
          near_.push_back(items[i]);
        } else {
          Append(32 - __builtin_clz(key ^ least), items[i]);
        }
      }
      // Read through: the appends above may take it at once (they never go to bucket k:
      // its keys differ from `least` below bit k − 1), so that spreading a bucket of 10⁶
      // items does not hold them twice.
      free_.push_back(std::move(from.chunks[c]));
    }
    from.chunks.clear();
    from.tail = 0;
    HeapMake(near_);
    ReleaseSpare();
  }
  // Frees the spare chunks past a small reserve (an eighth of the items' worth, at least
  // kSpareChunks): a heavy column's heap shrinks as its buckets are settled into the near
  // heap or filtered, and the chunks it no longer needs go back while the column goes on.
  static constexpr size_t kSpareChunks = 16;
  void ReleaseSpare() {
    const size_t spare = std::max(kSpareChunks, size_ / (8 * kChunkItems));
    if (free_.size() > spare) free_.resize(spare);
  }
  Heap near_;  // the items of diameter ≤ last_, in filtration order
  Bucket buckets_[kBuckets];
  std::vector<std::unique_ptr<Chunk>> free_;  // chunks in no bucket, for the next appends
  uint64_t nonempty_ = 0;  // bit k: bucket k holds items
  uint32_t last_ = 0;
  size_t size_ = 0;
};

}  // namespace panic::tda::internal::reducer
