// The published columns of the lock-free reduction (rips_reducer_types.h): a column with
// V empty and its pivot at its own diameter is packed into the 32-bit owner and stores
// nothing; any other is a snapshot whose delta-coded V decodes to exactly what was
// published (indices up to 2^56 − 1, coefficients of Z/2, Z/3 and Z/251, a V larger than a
// block), and every snapshot stays readable while more are published. The pivot table
// (pivot_map.h) with its non-power-of-two capacity finds every key it holds, full to
// max_keys, and none it does not.
#include <gtest/gtest.h>

#include <cstdint>
#include <random>
#include <set>
#include <vector>

#include "panic/tda/pivot_map.h"
#include "panic/tda/rips_reducer_types.h"
#include "panic/tda/rips_snapshots.h"

namespace panic::tda::internal::reducer {
namespace {

// A V of `size` distinct indices below 2^56 in ascending order (index 0 and the largest
// one included when asked), coefficients in 1..modulus − 1.
std::vector<entry_t> RandomV(std::mt19937_64& rng, size_t size, int modulus, bool extremes) {
  std::set<uint64_t> indices;
  if (extremes && size >= 2) indices = {0, kIndexMask};
  // Clustered indices (small gaps, as in a heavy column) and spread ones (large gaps).
  std::uniform_int_distribution<uint64_t> anywhere(0, kIndexMask), near(0, 1 << 20);
  const uint64_t base = anywhere(rng) / 2;
  while (indices.size() < size) indices.insert(indices.size() % 2 ? base + near(rng) : anywhere(rng));
  std::uniform_int_distribution<uint32_t> coef(1, static_cast<uint32_t>(modulus - 1));
  std::vector<entry_t> v;
  for (uint64_t i : indices) v.push_back(MakeEntry(static_cast<index_t>(i), coef(rng)));
  return v;
}

TEST(SnapshotArenaTest, EmergentColumnIsInlineAndStoresNothing) {
  SnapshotDirectory directory(0);
  SnapshotArena arena(&directory);
  const DiamEntry pivot{0.5f, MakeEntry(123456789, 2)};
  const Published p = arena.Publish(77, 0.5f, pivot, {});
  EXPECT_TRUE(p.is_inline());
  EXPECT_TRUE(static_cast<bool>(p));
  EXPECT_EQ(directory.Column(p), 77u);
  std::vector<entry_t> v{MakeEntry(1, 1)};
  directory.DecodeV(p, v);
  EXPECT_TRUE(v.empty());
  EXPECT_EQ(arena.bytes(), 0u);
  // The largest inline column number survives the packing.
  const Published q = arena.Publish(Published::kMaxInlineColumn, 1.0f, DiamEntry{1.0f, MakeEntry(5, 250)}, {});
  EXPECT_TRUE(q.is_inline());
  EXPECT_EQ(directory.Column(q), Published::kMaxInlineColumn);
  EXPECT_FALSE(static_cast<bool>(Published{}));
}

TEST(SnapshotArenaTest, EmptyVWithALaterPivotIsASnapshot) {
  SnapshotDirectory directory(0);
  SnapshotArena arena(&directory);
  const Published p = arena.Publish(3, 0.25f, DiamEntry{0.75f, MakeEntry(99, 1)}, {});
  EXPECT_FALSE(p.is_inline());
  EXPECT_EQ(directory.Column(p), 3u);
  EXPECT_EQ(directory.Get(p)->pivot_coef(), 1u);
  std::vector<entry_t> v;
  directory.DecodeV(p, v);
  EXPECT_TRUE(v.empty());
  EXPECT_GT(arena.bytes(), 0u);
}

TEST(SnapshotArenaTest, CodedVDecodesToWhatWasPublished) {
  std::mt19937_64 rng(18);
  for (int modulus : {2, 3, 251}) {
    SnapshotDirectory directory(0);
    SnapshotArena arena(&directory);
    std::vector<std::vector<entry_t>> published;
    std::vector<Published> owners;
    // Many small ones (several blocks), a few over a block (2^17 words) on their own.
    for (int k = 0; k < 3000; ++k) {
      const size_t size = k % 1000 == 999 ? 300000 : static_cast<size_t>(rng() % 40);
      published.push_back(RandomV(rng, size, modulus, k % 7 == 0));
      const float diam = 0.125f * static_cast<float>(k % 8);
      owners.push_back(arena.Publish(static_cast<uint32_t>(k), diam, DiamEntry{diam + 1.0f, MakeEntry(k, 1)},
                                     published.back()));
    }
    std::vector<entry_t> v;
    for (size_t k = 0; k < owners.size(); ++k) {
      ASSERT_FALSE(owners[k].is_inline());
      EXPECT_EQ(directory.Column(owners[k]), k);
      directory.DecodeV(owners[k], v);
      ASSERT_EQ(v, published[k]) << "modulus " << modulus << " snapshot " << k;
    }
  }
}

TEST(SnapshotArenaTest, PivotTableFullToItsKeysFindsExactlyThem) {
  for (size_t max_keys : {size_t{1}, size_t{3}, size_t{1000}, size_t{12345}}) {
    using Table = ConcurrentPivotMap<Published>;
    Table table(max_keys);
    EXPECT_EQ(table.capacity(), Table::Capacity(max_keys));
    EXPECT_GE(4 * table.capacity(), 5 * max_keys);  // the load stays ≤ 4/5 …
    EXPECT_LT(table.capacity(), 5 * max_keys / 4 + 3);  // … and not far below
    std::mt19937_64 rng(max_keys);
    std::set<uint64_t> keys;
    while (keys.size() < max_keys) keys.insert(rng() & kIndexMask);
    uint32_t column = 0;
    for (uint64_t key : keys) {
      const auto [slot, inserted] = table.Insert(key, Published::Inline(column++));
      ASSERT_TRUE(inserted);
      EXPECT_FALSE(table.Insert(key, Published::Inline(0)).second);  // present: unchanged
      EXPECT_EQ(table.Find(key), slot);
    }
    column = 0;
    for (uint64_t key : keys) {
      const size_t slot = table.Find(key);
      ASSERT_NE(slot, Table::kNone);
      EXPECT_EQ(table.Owner(slot).inline_column(), column++);
      EXPECT_FALSE(table.Replace(slot, Published::Inline(column + 7), Published::Inline(0)));
      EXPECT_TRUE(table.Replace(slot, Published::Inline(column - 1), Published::Stored(column)));
      EXPECT_EQ(table.Owner(slot), Published::Stored(column));
    }
    for (int k = 0; k < 1000; ++k) {
      const uint64_t key = rng() & kIndexMask;
      if (!keys.count(key)) {
        EXPECT_EQ(table.Find(key), Table::kNone);
      }
    }
    size_t seen = 0;
    table.ForEach([&](uint64_t key, Published owner) {
      EXPECT_TRUE(keys.count(key));
      EXPECT_FALSE(owner.is_inline());
      ++seen;
    });
    EXPECT_EQ(seen, max_keys);
  }
}

}  // namespace
}  // namespace panic::tda::internal::reducer
