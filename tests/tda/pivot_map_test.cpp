// The lock-free pivot table's paged layout (pivot_map.h): 8-byte slots that keep 32 bits
// of a mixed key beside its owner, the rest of the key named by the slot's page. Checked:
// the mixer is a bijection whose inverse gives every key back; a table full to max_keys
// finds exactly its keys, with their owners, in both layouts and with pages so small that
// many fill and spill into the overflow; ForEach and ForEachIn give every key back once;
// two threads inserting the same keys at once agree on one owner a key.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <map>
#include <random>
#include <set>
#include <thread>
#include <vector>

#include "panic/tda/pivot_map.h"
#include "panic/tda/rips_snapshots.h"

namespace panic::tda::internal::reducer {
namespace {

using Table = ConcurrentPivotMap<Published>;

TEST(BitMixerTest, IsABijectionOfItsRangeUpToSixteenBits) {
  for (int bits = 1; bits <= 16; ++bits) {
    const BitMixer mixer(bits);
    const uint64_t size = uint64_t{1} << bits;
    std::vector<uint8_t> hit(size, 0);
    for (uint64_t x = 0; x < size; ++x) {
      const uint64_t y = mixer.Mix(x);
      ASSERT_LT(y, size) << bits << " bits, x = " << x;
      ASSERT_EQ(hit[y], 0) << bits << " bits: two inputs give " << y;
      hit[y] = 1;
      ASSERT_EQ(mixer.Unmix(y), x) << bits << " bits";
    }
  }
}

TEST(BitMixerTest, UnmixGivesBackWideKeys) {
  std::mt19937_64 rng(7);
  for (int bits : {17, 31, 32, 33, 40, 49, 56, 63, 64}) {
    const BitMixer mixer(bits);
    const uint64_t mask = bits == 64 ? ~uint64_t{0} : (uint64_t{1} << bits) - 1;
    for (uint64_t x : {uint64_t{0}, uint64_t{1}, mask - 1, mask}) EXPECT_EQ(mixer.Unmix(mixer.Mix(x)), x) << bits;
    for (int k = 0; k < 100000; ++k) {
      const uint64_t x = rng() & mask;
      const uint64_t y = mixer.Mix(x);
      ASSERT_LE(y, mask);
      ASSERT_EQ(mixer.Unmix(y), x) << bits << " bits";
    }
  }
  // Dense keys (simplex indices are) spread over the top bits that pick the page.
  const BitMixer mixer(49);
  std::vector<int> per_page(256, 0);
  for (uint64_t x = 0; x < 256 * 400; ++x) ++per_page[mixer.Mix(x) >> 41];
  const auto [least, most] = std::minmax_element(per_page.begin(), per_page.end());
  EXPECT_GT(*least, 400 - 6 * 20);
  EXPECT_LT(*most, 400 + 6 * 20);
}

// Fills a table with max_keys random keys below key_bound (two threads, each inserting
// every key, in different orders), then checks every operation against a reference.
void FillAndCheck(size_t max_keys, uint64_t key_bound, size_t min_page_slots, bool expect_paged,
                  bool expect_overflow) {
  SCOPED_TRACE(testing::Message() << max_keys << " keys below " << key_bound << ", pages ≥ " << min_page_slots);
  Table table(max_keys, key_bound, min_page_slots);
  ASSERT_EQ(table.paged(), expect_paged);
  EXPECT_GE(table.capacity(), Table::Capacity(max_keys));
  std::mt19937_64 rng(max_keys ^ key_bound);
  std::set<uint64_t> key_set;
  while (key_set.size() < max_keys) key_set.insert(rng() % key_bound);
  // The extremes, when they fit.
  if (max_keys >= 2) {
    key_set.erase(key_set.begin());
    key_set.erase(std::prev(key_set.end()));
    key_set.insert(0);
    key_set.insert(key_bound - 1);
  }
  std::vector<uint64_t> keys(key_set.begin(), key_set.end());
  std::vector<uint64_t> reversed(keys.rbegin(), keys.rend());
  std::shuffle(keys.begin(), keys.end(), rng);
  // Owner of key k: Inline(position in `sorted`) from thread 0, Stored(position + 1) from 1.
  const std::vector<uint64_t> sorted(key_set.begin(), key_set.end());
  auto position = [&](uint64_t key) {
    return static_cast<uint32_t>(std::lower_bound(sorted.begin(), sorted.end(), key) - sorted.begin());
  };
  std::vector<std::vector<std::pair<uint64_t, size_t>>> won(2);
  auto insert_all = [&](int thread, const std::vector<uint64_t>& order) {
    for (uint64_t key : order) {
      const Published owner = thread == 0 ? Published::Inline(position(key)) : Published::Stored(position(key) + 1);
      const auto [slot, inserted] = table.Insert(key, owner);
      if (inserted) won[static_cast<size_t>(thread)].emplace_back(key, slot);
    }
  };
  std::thread other(insert_all, 1, reversed);
  insert_all(0, keys);
  other.join();
  ASSERT_EQ(won[0].size() + won[1].size(), max_keys) << "every key inserted exactly once";
  if (expect_overflow) {
    EXPECT_GT(table.overflow_size(), size_t{0});
  } else {
    EXPECT_EQ(table.overflow_size(), size_t{0});
  }
  std::map<uint64_t, Published> owner_of;
  for (int thread = 0; thread < 2; ++thread) {
    for (const auto& [key, slot] : won[static_cast<size_t>(thread)]) {
      const Published owner = thread == 0 ? Published::Inline(position(key)) : Published::Stored(position(key) + 1);
      ASSERT_EQ(table.Find(key), slot);
      ASSERT_EQ(table.Owner(slot), owner);
      EXPECT_FALSE(table.Insert(key, Published::Inline(0)).second);  // present: unchanged
      ASSERT_EQ(table.Owner(slot), owner);
      owner_of[key] = owner;
    }
  }
  // Replace: refused when the expected owner is not the one there, else done.
  size_t replaced = 0;
  for (auto& [key, owner] : owner_of) {
    if (position(key) % 3 != 0) continue;
    const size_t slot = table.Find(key);
    const Published next = Published::Stored(static_cast<uint32_t>(max_keys) + position(key) + 1);
    EXPECT_FALSE(table.Replace(slot, next, Published::Inline(1)));
    ASSERT_EQ(table.Owner(slot), owner);
    ASSERT_TRUE(table.Replace(slot, owner, next));
    owner = next;
    ASSERT_EQ(table.Owner(table.Find(key)), next);
    ++replaced;
  }
  EXPECT_GT(replaced, size_t{0});
  for (int k = 0; k < 20000; ++k) {
    const uint64_t key = rng() % key_bound;
    if (!key_set.count(key)) {
      ASSERT_EQ(table.Find(key), Table::kNone) << key;
    }
  }
  std::map<uint64_t, Published> seen;
  table.ForEach([&](uint64_t key, Published owner) { EXPECT_TRUE(seen.emplace(key, owner).second) << key; });
  EXPECT_EQ(seen, owner_of);
  // ForEachIn over uneven ranges sees the same, once.
  std::map<uint64_t, Published> in_ranges;
  const size_t capacity = table.capacity();
  for (size_t begin = 0; begin < capacity; begin += 97) {
    table.ForEachIn(begin, std::min(capacity, begin + 97),
                    [&](uint64_t key, Published owner) { EXPECT_TRUE(in_ranges.emplace(key, owner).second) << key; });
  }
  EXPECT_EQ(in_ranges, owner_of);
}

TEST(PivotMapTest, PagedSlotsOnePageFullToItsKeys) {
  FillAndCheck(1, uint64_t{1} << 20, Table::kMinPageSlots, true, false);
  FillAndCheck(3, 5, Table::kMinPageSlots, true, false);
  FillAndCheck(20000, uint64_t{1} << 30, Table::kMinPageSlots, true, false);
}

TEST(PivotMapTest, PagedSlotsManyPagesFullToTheirKeys) {
  // 2^(40 − 32) = 256 pages of ⌈266 668 / 256⌉ = 1 042 slots.
  FillAndCheck(200000, uint64_t{1} << 40, Table::kMinPageSlots, true, false);
}

TEST(PivotMapTest, FullPagesSpillIntoTheOverflow) {
  // 2^12 pages of 17 slots for ≈ 12 keys each: many pages fill.
  FillAndCheck(50000, uint64_t{1} << 44, 4, true, true);
  // Pages of 2 slots: most keys overflow.
  FillAndCheck(3000, uint64_t{1} << 44, 1, true, true);
}

TEST(PivotMapTest, WideSlotsWhenPagesWouldBeSmall) {
  // 2^17 pages of 11 slots: too small for the default, so the wide layout.
  FillAndCheck(20000, uint64_t{1} << 49, Table::kMinPageSlots, false, false);
  Table wide(1000000, uint64_t{1} << 49);
  EXPECT_FALSE(wide.paged());
  EXPECT_EQ(wide.bytes(), wide.capacity() * 12);
  // At N = 10 000 and maxdim 2 (keys below C(10 000, 4) < 2^49, 5.6·10⁷ columns) the
  // pages have 534 slots: paged, 8 bytes a slot. Only the layout is computed here.
  EXPECT_GE((Table::Capacity(55933643) + (size_t{1} << 17) - 1) >> 17, Table::kMinPageSlots);
  Table paged(1000000, uint64_t{1} << 40);
  EXPECT_TRUE(paged.paged());
  EXPECT_EQ(paged.bytes(), paged.capacity() * 8);
  EXPECT_LT(paged.capacity(), Table::Capacity(1000000) + 256);
}

}  // namespace
}  // namespace panic::tda::internal::reducer
