// Issue 18: the reducer's paths (compaction, link cofacets, byte-row scans, the scan spill,
// seeked added columns, a diameter's slice in bulk), each off and on: the same reduced
// pairs and diagrams (ExpectSamePairs, rips_scale_helpers.h), Z/2 and Z/3, and at maxdim 3.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <numeric>
#include <random>
#include <string>
#include <vector>

#include "panic/tda/distance_matrix.h"
#include "panic/tda/edge_ranks.h"
#include "panic/tda/rips_reducer.h"
#include "tda/rips_scale_helpers.h"
#include "tda/tda_oracle_helpers.h"

namespace panic::tda {
namespace {

using internal::ReducerOptions;
using testing::ExpectMaxdim3SamePairs;
using testing::ExpectSamePairs;
using testing::LatticeCloud;
using testing::NoisyTorus;
using testing::SamePairsCheck;
using testing::UnitSphereWalk;

// The clouds of most path tests: a loopy walk, a torus, and ties (a grid of 90 points).
std::vector<testing::PathCloud> WalkTorusGrid(uint64_t grid_seed) {
  return {{UnitSphereWalk(220, 768, 0.01, 5)}, {NoisyTorus(160, 0.03, 7)}, {LatticeCloud(90, grid_seed)}};
}

// The maxdim-3 run's options for a path that needs rank keys and an index from the first
// cursor: `flag` on or off.
auto RankedFromOneCursor(bool ReducerOptions::*flag) {
  return [flag](ReducerOptions& r, bool on) {
    r.distinct_lengths = true;
    r.*flag = on;
    r.compact_cursors_at = 1;
  };
}

// The clouds of the tests of the slice's paths: two loopy walks and a torus on rank keys
// (every edge its own length), and the tie grid (lengths not distinct: the heap path).
std::vector<testing::PathCloud> RankedWalksTorusAndGrid() {
  return {{UnitSphereWalk(220, 768, 0.01, 5), true},
          {UnitSphereWalk(260, 768, 0.01, 9), true},
          {NoisyTorus(160, 0.03, 7), true},
          {LatticeCloud(90, 14), false}};
}

// The variants `on` runs under: each compaction threshold × slice threshold × 1 thread
// with the columns shuffled by `shuffle` (columns taken back) or 2 threads in order.
std::vector<testing::ReducerSetting> CompactSliceThreadVariants(std::vector<size_t> compacts,
                                                                std::vector<size_t> slices, uint64_t shuffle,
                                                                testing::ReducerSetting on) {
  std::vector<testing::ReducerSetting> variants;
  for (size_t compact : compacts) {
    for (size_t slice : slices) {
      for (int threads : {1, 2}) {
        variants.push_back([=](ReducerOptions& r) {
          on(r);
          r.compact_cursors_at = compact;
          r.slice_cursors_at = slice;
          r.threads = threads;
          r.shuffle_columns = threads == 2 ? 0 : shuffle;
        });
      }
    }
  }
  return variants;
}

// Column compaction (the simplices a heavy column added twice merged or dropped, its heap
// rebuilt): the pairs of the reduced matrix — unique, so every correct reduction has the
// same, zero-length ones included — must not change. Compacting at tiny heap sizes makes
// nearly every column with an addition compact, many times over; loopy clouds (whose
// columns add the same simplex twice), ties (a grid), Z/2 and Z/3, 1 and 2 threads, a
// shuffled column order (columns taken back and reduced further), maxdim 3 (4-vertex
// cursors); and the diagram against ripser.
TEST(RipsScaleTest, CompactedColumnsGiveTheSamePairs) {
  SamePairsCheck check;
  check.clouds = {{UnitSphereWalk(200, 768, 0.01, 5)}, {UnitSphereWalk(260, 768, 0.01, 9)},
                  {NoisyTorus(180, 0.03, 7)}, {testing::Circle(150, 0.08, 3)}, {LatticeCloud(100, 12)}};
  check.reference = [](ReducerOptions& r) { r.compact_cursors_at = 0; };
  for (size_t at : {1, 2, 5, 64}) {
    for (int variant = 0; variant < 3; ++variant) {
      check.variants.push_back([=](ReducerOptions& r) {
        r.compact_cursors_at = at;
        r.threads = variant == 1 ? 2 : 1;
        r.shuffle_columns = variant == 2 ? 7 : 0;
      });
    }
  }
  check.ripser = true;
  ExpectSamePairs(check);
  // Dimension 3: 4-vertex cursors.
  ExpectMaxdim3SamePairs([](ReducerOptions& r, bool on) { r.compact_cursors_at = on ? size_t{1} : size_t{0}; });
}

// The own-diameter cofacets from the edges' link graphs (edge_link.h): the same pairs as
// from the scans alone, with links used for every column (0), for columns of a few
// cursors (3) and as in production (64); 1 and 2 threads, Z/2 and Z/3, ties, maxdim 3.
// (Links serve triangles' cofacets: dimension 1 is not compared.)
TEST(RipsScaleTest, LinkCofacetsGiveTheSamePairs) {
  SamePairsCheck check;
  check.clouds = WalkTorusGrid(13);
  check.reference = [](ReducerOptions& r) { r.link_cursors_at = SIZE_MAX; };
  for (size_t at : {size_t{0}, size_t{3}, size_t{64}}) {
    for (int threads : {1, 2}) {
      check.variants.push_back([=](ReducerOptions& r) {
        r.link_cursors_at = at;
        r.threads = threads;
      });
    }
  }
  check.pairs_of_dimension_1 = false;
  ExpectSamePairs(check);
  // Dimension 3: 4-vertex cursors, two rows of the link graph a simplex.
  ExpectMaxdim3SamePairs([](ReducerOptions& r, bool on) { r.link_cursors_at = on ? size_t{0} : SIZE_MAX; });
}

// The past-diameter scans on the byte copy of the distances (quantized_scan.h): the same
// pairs as the float scans, Z/2 and Z/3, 1 and 2 threads, ties, maxdim 3.
TEST(RipsScaleTest, QuantizedScansGiveTheSamePairs) {
  SamePairsCheck check;
  check.clouds = WalkTorusGrid(14);
  check.reference = [](ReducerOptions& r) { r.quantized_scans = false; };
  for (int threads : {1, 2}) {
    check.variants.push_back([=](ReducerOptions& r) {
      r.quantized_scans = true;
      r.threads = threads;
    });
  }
  ExpectSamePairs(check);
  ExpectMaxdim3SamePairs([](ReducerOptions& r, bool on) { r.quantized_scans = on; });
}

// The past-diameter scans on the byte copy in a locality order (scan_order: quantized_scan.h,
// LocalityRows): the same reduced pairs of dimensions 1 and 2 and the same
// diagram as without it, for the clouds' own (time) order — the one where blocks are
// skipped —, its reverse and a random order, Z/2 and Z/3, 1 and 2 threads, shuffled
// columns, on rank keys and on the tie grid.
TEST(RipsScaleTest, LocalityScansGiveTheSamePairs) {
  for (const testing::PathCloud& c : RankedWalksTorusAndGrid()) {
    internal::DistanceMatrix d = internal::EuclideanDistances(c.cloud.values, c.cloud.n, c.cloud.dim, 1, c.ranked);
    if (c.ranked) internal::RankEdges(d, 1);
    std::vector<std::vector<uint32_t>> orders(3, std::vector<uint32_t>(d.n));
    std::iota(orders[0].begin(), orders[0].end(), 0u);
    std::reverse_copy(orders[0].begin(), orders[0].end(), orders[1].begin());
    orders[2] = orders[0];
    std::shuffle(orders[2].begin(), orders[2].end(), std::mt19937(46));
    for (int modulus : {2, 3}) {
      ReducerOptions reference = testing::Maxdim2At(d, modulus);
      reference.distinct_lengths = c.ranked;
      const auto pairs1 = internal::ReducedPairs(d, reference, 1), pairs2 = internal::ReducedPairs(d, reference, 2);
      ASSERT_FALSE(pairs2.empty());
      const Diagram expected = internal::ReduceRips(d, reference);
      for (const std::vector<uint32_t>& order : orders) {
        for (int variant = 0; variant < 3; ++variant) {
          ReducerOptions r = reference;
          r.scan_order = order;
          r.threads = variant == 1 ? 2 : 1;
          r.shuffle_columns = variant == 2 ? 9 : 0;
          const std::string what = "n=" + std::to_string(d.n) + " modulus=" + std::to_string(modulus) +
                                   " order[0]=" + std::to_string(order[0]) + " " + testing::Describe(r);
          EXPECT_EQ(internal::ReducedPairs(d, r, 1), pairs1) << what;
          EXPECT_EQ(internal::ReducedPairs(d, r, 2), pairs2) << what;
          EXPECT_EQ(internal::ReduceRips(d, r), expected) << what;
        }
      }
    }
  }
}

// The past-diameter scans keep their whole exact prefix, past the cursor's queue, in the
// column's spill (spill_queued_cofacets): the same reduced pairs as without it, Z/2 and
// Z/3, 1 and 2 threads, compaction at every column (the spill packed as the cursors move)
// and as in production, a spill bound that is reached often (base 0: 1 entry a cursor)
// and one that is not, shuffled columns (resumed ones), ties, maxdim 3.
TEST(RipsScaleTest, SpilledCofacetsGiveTheSamePairs) {
  SamePairsCheck check;
  check.clouds = WalkTorusGrid(14);
  check.reference = [](ReducerOptions& r) { r.spill_queued_cofacets = false; };
  for (int threads : {1, 2}) {
    for (size_t compact : {size_t{1}, size_t{4096}}) {
      for (size_t base : {size_t{0}, size_t{1} << 15}) {
        check.variants.push_back([=](ReducerOptions& r) {
          r.spill_queued_cofacets = true;
          r.threads = threads;
          r.compact_cursors_at = compact;
          r.spill_entries_base = base;
          r.shuffle_columns = threads == 1 && compact == 1 ? 5 : 0;
        });
      }
    }
  }
  ExpectSamePairs(check);
  ExpectMaxdim3SamePairs([](ReducerOptions& r, bool on) {
    r.spill_queued_cofacets = on;
    r.compact_cursors_at = 1;
  });
}

// Over Z/2 a simplex added where a live cursor of it stands cancels that cursor
// (cancel_duplicate_cursors, from a column's first compaction on) instead of waiting for
// the next compaction: the same reduced pairs, on rank keys with the slice in every column
// (there a simplex with a vertex of the slice's edge is never cancelled) and with the heap
// path only (there a facet of the pivot is never cancelled; eliminations' facets are),
// compaction from 1, 3 and 64 cursors (the index active early and rebuilt often, or late),
// 1 and 2 threads, shuffled columns (columns taken back), maxdim 3. Z/3 and the tie grid
// (lengths not distinct) go through the same runs without the index.
TEST(RipsScaleTest, CancelledDuplicateCursorsGiveTheSamePairs) {
  SamePairsCheck check;
  check.clouds = RankedWalksTorusAndGrid();
  check.reference = [](ReducerOptions& r) { r.cancel_duplicate_cursors = false; };
  check.variants = CompactSliceThreadVariants({1, 3, 64}, {0, SIZE_MAX}, 13,
                                              [](ReducerOptions& r) { r.cancel_duplicate_cursors = true; });
  ExpectSamePairs(check);
  ExpectMaxdim3SamePairs(RankedFromOneCursor(&ReducerOptions::cancel_duplicate_cursors), /*ranked=*/true);
}

// Once its duplicates are cancelled when made, a column sweeps its dead cursors out when it
// holds a quarter as many as live ones (no merge, cursors renumbered, the index renumbered in place)
// and merges only at a 4-fold heap (compact_on_garbage), instead of merging at every
// doubling: the same reduced pairs, compaction from 1, 3 and 64 cursors (with 1, sweeps
// after nearly every pivot), the slice in every column (columns holding a slice's loose
// entries go back to the doubling until their pivot passes those entries' diameter), in
// columns of 6 and never, 1 and 2 threads, shuffled columns, maxdim 3. Z/3 and the tie
// grid keep the doubling (no cancellation there). Broken on purpose (a sweep that leaves
// the heap's cursor numbers as they were), this test fails.
TEST(RipsScaleTest, CompactionOnGarbageGivesTheSamePairs) {
  SamePairsCheck check;
  check.clouds = RankedWalksTorusAndGrid();
  check.clouds.push_back({UnitSphereWalk(400, 768, 0.01, 9), true});
  check.reference = [](ReducerOptions& r) { r.compact_on_garbage = false; };
  check.variants = CompactSliceThreadVariants({1, 3, 64}, {0, 6, SIZE_MAX}, 17,
                                              [](ReducerOptions& r) { r.compact_on_garbage = true; });
  ExpectSamePairs(check);
  ExpectMaxdim3SamePairs(RankedFromOneCursor(&ReducerOptions::compact_on_garbage), /*ranked=*/true);
}

// A column publishes its frontier (frontier_snapshots: its live cursors where they stand
// past its pivot; from a slice, the slice's other entries as loose items), and a column
// that adds it, or resumes from it when taken back, starts those cursors there: the same
// reduced pairs as V snapshots, on rank keys with the slice in every column (a frontier
// added there cancels the slice's pivot), in columns of 6 and 64 cursors (light columns'
// frontiers added in slices, slices' frontiers added outside them: cursors of one simplex
// at different places, which neither compaction nor the cancellation may merge) and
// never, compaction at every column and from 64 cursors, 1 and 2 threads, shuffled
// columns (columns taken back resume from frontiers), maxdim 3; the 400-point walk is the
// one ThreadSanitizer's driver found merging them wrongly. Z/3 and the tie grid go
// through the same runs (coefficients carried by the frontier; no slice, no cancellation).
TEST(RipsScaleTest, FrontierSnapshotsGiveTheSamePairs) {
  SamePairsCheck check;
  check.clouds = RankedWalksTorusAndGrid();
  check.clouds.push_back({UnitSphereWalk(400, 768, 0.01, 9), true});
  check.reference = [](ReducerOptions& r) { r.frontier_snapshots = false; };
  check.variants = CompactSliceThreadVariants({1, 64}, {0, 6, 64, SIZE_MAX}, 11,
                                              [](ReducerOptions& r) { r.frontier_snapshots = true; });
  ExpectSamePairs(check);
  ExpectMaxdim3SamePairs(RankedFromOneCursor(&ReducerOptions::frontier_snapshots), /*ranked=*/true);
}

// An added column's simplices start at its pivot (seek_added_columns) instead of walking
// their coboundaries from their own diameters, and pivots are tested for an apparent pair
// before the pivot-table lookup (apparent_first_cursors_at 0: in every column): the same
// reduced pairs, also when columns are taken back (shuffled order: the resume path seeks
// too), compacted at once, over Z/3 and at maxdim 3.
TEST(RipsScaleTest, SeekedAddedColumnsGiveTheSamePairs) {
  SamePairsCheck check;
  check.clouds = WalkTorusGrid(14);
  check.reference = [](ReducerOptions& r) {
    r.seek_added_columns = false;
    r.apparent_first_cursors_at = SIZE_MAX;
  };
  for (int threads : {1, 2}) {
    for (uint64_t shuffle : {uint64_t{0}, uint64_t{11}}) {
      for (size_t compact : {size_t{4096}, size_t{2}}) {
        check.variants.push_back([=](ReducerOptions& r) {
          r.seek_added_columns = true;
          r.apparent_first_cursors_at = 0;
          r.threads = threads;
          r.shuffle_columns = shuffle;
          r.compact_cursors_at = compact;
        });
      }
    }
  }
  ExpectSamePairs(check);
  ExpectMaxdim3SamePairs([](ReducerOptions& r, bool on) {
    r.seek_added_columns = on;
    r.apparent_first_cursors_at = on ? size_t{0} : SIZE_MAX;
  });
}

// A diameter's slice reduced in bulk (rips_slice.h: Z/2, dimension 2, distinct lengths):
// the same reduced pairs and diagrams as the heap path, on rank keys (every edge its own
// length), with the slice in every column (0), in columns of a few cursors (3) and as in
// production (64); 1 and 2 threads, shuffled orders (columns taken back), compaction at
// every column, maxdim 3 (the slices of dimension 2 under a dimension 3). Z/3 and the tie
// grid (lengths not distinct) take the heap path.
TEST(RipsScaleTest, SliceInBulkGivesTheSamePairs) {
  SamePairsCheck check;
  check.clouds = RankedWalksTorusAndGrid();
  check.reference = [](ReducerOptions& r) { r.slice_cursors_at = SIZE_MAX; };
  for (size_t at : {size_t{0}, size_t{3}, size_t{64}}) {
    for (int variant = 0; variant < 4; ++variant) {
      check.variants.push_back([=](ReducerOptions& r) {
        r.slice_cursors_at = at;
        r.threads = variant == 1 ? 2 : 1;
        r.shuffle_columns = variant == 2 ? 11 : 0;
        r.compact_cursors_at = variant == 3 ? 1 : 4096;
      });
    }
  }
  ExpectSamePairs(check);
  ExpectMaxdim3SamePairs(
      [](ReducerOptions& r, bool on) {
        r.distinct_lengths = on;
        r.slice_cursors_at = on ? size_t{0} : SIZE_MAX;
      },
      /*ranked=*/true);
}

// Columns taken in batches whose first steps (the emergent-pair tests) run together
// (ReducerOptions::probe_batch; RipsFirstSteps::ProbeBatch), including the probed columns that
// start their heap at the candidate the probe found: the same reduced pairs and diagrams as
// one column at a time, with batches of 2, 16 and 64 columns, on rank keys and the tie grid,
// 1 and 2 threads, shuffled orders (columns taken back), Z/2 and Z/3, and maxdim 3.
TEST(RipsScaleTest, ProbedBatchesGiveTheSamePairs) {
  SamePairsCheck check;
  check.clouds = RankedWalksTorusAndGrid();
  check.reference = [](ReducerOptions& r) { r.probe_batch = 1; };
  for (size_t batch : {size_t{2}, size_t{16}, size_t{64}}) {
    for (int variant = 0; variant < 3; ++variant) {
      check.variants.push_back([=](ReducerOptions& r) {
        r.probe_batch = batch;
        r.threads = variant == 1 ? 2 : 1;
        r.shuffle_columns = variant == 2 ? 11 : 0;
      });
    }
  }
  ExpectSamePairs(check);
  ExpectMaxdim3SamePairs([](ReducerOptions& r, bool on) { r.probe_batch = on ? 16 : 1; }, /*ranked=*/true);
  ExpectMaxdim3SamePairs([](ReducerOptions& r, bool on) { r.probe_batch = on ? 16 : 1; }, /*ranked=*/false);
}

}  // namespace
}  // namespace panic::tda
