// The reduction's column list (rips_reducer_types.h, ColumnList): each entry in as few
// bytes as the bound needs, read back exactly — at every width, at the largest index the
// bound allows, and with neighbours set in any order (an entry's bytes are its own).
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <random>
#include <thread>
#include <vector>

#include "panic/tda/rips_reducer_types.h"

namespace panic::tda::internal::reducer {
namespace {

TEST(ColumnListTest, WidthIsTheBytesTheBoundNeeds) {
  EXPECT_EQ(ColumnList(3, 1).width(), 1);
  EXPECT_EQ(ColumnList(3, 256).width(), 1);
  EXPECT_EQ(ColumnList(3, 257).width(), 2);
  EXPECT_EQ(ColumnList(3, uint64_t{1} << 32).width(), 4);
  EXPECT_EQ(ColumnList(3, (uint64_t{1} << 32) + 1).width(), 5);
  // C(10 000, 3), the triangles at N = 10 000; C(10 000, 4), the tetrahedra.
  EXPECT_EQ(ColumnList(3, 166616670000).width(), 5);
  EXPECT_EQ(ColumnList(3, 416416712497500).width(), 7);
  EXPECT_EQ(ColumnList(3, uint64_t{1} << 56).width(), 7);
  EXPECT_EQ(ColumnList(3, (uint64_t{1} << 56) + 1).width(), 8);
}

TEST(ColumnListTest, EntriesReadBackAtEveryWidth) {
  std::mt19937_64 rng(7);
  for (int bits = 1; bits <= 63; ++bits) {
    const uint64_t bound = uint64_t{1} << bits;
    const size_t count = 1000;
    ColumnList list(count, bound);
    std::vector<index_t> want(count);
    // The extremes first and last (the last entry is read through the padding), random
    // indices between; set in a shuffled order so that a write spilling onto a
    // neighbour would be seen.
    for (size_t i = 0; i < count; ++i) want[i] = static_cast<index_t>(rng() % bound);
    want[0] = static_cast<index_t>(bound - 1);
    want[count - 1] = static_cast<index_t>(bound - 1);
    want[count - 2] = 0;
    std::vector<size_t> order(count);
    for (size_t i = 0; i < count; ++i) order[i] = i;
    std::shuffle(order.begin(), order.end(), rng);
    for (size_t i : order) list.set(i, want[i]);
    ASSERT_EQ(list.size(), count);
    for (size_t i = 0; i < count; ++i) ASSERT_EQ(list[i], want[i]) << "bits " << bits << " entry " << i;
  }
}

TEST(ColumnListTest, NeighboursSetFromTwoThreads) {
  // Even entries from one thread, odd from the other: 5-byte entries share 8-byte words.
  const size_t count = 1 << 16;
  const uint64_t bound = uint64_t{1} << 38;
  ColumnList list(count, bound);
  auto value = [&](size_t i) { return static_cast<index_t>((i * 0x9E3779B97F4A7C15ull) % bound); };
  std::thread odd([&] {
    for (size_t i = 1; i < count; i += 2) list.set(i, value(i));
  });
  for (size_t i = 0; i < count; i += 2) list.set(i, value(i));
  odd.join();
  for (size_t i = 0; i < count; ++i) ASSERT_EQ(list[i], value(i)) << i;
}

TEST(ColumnListTest, EmptyAndDefault) {
  EXPECT_TRUE(ColumnList().empty());
  EXPECT_EQ(ColumnList().size(), 0u);
  ColumnList none(0, 100);
  EXPECT_TRUE(none.empty());
}

}  // namespace
}  // namespace panic::tda::internal::reducer
