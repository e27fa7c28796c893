// ThreadSanitizer driver of the lock-free reduction (scripts/tsan_rips.sh builds it with
// clang -fsanitize=thread; not part of the CTest suite, whose build is not instrumented).
// Reduces loopy clouds with 1, 2, 4 and 8 threads and shuffled orders (every other run
// with the assembled columns sorted on the workers, RipsColumns::SortColumns), and
// exits non-zero when a diagram differs from the one-thread one; TSan reports races.
#include <cstdio>
#include <vector>

#include "panic/tda/distance_matrix.h"
#include "panic/tda/rips_reducer.h"
#include "support/walk_cloud.h"

int main() {
  using namespace panic::tda;
  int failures = 0;
  for (uint64_t seed : {5, 9}) {  // 400 points: 400/5/19 and 400/18/50 bars
    const size_t n = 400, dim = 768;
    const std::vector<float> points = panic::testing::SphereWalkPoints(n, dim, seed, true);
    internal::DistanceMatrix d = internal::EuclideanDistances(points, n, dim, 1);
    internal::ReducerOptions r;
    r.maxdim = 2;
    r.threshold = internal::EnclosingRadius(d);
    const Diagram one = internal::ReduceRips(d, r);
    for (int run = 0; run < 12; ++run) {
      r.threads = std::vector<int>{2, 4, 8}[run % 3];
      r.shuffle_columns = run >= 6 ? static_cast<uint64_t>(run) : 0;
      r.parallel_sort_columns_at = run % 2 ? 2 : internal::ReducerOptions{}.parallel_sort_columns_at;  // columns sorted on the workers
      const bool same = internal::ReduceRips(d, r) == one;
      failures += !same;
      std::printf("seed %llu run %d threads %d shuffle %llu: %s (bars %zu/%zu/%zu)\n",
                  static_cast<unsigned long long>(seed), run, r.threads,
                  static_cast<unsigned long long>(r.shuffle_columns), same ? "same" : "DIFFERENT",
                  one.bars(0).size(), one.bars(1).size(), one.bars(2).size());
    }
  }
  return failures ? 1 : 0;
}
