// Rank 0's placement of units over the ranks (mpi/placement.h) and the ranks' memory
// budgets (mpi/rank_memory.h): a unit goes to a free rank whose memory holds it, workers
// before rank 0, in arrival order with smaller units passing one that waits; a unit no rank
// holds is unplaceable; /proc/meminfo, cgroup files and PANIC_TDA_MPI_RANK_MEMORY parse.
#include <gtest/gtest.h>

#include "panic/core/byte_text.h"
#include "panic/mpi/placement.h"
#include "panic/mpi/rank_memory.h"

namespace panic::mpi {
namespace {

using Assignments = std::vector<std::pair<uint64_t, int>>;  // ticket, rank

Assignments Assign(Placement& p) {
  Assignments out;
  for (const auto& a : p.Assign()) out.emplace_back(a.ticket, a.rank);
  return out;
}

TEST(PlacementTest, UnitsWithoutEstimatesGoToWorkersFirstThenRankZero) {
  Placement p(3);
  for (int r = 0; r < 3; ++r) p.SetMemory(r, 100);
  for (uint64_t t = 0; t < 4; ++t) p.Add(t, 0);
  EXPECT_EQ(Assign(p), (Assignments{{0, 1}, {1, 2}, {2, 0}}));
  EXPECT_EQ(p.waiting(), 1u);
  p.Free(2);
  EXPECT_EQ(Assign(p), (Assignments{{3, 2}}));
  EXPECT_EQ(p.busy_count(), 3u);
}

TEST(PlacementTest, ALongUnitGoesToTheRankWithRoomAndWaitsForIt) {
  Placement p(3);
  p.SetMemory(0, 500);
  p.SetMemory(1, 500);
  p.SetMemory(2, 1000);
  // Longest first: two units that only rank 2 holds, then two small ones.
  p.Add(0, 900);
  p.Add(1, 900);
  p.Add(2, 400);
  p.Add(3, 400);
  // Unit 1 waits for rank 2; the small ones pass it (rank 1, then rank 0).
  EXPECT_EQ(Assign(p), (Assignments{{0, 2}, {2, 1}, {3, 0}}));
  EXPECT_EQ(p.waiting(), 1u);
  EXPECT_TRUE(p.TakeUnplaceable().empty());
  p.Free(1);  // rank 1 frees first: it cannot hold unit 1
  EXPECT_TRUE(Assign(p).empty());
  p.Free(2);
  EXPECT_EQ(Assign(p), (Assignments{{1, 2}}));
  EXPECT_EQ(p.waiting(), 0u);
}

TEST(PlacementTest, AUnitNoRankHoldsIsUnplaceableAndTheOthersGoOn) {
  Placement p(2);
  p.SetMemory(0, 300);
  p.SetMemory(1, 400);
  EXPECT_EQ(p.LargestMemory(), 400u);
  p.Add(0, 401);
  p.Add(1, 400);
  EXPECT_EQ(Assign(p), (Assignments{{1, 1}}));
  EXPECT_EQ(p.TakeUnplaceable(), (std::vector<uint64_t>{0}));
  EXPECT_EQ(p.waiting(), 0u);
  // A rank's memory as reported with its result: less room now, so a unit that fitted
  // before is unplaceable when no rank holds it any more.
  p.SetMemory(1, 200);
  p.Free(1);
  p.Add(2, 350);
  EXPECT_TRUE(Assign(p).empty());
  EXPECT_EQ(p.TakeUnplaceable(), (std::vector<uint64_t>{2}));
}

TEST(PlacementTest, FreedWorkersQueueInTheOrderTheyFreed) {
  Placement p(4);
  for (int r = 0; r < 4; ++r) p.SetMemory(r, 10);
  for (uint64_t t = 0; t < 4; ++t) p.Add(t, 1);
  EXPECT_EQ(Assign(p).size(), 4u);
  p.Free(3);
  p.Free(1);
  p.Free(0);
  for (uint64_t t = 4; t < 7; ++t) p.Add(t, 1);
  EXPECT_EQ(Assign(p), (Assignments{{4, 3}, {5, 1}, {6, 0}}));
}

// A unit of a network group goes to a free rank holding that group, then to one holding
// none, then to any; a rank holds the group it last ran until it releases.
TEST(PlacementTest, AGroupsUnitGoesToTheRankThatHoldsItsModels) {
  Placement p(4);
  for (int r = 0; r < 4; ++r) p.SetMemory(r, 10);
  p.Add(0, 0, 1);
  p.Add(1, 0, 1);
  p.Add(2, 0, 2);
  p.Add(3, 0, 0);  // no group (e.g. an embeddings batch)
  EXPECT_EQ(Assign(p), (Assignments{{0, 1}, {1, 2}, {2, 3}, {3, 0}}));
  EXPECT_EQ(p.group(1), 1u);
  EXPECT_EQ(p.group(3), 2u);
  EXPECT_EQ(p.group(0), 0u);
  // Ranks 3 (group 2) and 1 (group 1) free in that order: each group's next step goes back
  // to the rank that holds it, whatever the order of arrival.
  p.Free(3);
  p.Free(1);
  p.Add(4, 0, 1);
  p.Add(5, 0, 2);
  EXPECT_EQ(Assign(p), (Assignments{{4, 1}, {5, 3}}));
  // A new group prefers a rank that holds none (rank 0 here) over one that holds another.
  p.Free(0);
  p.Free(2);
  p.Add(6, 0, 3);
  EXPECT_EQ(Assign(p), (Assignments{{6, 0}}));
  // With only a rank of another group free, it goes there when ranks may switch (no rank
  // waits idle).
  p.Add(7, 0, 4);
  EXPECT_EQ(Assign(p), (Assignments{{7, 2}}));
  EXPECT_EQ(p.group(2), 4u);
  p.Released(2);
  EXPECT_EQ(p.group(2), 0u);
}

// A rank leaves its group (a switch: released first, Assignment::switched_from) only when
// Assign may switch ranks; until then the other group's unit waits, and the rank's own
// group's next step, submitted meanwhile, goes back to it. A group's release unit and a
// unit without a group take any free rank without a switch.
TEST(PlacementTest, ARankSwitchesGroupsOnlyWhenAllowedAndSaysFromWhich) {
  Placement p(3);
  for (int r = 0; r < 3; ++r) p.SetMemory(r, 10);
  p.Add(0, 0, 1);
  p.Add(1, 0, 1);
  p.Add(2, 0, 2);
  const auto first = p.Assign(false);
  ASSERT_EQ(first.size(), 3u);
  for (const auto& a : first) EXPECT_EQ(a.switched_from, 0u) << a.ticket;
  EXPECT_EQ(p.group(1), 1u);
  EXPECT_EQ(p.group(2), 1u);
  EXPECT_EQ(p.group(0), 2u);
  // Rank 1's step of group 1 came back; a unit of group 3 waits rather than take it.
  p.Free(1);
  p.Add(3, 0, 3);
  EXPECT_TRUE(p.Assign(false).empty());
  EXPECT_EQ(p.waiting(), 1u);
  // Group 1's next step, submitted after the commit, goes to rank 1; group 3's still waits.
  p.Add(4, 0, 1);
  EXPECT_EQ(Assign(p).size(), 1u);  // may switch, but group 1's step takes rank 1 first
  EXPECT_EQ(p.group(1), 1u);
  EXPECT_EQ(p.waiting(), 1u);
  // Rank 2 frees with no step of group 1 left for it: allowed to, it switches from group 1.
  p.Free(2);
  EXPECT_TRUE(p.Assign(false).empty());
  const auto switched = p.Assign(true);
  ASSERT_EQ(switched.size(), 1u);
  EXPECT_EQ(switched[0].ticket, 3u);
  EXPECT_EQ(switched[0].rank, 2);
  EXPECT_EQ(switched[0].switched_from, 1u);
  EXPECT_EQ(p.group(2), 3u);
  // Group 2's release unit on rank 1 (group 1) goes without a switch, even when switches
  // are not allowed, and says what the rank holds (the executor has it keep its models);
  // so does a unit without a group.
  p.Free(1);
  p.Add(5, 0, 2, true);
  const auto release = p.Assign(false);
  ASSERT_EQ(release.size(), 1u);
  EXPECT_EQ(release[0].rank, 1);
  EXPECT_EQ(release[0].switched_from, 0u);
  EXPECT_EQ(release[0].held, 1u);
  EXPECT_EQ(p.group(1), 1u);
  p.Free(2);
  p.Add(6, 0, 0);
  const auto plain = p.Assign(false);
  ASSERT_EQ(plain.size(), 1u);
  EXPECT_EQ(plain[0].rank, 2);
  EXPECT_EQ(plain[0].switched_from, 0u);
  EXPECT_EQ(p.group(2), 3u);  // a unit without a group leaves the rank's group as it was
}

// From kRankZeroComputesBelow ranks on, rank 0 only schedules: units wait for workers, and
// its memory does not count as a rank's that could hold a unit.
TEST(PlacementTest, RankZeroStepsBackInLargeJobs) {
  Placement p(kRankZeroComputesBelow, false);
  for (int r = 0; r < kRankZeroComputesBelow; ++r) p.SetMemory(r, r == 0 ? 1000 : 100);
  EXPECT_EQ(p.LargestMemory(), 100u);
  for (uint64_t t = 0; t < static_cast<uint64_t>(kRankZeroComputesBelow); ++t) p.Add(t, 0);
  const auto given = Assign(p);
  ASSERT_EQ(given.size(), static_cast<size_t>(kRankZeroComputesBelow - 1));
  for (const auto& [ticket, rank] : given) EXPECT_NE(rank, 0) << ticket;
  EXPECT_EQ(p.waiting(), 1u);
  p.Add(99, 500);  // only rank 0 would hold it: no rank can
  EXPECT_EQ(p.TakeUnplaceable(), (std::vector<uint64_t>{99}));
}

TEST(RankMemoryTest, MemAvailableAndCgroupRoom) {
  EXPECT_EQ(ParseMemAvailable("MemTotal:       24576000 kB\nMemFree:  100 kB\nMemAvailable:   20000000 kB\n"),
            uint64_t{20000000} * 1024);
  EXPECT_FALSE(ParseMemAvailable("MemTotal: 1 kB\n"));
  EXPECT_FALSE(ParseMemAvailable("MemAvailable: lots\n"));
  EXPECT_EQ(CgroupRoom("8589934592\n", "1073741824\n"), uint64_t{7} << 30);
  EXPECT_EQ(CgroupRoom("100\n", "200\n"), 0u);
  EXPECT_FALSE(CgroupRoom("max\n", "5\n"));
  EXPECT_FALSE(CgroupRoom("9223372036854771712\n", "5\n"));  // cgroup v1 without a limit
  EXPECT_FALSE(CgroupRoom("", ""));
}

TEST(RankMemoryTest, TheOverrideGivesEachRankItsBudget) {
  EXPECT_EQ(*ParseRankMemoryOverride("512M,2G,1000", 0), uint64_t{512} << 20);
  EXPECT_EQ(*ParseRankMemoryOverride("512M,2G,1000", 1), uint64_t{2} << 30);
  EXPECT_EQ(*ParseRankMemoryOverride("512M,2G,1000", 2), 1000u);
  EXPECT_EQ(*ParseRankMemoryOverride("512M,2G,1000", 7), 1000u);  // past the list: the last
  EXPECT_EQ(*ParseRankMemoryOverride(" 3k ", 0), 3072u);
  EXPECT_EQ(*ParseRankMemoryOverride("1T", 0), uint64_t{1} << 40);
  for (const char* bad : {"", "1.5G", "-1", "12X", "G", "1,,2", "99999999999999999999"}) {
    SCOPED_TRACE(bad);
    const int rank = std::string(bad) == "1,,2" ? 1 : 0;
    auto r = ParseRankMemoryOverride(bad, rank);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
    EXPECT_NE(r.status().message().find("PANIC_TDA_MPI_RANK_MEMORY: '"), std::string::npos) << r.status().message();
    EXPECT_NE(r.status().message().find("optional K, M, G or T suffix"), std::string::npos);
  }
}

TEST(RankMemoryTest, MemoryText) {
  EXPECT_EQ(core::ByteText(594), "594 B");
  EXPECT_EQ(core::ByteText(static_cast<double>(uint64_t{3} << 29)), "1.5 GiB");
}

}  // namespace
}  // namespace panic::mpi
