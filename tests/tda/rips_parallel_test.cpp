// Issue 18: the lock-free parallel reduction — the cloud family against ripser with
// 1 and 2 threads, every thread count and shuffled column orders giving the same diagram,
// repeated runs (races would show as differences), and the serial phases around the
// reduction run on the workers (the columns sorted in ranges, the pairs read in ranges).
#include <gtest/gtest.h>

#include <cstdint>
#include <string>

#include "panic/tda/distance_matrix.h"
#include "panic/tda/rips.h"
#include "panic/tda/rips_reducer.h"
#include "tda/rips_scale_helpers.h"
#include "tda/tda_oracle_helpers.h"

namespace panic::tda {
namespace {

using testing::CompareDiagrams;
using testing::Maxdim2At;
using testing::NoisyTorus;
using testing::PointCloud;

// The cloud family (the reduction is most of the work there: many columns go
// past their own diameter), against ripser, with 1 and 2 threads.
TEST(RipsScaleTest, UnitSphereWalkMatchesRipser) {
  if (!testing::HaveRipser()) GTEST_SKIP() << "/usr/bin/ripser is not installed";
  PointCloud c = testing::UnitSphereWalk(220, 768, 0.01, 12);
  Diagram expected = testing::RipserOnCloud(c, 2);
  ASSERT_EQ(expected.num_dimensions(), 3u);
  EXPECT_GT(expected.bars(1).size(), 3u);  // loopy indeed
  for (int threads : {1, 2}) {
    RipsOptions o;
    o.threads = threads;
    auto ours = ComputeRips(c.values, c.n, c.dim, o);
    ASSERT_TRUE(ours.ok());
    EXPECT_EQ(CompareDiagrams(*ours, expected, 1e-5), "") << "threads=" << threads;
  }
}

// The lock-free parallel reduction on loopy clouds: the same diagram for 1, 2, 4 and 8
// threads (the pairs of a reduced matrix are unique, whatever the interleaving), Z/2 and
// Z/3, and as ripser's. Shuffled column orders make even one worker take pivots back from
// later columns and reduce those further, the path that threads only reach by chance.
TEST(RipsScaleTest, LockFreeReductionIsTheSameForEveryThreadCount) {
  for (const PointCloud& c : {testing::UnitSphereWalk(200, 768, 0.01, 5), testing::Circle(260, 0.08, 3),
                              NoisyTorus(220, 0.03, 7), testing::SphereSample(100, 4)}) {
    internal::DistanceMatrix d = internal::EuclideanDistances(c.values, c.n, c.dim, 1);
    for (int modulus : {2, 3}) {
      internal::ReducerOptions r = Maxdim2At(d, modulus);
      const Diagram one = internal::ReduceRips(d, r);
      ASSERT_EQ(one.num_dimensions(), 3u);
      EXPECT_GT(one.bars(1).size() + one.bars(2).size(), 0u) << "n=" << c.n;  // loopy
      for (int threads : {2, 4, 8}) {
        r.threads = threads;
        EXPECT_EQ(internal::ReduceRips(d, r), one) << "n=" << c.n << " threads=" << threads << " modulus=" << modulus;
      }
      for (uint64_t seed : {1, 2}) {
        for (int threads : {1, 3}) {
          r.threads = threads;
          r.shuffle_columns = seed;
          EXPECT_EQ(internal::ReduceRips(d, r), one)
              << "n=" << c.n << " shuffled by " << seed << " threads=" << threads << " modulus=" << modulus;
        }
      }
      r.shuffle_columns = 0;
      if (modulus == 2 && testing::HaveRipser()) {
        EXPECT_EQ(CompareDiagrams(one, testing::RipserOnCloud(c, 2), 1e-5), "") << "n=" << c.n;
      }
    }
  }
}

// The serial phases around the reduction run on the workers (stop 31): the columns sorted
// in ranges split at their middle element (RipsColumns::SortColumns; here from 2 columns
// on) and the last dimension's pairs read from the pivot table in slot ranges. The
// columns, the reduced pairs (dims 1 and 2, maxdim 2: dim 2 is read in ranges; maxdim 3:
// dim 2 keeps its pivots and is read serially, dim 3 in ranges) and the diagrams must be
// those of the serial sort on one thread, for 1, 2 and 3 threads (3: uneven splits), Z/2
// and Z/3, in order and shuffled.
TEST(RipsScaleTest, ParallelSortAndPairReadingGiveTheSameColumnsAndPairs) {
  testing::SamePairsCheck check;
  check.clouds = {{testing::UnitSphereWalk(260, 768, 0.01, 9)}, {NoisyTorus(180, 0.03, 7)}};
  check.variants.push_back([](internal::ReducerOptions& r) { r.parallel_sort_columns_at = 2; });
  for (int threads : {2, 3}) {
    for (uint64_t seed : {0, 5}) {
      check.variants.push_back([=](internal::ReducerOptions& r) {
        r.parallel_sort_columns_at = 2;
        r.threads = threads;
        r.shuffle_columns = seed;
      });
    }
  }
  check.columns = true;
  testing::ExpectSamePairs(check);
  // maxdim 3 on a small cloud: dim 2's pivots are kept for the clearing of dim 3.
  for (int threads : {1, 2, 3}) {
    testing::ExpectMaxdim3SamePairs([=](internal::ReducerOptions& r, bool on) {
      if (!on) return;
      r.parallel_sort_columns_at = 2;
      r.threads = threads;
    });
  }
}

// Races show up as differences: the same loopy cloud reduced many times with 2 to 8
// threads must give the one-thread diagram every time.
TEST(RipsScaleTest, LockFreeReductionRepeatedRunsAgree) {
  const PointCloud c = testing::UnitSphereWalk(320, 768, 0.01, 9);
  internal::DistanceMatrix d = internal::EuclideanDistances(c.values, c.n, c.dim, 1);
  internal::ReducerOptions r;
  r.maxdim = 2;
  r.threshold = internal::EnclosingRadius(d);
  const Diagram one = internal::ReduceRips(d, r);
  EXPECT_GT(one.bars(2).size(), 10u);
  for (int run = 0; run < 40; ++run) {
    r.threads = 2 + run % 7;
    ASSERT_EQ(internal::ReduceRips(d, r), one) << "run " << run << " threads=" << r.threads;
  }
}


}  // namespace
}  // namespace panic::tda
