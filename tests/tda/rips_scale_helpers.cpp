#include "tda/rips_scale_helpers.h"

#include <gtest/gtest.h>

#include <cstdint>

#include "panic/tda/edge_ranks.h"

namespace panic::testing {
namespace {

using tda::Diagram;
namespace internal = tda::internal;

internal::DistanceMatrix Distances(const PointCloud& c, bool ranked) {
  internal::DistanceMatrix d = internal::EuclideanDistances(c.values, c.n, c.dim, 1, ranked);
  if (ranked) internal::RankEdges(d, 1);
  return d;
}

std::string Count(size_t k) { return k == SIZE_MAX ? std::string("max") : std::to_string(k); }

}  // namespace

internal::ReducerOptions Maxdim2At(const internal::DistanceMatrix& d, int modulus) {
  internal::ReducerOptions r;
  r.maxdim = 2;
  r.modulus = modulus;
  r.threshold = internal::EnclosingRadius(d);
  return r;
}

std::string Describe(const internal::ReducerOptions& r) {
  return "threads=" + std::to_string(r.threads) + " shuffle=" + std::to_string(r.shuffle_columns) +
         " sort_at=" + Count(r.parallel_sort_columns_at) + " compact_at=" + Count(r.compact_cursors_at) +
         " cancel=" + std::to_string(r.cancel_duplicate_cursors) + " on_garbage=" + std::to_string(r.compact_on_garbage) +
         " link_at=" + Count(r.link_cursors_at) + " quantized=" + std::to_string(r.quantized_scans) +
         " seek=" + std::to_string(r.seek_added_columns) + " frontier=" + std::to_string(r.frontier_snapshots) + " apparent_at=" + Count(r.apparent_first_cursors_at) +
         " spill=" + std::to_string(r.spill_queued_cofacets) + " spill_base=" + Count(r.spill_entries_base) +
         " distinct=" + std::to_string(r.distinct_lengths) + " slice_at=" + Count(r.slice_cursors_at) +
         " probe_batch=" + Count(r.probe_batch);
}

void ExpectSamePairs(const SamePairsCheck& check) {
  for (const PathCloud& c : check.clouds) {
    const internal::DistanceMatrix d = Distances(c.cloud, c.ranked);
    for (int modulus : {2, 3}) {
      internal::ReducerOptions reference = Maxdim2At(d, modulus);
      check.reference(reference);
      const Diagram expected = internal::ReduceRips(d, reference);
      const auto pairs1 = check.pairs_of_dimension_1 ? internal::ReducedPairs(d, reference, 1)
                                                     : std::vector<std::pair<int64_t, int64_t>>{};
      const auto pairs2 = internal::ReducedPairs(d, reference, 2);
      ASSERT_FALSE(pairs2.empty()) << "n=" << c.cloud.n << " modulus=" << modulus;
      const auto columns = check.columns ? internal::AssembledColumns(d, reference, 2)
                                         : std::vector<std::pair<float, int64_t>>{};
      if (check.columns) {
        ASSERT_GT(columns.size(), 100u) << "n=" << c.cloud.n;
      }
      for (const ReducerSetting& variant : check.variants) {
        internal::ReducerOptions r = reference;
        r.distinct_lengths = c.ranked;
        variant(r);
        const std::string what = "n=" + std::to_string(c.cloud.n) + " modulus=" + std::to_string(modulus) + " " +
                                 Describe(r);
        if (check.columns) {
          EXPECT_EQ(internal::AssembledColumns(d, r, 2), columns) << what;
        }
        if (check.pairs_of_dimension_1) {
          EXPECT_EQ(internal::ReducedPairs(d, r, 1), pairs1) << what;
        }
        EXPECT_EQ(internal::ReducedPairs(d, r, 2), pairs2) << what;
        EXPECT_EQ(internal::ReduceRips(d, r), expected) << what;
      }
      if (check.ripser && modulus == 2 && HaveRipser()) {
        EXPECT_EQ(CompareDiagrams(expected, RipserOnCloud(c.cloud, 2), 1e-5), "") << "n=" << c.cloud.n;
      }
    }
  }
}

void ExpectMaxdim3SamePairs(const std::function<void(internal::ReducerOptions&, bool)>& path, bool ranked) {
  const internal::DistanceMatrix d = Distances(SphereSample(40, 8), ranked);
  internal::ReducerOptions r;
  r.maxdim = 3;
  r.threshold = internal::EnclosingRadius(d);
  path(r, false);
  const auto pairs2 = internal::ReducedPairs(d, r, 2), pairs3 = internal::ReducedPairs(d, r, 3);
  const Diagram expected = internal::ReduceRips(d, r);
  path(r, true);
  const std::string what = Describe(r);
  EXPECT_EQ(internal::ReducedPairs(d, r, 2), pairs2) << what;
  EXPECT_EQ(internal::ReducedPairs(d, r, 3), pairs3) << what;
  EXPECT_EQ(internal::ReduceRips(d, r), expected) << what;
}

}  // namespace panic::testing
