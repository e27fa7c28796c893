// The duplicate index of a heavy column (rips_reducer_types.h, CursorIndex): 5-byte slots
// of an 8-bit tag and a cursor number, probed from a multiply-shift home. Every simplex
// recorded is found again whatever shares its tag or its home, a sweep's renumbering keeps
// the probe sequences whole, and nothing is found that was not put.
#include <gtest/gtest.h>

#include <cstdint>
#include <map>
#include <random>
#include <vector>

#include "panic/tda/rips_reducer_types.h"

namespace panic::tda::internal::reducer {
namespace {

// A stand-in for the cursors: cursor k stands for simplex keys[k].
struct Cursors {
  std::vector<uint64_t> keys;
  CursorIndex::Ref SlotOf(CursorIndex& index, uint64_t key) {
    return index.Slot(key, [&](uint32_t k) { return keys.at(k) == key; });
  }
  // Records a new cursor of `key`, as the reducer does (RipsCursors::IndexCursor).
  uint32_t Add(CursorIndex& index, uint64_t key) {
    const auto k = static_cast<uint32_t>(keys.size());
    keys.push_back(key);
    index.Put(SlotOf(index, key), k);
    return k;
  }
};

TEST(CursorIndexTest, FindsEveryKeyPutAndNoOther) {
  std::mt19937_64 rng(42);
  CursorIndex index;
  EXPECT_FALSE(index.active());
  const size_t count = 200000;
  index.Reset(count);
  EXPECT_TRUE(index.active());
  Cursors cursors;
  std::map<uint64_t, uint32_t> want;
  // Dense keys (simplex indices are dense) and scattered ones, as many as fit.
  for (size_t i = 0; index.Fits(1) && i < 2 * count; ++i) {
    const uint64_t key = i % 2 == 0 ? i : rng() >> 8;
    if (want.count(key) != 0) continue;
    want[key] = cursors.Add(index, key);
  }
  EXPECT_GT(want.size(), count);  // 2/5 full after Reset: 7/8 as many again fit
  for (const auto& [key, k] : want) {
    EXPECT_EQ(cursors.SlotOf(index, key).cursor(), k) << key;
  }
  // Keys never put: their slot is an empty one (never another key's cursor).
  for (int i = 0; i < 100000; ++i) {
    const uint64_t key = (rng() >> 8) | (uint64_t{1} << 60);
    EXPECT_EQ(cursors.SlotOf(index, key).cursor(), CursorIndex::kEmpty) << key;
  }
}

TEST(CursorIndexTest, ASlotIsReusedByItsOwnKeyOnly) {
  CursorIndex index;
  index.Reset(10);
  Cursors cursors;
  const uint32_t first = cursors.Add(index, 77);
  // A second cursor of simplex 77 (the first one killed): it takes the same slot.
  cursors.keys.push_back(77);
  const auto second = static_cast<uint32_t>(cursors.keys.size() - 1);
  CursorIndex::Ref slot = cursors.SlotOf(index, 77);
  EXPECT_EQ(slot.cursor(), first);
  index.Put(slot, second);
  EXPECT_EQ(cursors.SlotOf(index, 77).cursor(), second);
  EXPECT_EQ(cursors.SlotOf(index, 78).cursor(), CursorIndex::kEmpty);
}

TEST(CursorIndexTest, RenumberingKeepsTheOthersFoundAndDropsTheDropped) {
  std::mt19937_64 rng(5);
  CursorIndex index;
  index.Reset(5000);
  Cursors cursors;
  std::vector<uint64_t> keys;
  for (int i = 0; i < 5000; ++i) {
    keys.push_back(rng() >> 10);
    cursors.Add(index, keys.back());
  }
  // A sweep drops every third cursor and packs the others down (RipsCursors::Sweep).
  std::vector<uint32_t> to(keys.size());
  Cursors packed;
  for (size_t k = 0; k < keys.size(); ++k) {
    if (k % 3 == 0) {
      to[k] = CursorIndex::kEmpty;
    } else {
      to[k] = static_cast<uint32_t>(packed.keys.size());
      packed.keys.push_back(keys[k]);
    }
  }
  index.Renumber(to);
  for (size_t k = 0; k < keys.size(); ++k) {
    const uint32_t found = packed.SlotOf(index, keys[k]).cursor();
    // A dropped cursor's slot is stale: its key is not found there (the probe goes on to
    // an empty slot), and the keys probed past it are still found.
    EXPECT_EQ(found, k % 3 == 0 ? CursorIndex::kEmpty : to[k]) << k;
  }
}

TEST(CursorIndexTest, FirstCursorHintsOnlyAtTheHomeSlot) {
  CursorIndex index;
  index.Reset(100);
  Cursors cursors;
  const uint32_t k = cursors.Add(index, 12345);
  EXPECT_EQ(index.FirstCursor(12345), k);  // an empty table: the key sits at its home
  index.Release();
  EXPECT_FALSE(index.active());
}

}  // namespace
}  // namespace panic::tda::internal::reducer
