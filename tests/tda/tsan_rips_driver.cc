// ThreadSanitizer driver of the lock-free reduction (scripts/tsan_rips.sh builds it with
// clang -fsanitize=thread; not part of the CTest suite, whose build is not instrumented).
// Exits non-zero when a diagram differs from its one-thread reference; TSan reports races.
// 1. Loopy clouds with 2, 4 and 8 threads and shuffled orders (every other run with the
//    assembled columns sorted on the workers, RipsColumns::SortColumns), defaults otherwise.
// 2. The same clouds on rank keys (edge_ranks.h, ranked on 2 threads; distinct lengths):
//    a diameter's slice in bulk (rips_slice.h: Z/2, dimension 2) in every column (0), in
//    columns of 3+ cursors and as in production (64), and the spill of the past-diameter
//    scans (spill_queued_cofacets) with a bound reached often (base 0) and the production
//    one, compaction at every column now and then, 2 and 4 threads, in order and shuffled;
//    against the heap path without spill on one thread.
// Both references are reduced from V snapshots (frontier_snapshots off) and every run
// from frontiers (RipsReducer::AddFrontier, the default), so the frontiers' publication
// and reading are raced and checked too.
#include <cstdint>
#include <cstdio>
#include <numeric>
#include <span>
#include <vector>

#include "panic/tda/distance_matrix.h"
#include "panic/tda/edge_ranks.h"
#include "panic/tda/rips_reducer.h"
#include "support/walk_cloud.h"

namespace {

using namespace panic::tda;

// Reduces with `r` and compares with `one`; prints a line; 1 when they differ.
int Run(const char* what, uint64_t seed, int run, const internal::DistanceMatrix& d,
        const internal::ReducerOptions& r, const Diagram& one) {
  const bool same = internal::ReduceRips(d, r) == one;
  std::printf("%s seed %llu run %d threads %d input_order %d shuffle %llu sort_at %zu slice_at %zu spill %d "
              "base %zu compact %zu: %s (bars %zu/%zu/%zu)\n",
              what, static_cast<unsigned long long>(seed), run, r.threads, r.scan_order.empty() ? 0 : 1,
              static_cast<unsigned long long>(r.shuffle_columns), r.parallel_sort_columns_at,
              r.slice_cursors_at, r.spill_queued_cofacets ? 1 : 0, r.spill_entries_base, r.compact_cursors_at,
              same ? "same" : "DIFFERENT", one.bars(0).size(), one.bars(1).size(), one.bars(2).size());
  return same ? 0 : 1;
}

}  // namespace

int main() {
  int failures = 0;
  const size_t n = 400, dim = 768;
  // The points' own (time) order: every other run's scans read the input-order byte copy
  // (ReducerOptions::scan_order), built on the workers and shared by them.
  std::vector<uint32_t> time_order(n);
  std::iota(time_order.begin(), time_order.end(), 0u);
  for (uint64_t seed : {5, 9}) {  // 400 points: 400/5/19 and 400/18/50 bars
    const std::vector<float> points = panic::testing::SphereWalkPoints(n, dim, seed, true);
    internal::DistanceMatrix d = internal::EuclideanDistances(points, n, dim, 1);
    internal::ReducerOptions r;
    r.maxdim = 2;
    r.threshold = internal::EnclosingRadius(d);
    r.frontier_snapshots = false;
    const Diagram one = internal::ReduceRips(d, r);
    r.frontier_snapshots = true;
    for (int run = 0; run < 12; ++run) {
      r.threads = std::vector<int>{2, 4, 8}[run % 3];
      r.shuffle_columns = run >= 6 ? static_cast<uint64_t>(run) : 0;
      r.parallel_sort_columns_at = run % 2 ? 2 : internal::ReducerOptions{}.parallel_sort_columns_at;  // columns sorted on the workers
      r.scan_order = run % 2 ? std::span<const uint32_t>() : std::span<const uint32_t>(time_order);
      failures += Run("plain", seed, run, d, r, one);
    }
  }
  for (uint64_t seed : {5, 9}) {
    const std::vector<float> points = panic::testing::SphereWalkPoints(n, dim, seed, true);
    internal::DistanceMatrix d = internal::EuclideanDistances(points, n, dim, 2, /*residuals=*/true);
    internal::RankEdges(d, 2);
    internal::ReducerOptions r;
    r.maxdim = 2;
    r.threshold = internal::EnclosingRadius(d);
    r.distinct_lengths = true;
    r.slice_cursors_at = SIZE_MAX;  // the reference: the heap path, no spill, one thread
    r.spill_queued_cofacets = false;
    r.frontier_snapshots = false;
    const Diagram one = internal::ReduceRips(d, r);
    r.spill_queued_cofacets = true;
    r.frontier_snapshots = true;
    for (int run = 0; run < 16; ++run) {
      r.threads = run % 2 ? 4 : 2;
      r.slice_cursors_at = std::vector<size_t>{0, 3, 64}[run % 3];
      r.spill_entries_base = (run / 2) % 2 ? size_t{1} << 15 : 0;
      r.compact_cursors_at = run % 4 == 3 ? 1 : 4096;
      r.shuffle_columns = run >= 8 ? static_cast<uint64_t>(run) : 0;
      r.scan_order = run % 4 < 2 ? std::span<const uint32_t>(time_order) : std::span<const uint32_t>();
      failures += Run("ranked", seed, run, d, r, one);
    }
  }
  std::printf("%d of 56 runs differ\n", failures);
  return failures ? 1 : 0;
}
