// The working coboundary's 4-ary heap (rips_reducer_types.h): it pops items in filtration
// order (diameter ascending, ties by index descending) through every operation the
// reducer uses — push, pop, replace-top, make — against a sort of the same items; and its
// storage puts item 1 on a 64-byte boundary at every capacity it grows through, so that
// the four children of an item share one cache line (what the sift's prefetch of the next
// level relies on).
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <random>
#include <vector>

#include "panic/tda/rips_reducer_types.h"

namespace panic::tda::internal::reducer {
namespace {

HeapItem Item(float diam, index_t index, uint32_t cursor) { return HeapItem{diam, cursor, MakeEntry(index, 1)}; }

// Pops the whole heap, returning (diameter, index) in the order it gave them.
std::vector<std::pair<float, index_t>> Drain(Heap& h) {
  std::vector<std::pair<float, index_t>> out;
  while (!h.empty()) {
    out.emplace_back(h.front().diam, IndexOf(h.front().entry));
    HeapPop(h);
  }
  return out;
}

std::vector<std::pair<float, index_t>> Sorted(std::vector<HeapItem> items) {
  std::sort(items.begin(), items.end(), [](const HeapItem& a, const HeapItem& b) { return HeapBefore(a, b); });
  std::vector<std::pair<float, index_t>> out;
  for (const HeapItem& h : items) out.emplace_back(h.diam, IndexOf(h.entry));
  return out;
}

// Few distinct diameters, so that ties (ordered by index, descending) are most of the
// comparisons, as on rank-keyed clouds' own-diameter runs.
std::vector<HeapItem> RandomItems(size_t n, uint32_t seed) {
  std::mt19937_64 rng(seed);
  std::vector<HeapItem> items;
  for (size_t k = 0; k < n; ++k) {
    items.push_back(Item(static_cast<float>(rng() % 17), static_cast<index_t>(rng() % (n * 4)), static_cast<uint32_t>(k)));
  }
  return items;
}

TEST(ReducerHeapTest, PushedItemsPopInFiltrationOrder) {
  for (size_t n : {size_t{1}, size_t{2}, size_t{5}, size_t{17}, size_t{1000}, size_t{100000}}) {
    const std::vector<HeapItem> items = RandomItems(n, 7 + n);
    Heap h;
    for (const HeapItem& item : items) HeapPush(h, item);
    EXPECT_EQ(Drain(h), Sorted(items)) << n << " items";
  }
}

TEST(ReducerHeapTest, MadeHeapPopsInFiltrationOrder) {
  for (size_t n : {size_t{2}, size_t{4}, size_t{5}, size_t{21}, size_t{4097}, size_t{100000}}) {
    const std::vector<HeapItem> items = RandomItems(n, 11 + n);
    Heap h(items.begin(), items.end());
    HeapMake(h);
    EXPECT_EQ(Drain(h), Sorted(items)) << n << " items";
  }
}

// The reducer's lazy merge: a popped cursor's item is replaced by its next cofacet, which
// is never earlier (equal diameter and smaller index, or a larger diameter).
TEST(ReducerHeapTest, ReplacedTopsKeepFiltrationOrder) {
  std::mt19937_64 rng(3);
  std::vector<HeapItem> all = RandomItems(50000, 5);
  Heap h(all.begin(), all.end());
  HeapMake(h);
  std::vector<HeapItem> popped;
  while (!h.empty()) {
    const HeapItem top = h.front();
    popped.push_back(top);
    if (rng() % 4 == 0 || popped.size() > 150000) {
      HeapPop(h);
      continue;
    }
    const index_t top_index = IndexOf(top.entry);
    const float gap = static_cast<float>(rng() % 3);
    HeapItem later = Item(top.diam + gap, static_cast<index_t>(rng() % 200000), top.cursor);
    if (gap == 0) {
      if (top_index == 0) {
        later.diam += 1;
      } else {
        later.entry = MakeEntry(top_index - 1 - static_cast<index_t>(rng() % static_cast<uint64_t>(top_index)), 1);
      }
    }
    ASSERT_FALSE(HeapBefore(later, top));
    all.push_back(later);
    HeapReplaceTop(h, later);
  }
  for (size_t k = 1; k < popped.size(); ++k) {
    ASSERT_FALSE(HeapBefore(popped[k], popped[k - 1])) << "pop " << k;
  }
  std::vector<std::pair<float, index_t>> got;
  for (const HeapItem& item : popped) got.emplace_back(item.diam, IndexOf(item.entry));
  EXPECT_EQ(got, Sorted(all));
}

TEST(ReducerHeapTest, ChildrenOfAnItemShareACacheLine) {
  Heap h;
  size_t capacity = 0;
  int capacities = 0;
  for (uint32_t k = 0; k < 300000; ++k) {
    h.push_back(Item(1.0f, k, k));
    if (h.capacity() != capacity) {
      capacity = h.capacity();
      ++capacities;
      if (h.size() > 1) {
        EXPECT_EQ(reinterpret_cast<uintptr_t>(h.data() + 1) % 64, 0u) << "capacity " << capacity;
      }
    }
  }
  EXPECT_GT(capacities, 10);
  Heap copy(h.begin(), h.begin() + 5);
  EXPECT_EQ(reinterpret_cast<uintptr_t>(copy.data() + 1) % 64, 0u);
}

}  // namespace
}  // namespace panic::tda::internal::reducer
