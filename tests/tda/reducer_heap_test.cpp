// The working coboundary's queues (coboundary_heap.h). The 4-ary heap pops items in
// filtration order (diameter ascending, ties by index descending) through every operation
// — push, pop, replace-top, make — against a sort of the same items, and its storage puts
// item 1 on a 64-byte boundary at every capacity it grows through, so that the four
// children of an item share one cache line (what the sift's prefetch of the next level
// relies on). The radix heap around it (CoboundaryHeap) gives the earliest item at every
// step of a random mix of the reducer's operations — pushes earlier than the last top
// included — against a sorted list of the same items, and its passes see every item.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <map>
#include <random>
#include <vector>

#include "panic/tda/coboundary_heap.h"

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

// Diameters as the reducer has them: a few equal ones, close ones (neighbouring floats,
// rank keys), far ones across binades, and 0.
float RandomDiam(std::mt19937_64& rng, float near) {
  switch (rng() % 5) {
    case 0: return near;
    case 1: return std::nextafter(near, 1e30f);
    case 2: return near + static_cast<float>(rng() % 1000) * 1e-6f;
    case 3: return static_cast<float>(rng() % 100000) / 997.0f;
    default: return rng() % 50 == 0 ? 0.0f : std::ldexp(1.0f, static_cast<int>(rng() % 40) - 20);
  }
}

// The reference: the items held, as (diameter, index) → count.
using Held = std::map<std::pair<float, index_t>, int, bool (*)(const std::pair<float, index_t>&, const std::pair<float, index_t>&)>;
bool ByFiltration(const std::pair<float, index_t>& a, const std::pair<float, index_t>& b) {
  return Earlier(a.first, a.second, b.first, b.second);
}
std::pair<float, index_t> KeyOf(const HeapItem& h) { return {h.diam, IndexOf(h.entry)}; }
void Take(Held& held, std::pair<float, index_t> key) {
  auto it = held.find(key);
  ASSERT_NE(it, held.end());
  if (--it->second == 0) held.erase(it);
}

TEST(CoboundaryHeapTest, GivesTheEarliestItemThroughTheReducersOperations) {
  for (uint32_t seed : {1u, 2u, 3u}) {
    std::mt19937_64 rng(seed);
    CoboundaryHeap h;
    Held held(ByFiltration);
    size_t count = 0;
    uint32_t next_cursor = 0;
    float near = 1.0f;
    for (int step = 0; step < 400000; ++step) {
      const int op = static_cast<int>(rng() % 16);
      if (count == 0 || op < 7) {  // push: later than the top mostly, earlier sometimes
        const float diam = rng() % 8 == 0 ? near * 0.5f : RandomDiam(rng, near);
        const HeapItem item = Item(diam, static_cast<index_t>(rng() % 5000), next_cursor++);
        h.push(item);
        ++held[KeyOf(item)];
        ++count;
      } else if (op < 12) {  // pop, after checking the top
        ASSERT_EQ(KeyOf(h.front()), held.begin()->first) << "seed " << seed << " step " << step;
        near = h.front().diam;
        Take(held, KeyOf(h.front()));
        h.pop();
        --count;
      } else if (op < 15) {  // the top's cursor moves on: replaced by a later item
        const HeapItem top = h.front();
        ASSERT_EQ(KeyOf(top), held.begin()->first) << "seed " << seed << " step " << step;
        near = top.diam;
        HeapItem later = Item(RandomDiam(rng, top.diam), static_cast<index_t>(rng() % 5000), top.cursor);
        if (HeapBefore(later, top)) later.diam = std::nextafter(top.diam, 1e30f);
        Take(held, KeyOf(top));
        ++held[KeyOf(later)];
        h.replace_top(later);
      } else if (step % 64 == 15) {  // a sweep: some items dropped, the others renumbered
        h.Filter([&](HeapItem& item) {
          if (item.cursor % 7 == 0) {
            Take(held, KeyOf(item));
            --count;
            return false;
          }
          item.cursor += 1;
          return true;
        });
      }
      ASSERT_EQ(h.size(), count);
      ASSERT_EQ(h.empty(), count == 0);
    }
    // A pass sees every item once.
    Held seen(ByFiltration);
    size_t items = 0;
    h.ForEachPart([&](const HeapItem* part, size_t n) {
      for (size_t i = 0; i < n; ++i) ++seen[KeyOf(part[i])];
      items += n;
    });
    EXPECT_EQ(items, count);
    EXPECT_EQ(seen, held);
    // The rest pops in order; after clear() and Trim() the heap starts over.
    std::pair<float, index_t> previous{-1.0f, 0};
    while (!h.empty()) {
      const auto key = KeyOf(h.front());
      EXPECT_EQ(key, held.begin()->first);
      EXPECT_FALSE(ByFiltration(key, previous));
      previous = key;
      Take(held, key);
      h.pop();
    }
    EXPECT_TRUE(held.empty());
    for (int round = 0; round < 2; ++round) {
      for (uint32_t k = 0; k < 5000; ++k) h.push(Item(static_cast<float>(k % 13), k, k));
      round == 0 ? h.clear() : h.Trim(1024);
      EXPECT_TRUE(h.empty());
      h.push(Item(2.0f, 9, 0));
      h.push(Item(1.0f, 3, 1));
      EXPECT_EQ(KeyOf(h.front()), (std::pair<float, index_t>{1.0f, 3}));
      h.clear();
    }
  }
}

// A sweep that leaves a bucket's last chunk exactly full, or the bucket empty, keeps the
// count and the items (the chunks are 1 024 items).
TEST(CoboundaryHeapTest, FilterKeepsWholeChunks) {
  for (uint32_t keep_one_in : {1u, 3u}) {
    CoboundaryHeap h;
    h.push(Item(1.0f, 1, 10000));  // kept: 10 000 is no multiple of 3
    for (uint32_t k = 1; k <= 3072; ++k) h.push(Item(100.0f, k, k));  // one bucket
    for (uint32_t k = 1; k <= 500; ++k) h.push(Item(7.0f, k, 5000 + k));  // another, emptied
    h.Filter([&](HeapItem& item) {
      if (item.diam == 7.0f) return false;
      return keep_one_in == 1 || item.cursor % keep_one_in != 0;  // 3 072 or 2 048 kept
    });
    const size_t expected = 1 + (keep_one_in == 1 ? 3072 : 2048);
    ASSERT_EQ(h.size(), expected);
    size_t popped = 0;
    float previous = 0;
    while (!h.empty()) {
      EXPECT_GE(h.front().diam, previous);
      EXPECT_NE(h.front().diam, 7.0f);
      previous = h.front().diam;
      h.pop();
      ++popped;
    }
    EXPECT_EQ(popped, expected);
  }
}

}  // namespace
}  // namespace panic::tda::internal::reducer
