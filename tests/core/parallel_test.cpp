// The one ParallelFor (core/parallel.h): every index exactly once, chunks within bounds
// and no larger than the grain, worker numbers below the thread count.
#include "panic/core/parallel.h"

#include <gtest/gtest.h>

#include <atomic>
#include <vector>

namespace panic {
namespace {

TEST(ParallelForTest, EachIndexExactlyOnce) {
  for (int threads : {1, 2, 7}) {
    for (size_t n : {size_t{0}, size_t{1}, size_t{5}, size_t{1000}}) {
      std::vector<std::atomic<int>> seen(n);
      ParallelFor(n, threads, [&](size_t i) { seen[i].fetch_add(1); });
      for (size_t i = 0; i < n; ++i) EXPECT_EQ(seen[i].load(), 1) << "n " << n << " threads " << threads << " i " << i;
    }
  }
}

TEST(ParallelForTest, ChunksCoverTheRangeWithinTheGrain) {
  for (int threads : {1, 3}) {
    const size_t n = 1001, grain = 16;
    std::vector<std::atomic<int>> seen(n);
    std::atomic<bool> bad{false};
    ParallelFor(n, grain, threads, [&](size_t begin, size_t end, int worker) {
      if (begin >= end || end > n || end - begin > grain || worker < 0 || worker >= threads) bad = true;
      for (size_t i = begin; i < end; ++i) seen[i].fetch_add(1);
    });
    EXPECT_FALSE(bad.load());
    for (size_t i = 0; i < n; ++i) ASSERT_EQ(seen[i].load(), 1) << i;
  }
}

}  // namespace
}  // namespace panic
