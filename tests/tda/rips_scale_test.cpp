// Issue 18: exact Rips at scale (memory limit, the 32-bit edge table), the two small
// faults (exact zero cosine distance of parallel vectors, distances beyond float), and
// the approximate (sparse Rips) diagram checked against the exact one on a log scale
// and, for its reduction, against ripser on the same sparse filtration.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <random>

#include "panic/store/npz_codec.h"
#include "panic/tda/diagram_distance.h"
#include "panic/tda/distance_matrix.h"
#include "panic/tda/edge_ranks.h"
#include "panic/tda/rips.h"
#include "panic/tda/rips_reducer.h"
#include "panic/tda/rips_sparse.h"
#include "support/test_support.h"
#include "tda/tda_oracle_helpers.h"

namespace panic::tda {
namespace {

using testing::CompareDiagrams;
using testing::LatticeCloud;
using testing::LogBottleneck;
using testing::NoisyTorus;
using testing::PointCloud;

constexpr float kInf = std::numeric_limits<float>::infinity();

Diagram Exact(const PointCloud& c, int maxdim, Metric metric = Metric::kEuclidean,
              float threshold = NAN) {
  RipsOptions o;
  o.maxdim = maxdim;
  o.metric = metric;
  o.threshold = threshold;
  auto r = ComputeRips(c.values, c.n, c.dim, o);
  EXPECT_TRUE(r.ok()) << r.status().ToString();
  return r.ok() ? *r : Diagram{};
}

ApproximateDiagram Approximate(const PointCloud& c, int maxdim, double epsilon, int threads = 1) {
  RipsOptions o;
  o.maxdim = maxdim;
  o.threads = threads;
  auto r = ComputeApproximateRips(c.values, c.n, c.dim, o, epsilon);
  EXPECT_TRUE(r.ok()) << r.status().ToString();
  return r.ok() ? *r : ApproximateDiagram{};
}

size_t LongBars(const Bars& bars, float ratio) {
  size_t k = 0;
  for (const Bar& b : bars) k += b.death > ratio * b.birth;
  return k;
}

// ---- the two small faults --------------------------------------------------------

TEST(RipsScaleTest, CosineOfParallelVectorsIsExactlyZero) {
  RipsOptions o;
  o.metric = Metric::kCosine;
  // The case: 1.70 and 0.20 on a line.
  std::vector<float> line = {1.70f, 0.20f};
  for (float threshold : {NAN, 0.0f}) {
    o.threshold = threshold;
    auto d = ComputeRips(line, 2, 1, o);
    ASSERT_TRUE(d.ok()) << d.status().ToString();
    ASSERT_EQ(d->bars(0).size(), 1u) << "threshold " << threshold;
    EXPECT_TRUE(d->bars(0)[0].IsEssential());
    EXPECT_TRUE(d->bars(1).empty());
  }
  // Opposite directions are at cosine distance 2.
  o.threshold = NAN;
  std::vector<float> opposite = {1.70f, -0.20f};
  auto d = ComputeRips(opposite, 2, 1, o);
  ASSERT_TRUE(d.ok());
  ASSERT_EQ(d->bars(0).size(), 2u);
  EXPECT_EQ(d->bars(0)[0], (Bar{0.0f, 2.0f}));
  // 768-D: x, 4x and 0.5x are one direction (exact in float); a fourth vector is not.
  PointCloud c = testing::GaussianCloud(2, 768, 7);
  std::vector<float> pts;
  for (size_t k = 0; k < 768; ++k) pts.push_back(c.values[k]);
  for (size_t k = 0; k < 768; ++k) pts.push_back(4.0f * c.values[k]);
  for (size_t k = 0; k < 768; ++k) pts.push_back(0.5f * c.values[k]);
  for (size_t k = 0; k < 768; ++k) pts.push_back(c.values[768 + k]);
  o.threshold = 0.0f;
  d = ComputeRips(pts, 4, 768, o);
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(d->bars(0).size(), 2u);  // {x, 4x, 0.5x} and the other vector, both essential
  o.threshold = NAN;
  d = ComputeRips(pts, 4, 768, o);
  ASSERT_TRUE(d.ok());
  ASSERT_EQ(d->bars(0).size(), 2u);
  EXPECT_GT(d->bars(0)[0].death, 0.5f);  // two random directions in 768-D: cos ≈ 0
  EXPECT_TRUE(d->bars(0)[1].IsEssential());
}

TEST(RipsScaleTest, DistancesBeyondFloatAreRejected) {
  RipsOptions o;
  std::vector<float> far = {3e38f, -3e38f};
  auto d = ComputeRips(far, 2, 1, o);
  ASSERT_FALSE(d.ok());
  EXPECT_EQ(d.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(d.status().message().find("float range"), std::string::npos) << d.status().message();
  EXPECT_NE(d.status().message().find("6e+38"), std::string::npos) << d.status().message();
  // Large but representable: one finite bar of the exact length, one essential.
  std::vector<float> big = {1e38f, -1e38f};
  d = ComputeRips(big, 2, 1, o);
  ASSERT_TRUE(d.ok()) << d.status().ToString();
  ASSERT_EQ(d->bars(0).size(), 2u);
  EXPECT_EQ(d->bars(0)[0].death, 2e38f);
  EXPECT_TRUE(d->bars(0)[1].IsEssential());
  // Cosine normalises first: no overflow.
  o.metric = Metric::kCosine;
  d = ComputeRips(far, 2, 1, o);
  ASSERT_TRUE(d.ok()) << d.status().ToString();
  EXPECT_EQ(d->bars(0)[0], (Bar{0.0f, 2.0f}));
}

// ---- size limits ------------------------------------------------------------------

TEST(RipsScaleTest, MemoryNeedIsStatedBeforeAnythingLarge) {
  EXPECT_EQ(RipsMemoryLowerBound(1000, 0), size_t{4'000'000});
  // Matrix, 16-bit edge table, byte copy of the distances, sweep bitsets (16 words a row).
  EXPECT_EQ(RipsMemoryLowerBound(1000, 2), size_t{4'000'000 + 999'000 + 1'000'000 + 128'000});
  EXPECT_EQ(RipsMemoryLowerBound(1000, 1), size_t{4'000'000 + 999'000 + 1'000'000});
  // Past 65 535 points: a 32-bit edge table; past the sweep's 92 681 no bitsets.
  EXPECT_EQ(RipsMemoryLowerBound(70000, 1), size_t{19'600'000'000} + size_t{9'799'860'000} + size_t{4'900'000'000});
  EXPECT_EQ(RipsMemoryLowerBound(100000, 2), size_t{40'000'000'000} + size_t{19'999'800'000} + size_t{10'000'000'000});
  // 60 000 points, the case: ≈ 20.5 GiB, over the default 16 GiB limit.
  std::vector<float> line(60000);
  for (size_t i = 0; i < line.size(); ++i) line[i] = static_cast<float>(i);
  RipsOptions o;
  auto d = ComputeRips(line, line.size(), 1, o);
  ASSERT_FALSE(d.ok());
  EXPECT_EQ(d.status().code(), StatusCode::kInvalidArgument);
  const std::string m = d.status().message();
  EXPECT_NE(m.find("60000 points need at least 20.5 GiB"), std::string::npos) << m;
  EXPECT_NE(m.find("distance matrix 13.4 GiB"), std::string::npos) << m;
  EXPECT_NE(m.find("the byte copy of the distances 3.4 GiB"), std::string::npos) << m;
  EXPECT_NE(m.find("the triangle sweep's bitsets 429.4 MiB"), std::string::npos) << m;
  EXPECT_NE(m.find("memory limit of 16.0 GiB"), std::string::npos) << m;
  // The approximate mode does not need the matrix past this limit (its sparse-graph
  // backend takes over); its own limit is tested in SparseRipsTest.MemoryLimitOfTheSparseBackend.
  // Any limit can be set.
  o.memory_limit_bytes = 10000;
  d = ComputeRips(std::span<const float>(line).first(100), 100, 1, o);
  ASSERT_FALSE(d.ok());
  EXPECT_NE(d.status().message().find("memory limit"), std::string::npos);
  o.memory_limit_bytes = 100000;
  EXPECT_TRUE(ComputeRips(std::span<const float>(line).first(100), 100, 1, o).ok());
}

// Past 65 535 points the edge table takes 32 bits an edge; forced here on small clouds,
// it must give the same diagram as the 16-bit table and as ripser.
TEST(RipsScaleTest, WideEdgeTableGivesTheSameDiagram) {
  for (const PointCloud& c : {testing::WalkCloud(150, 768, 3), testing::SphereSample(100, 4)}) {
    internal::DistanceMatrix d = internal::EuclideanDistances(c.values, c.n, c.dim, 1);
    internal::ReducerOptions r;
    r.maxdim = 2;
    r.threshold = internal::EnclosingRadius(d);
    Diagram narrow = internal::ReduceRips(d, r);
    r.wide_edge_table = true;
    r.threads = 2;
    Diagram wide = internal::ReduceRips(d, r);
    EXPECT_EQ(narrow, wide);
    if (testing::HaveRipser()) {
      EXPECT_EQ(CompareDiagrams(wide, testing::RipserOnCloud(c, 2), 1e-5), "");
    }
  }
}

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

// Reducer options for maxdim 2 over Z/modulus at the enclosing radius of d.
internal::ReducerOptions Maxdim2At(const internal::DistanceMatrix& d, int modulus) {
  internal::ReducerOptions r;
  r.maxdim = 2;
  r.modulus = modulus;
  r.threshold = internal::EnclosingRadius(d);
  return r;
}

// The maxdim-3 check of a reducer path (4-vertex cursors, on a sphere sample): the reduced
// pairs of dimension 3 and the diagram with `path(r, false)` and `path(r, true)` are equal.
template <typename Path>
void ExpectMaxdim3SamePairs(Path path) {
  const PointCloud s = testing::SphereSample(40, 8);
  internal::DistanceMatrix d = internal::EuclideanDistances(s.values, s.n, s.dim, 1);
  internal::ReducerOptions r;
  r.maxdim = 3;
  r.threshold = internal::EnclosingRadius(d);
  path(r, false);
  const auto pairs3 = internal::ReducedPairs(d, r, 3);
  const Diagram expected = internal::ReduceRips(d, r);
  path(r, true);
  EXPECT_EQ(internal::ReducedPairs(d, r, 3), pairs3);
  EXPECT_EQ(internal::ReduceRips(d, r), expected);
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
// columns and the reduced pairs (dims 1 and 2, maxdim 2: dim 2 is read in ranges; maxdim
// 3: dim 2 keeps its pivots and is read serially, dim 3 in ranges) must be those of one
// thread for 2 and 3 threads (3: uneven splits), Z/2 and Z/3, in order and shuffled.
TEST(RipsScaleTest, ParallelSortAndPairReadingGiveTheSameColumnsAndPairs) {
  for (const PointCloud& c : {testing::UnitSphereWalk(260, 768, 0.01, 9), NoisyTorus(180, 0.03, 7)}) {
    internal::DistanceMatrix d = internal::EuclideanDistances(c.values, c.n, c.dim, 1);
    for (int modulus : {2, 3}) {
      internal::ReducerOptions r = Maxdim2At(d, modulus);
      const auto columns = internal::AssembledColumns(d, r, 2);
      ASSERT_GT(columns.size(), 100u) << "n=" << c.n;
      r.parallel_sort_columns_at = 2;
      const auto pairs1 = internal::ReducedPairs(d, r, 1), pairs2 = internal::ReducedPairs(d, r, 2);
      ASSERT_FALSE(pairs2.empty());
      for (int threads : {2, 3}) {
        for (uint64_t seed : {0, 5}) {
          r.threads = threads;
          r.shuffle_columns = seed;
          const std::string what = "n=" + std::to_string(c.n) + " modulus=" + std::to_string(modulus) +
                                   " threads=" + std::to_string(threads) + " seed=" + std::to_string(seed);
          EXPECT_EQ(internal::AssembledColumns(d, r, 2), columns) << what;
          EXPECT_EQ(internal::ReducedPairs(d, r, 1), pairs1) << what;
          EXPECT_EQ(internal::ReducedPairs(d, r, 2), pairs2) << what;
        }
      }
    }
  }
  // maxdim 3 on a small cloud: dim 2's pivots are kept for the clearing of dim 3.
  const PointCloud small = testing::SphereSample(40, 8);
  internal::DistanceMatrix d = internal::EuclideanDistances(small.values, small.n, small.dim, 1);
  internal::ReducerOptions r = Maxdim2At(d, 2);
  r.maxdim = 3;
  r.parallel_sort_columns_at = 2;
  const auto pairs2 = internal::ReducedPairs(d, r, 2), pairs3 = internal::ReducedPairs(d, r, 3);
  const Diagram one = internal::ReduceRips(d, r);
  for (int threads : {2, 3}) {
    r.threads = threads;
    EXPECT_EQ(internal::ReducedPairs(d, r, 2), pairs2) << "maxdim 3, threads=" << threads;
    EXPECT_EQ(internal::ReducedPairs(d, r, 3), pairs3) << "maxdim 3, threads=" << threads;
    EXPECT_EQ(internal::ReduceRips(d, r), one) << "maxdim 3, threads=" << threads;
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

// Clouds for the triangle assemblies: loopy walks, a torus, a Gaussian blob, and clouds full of
// ties (integer grids, duplicated points, the 5-cube's corners, coordinates k/64).
std::vector<PointCloud> AssemblyClouds() {
  std::vector<PointCloud> clouds = {testing::UnitSphereWalk(180, 768, 0.01, 3), testing::WalkCloud(160, 768, 4),
                                    NoisyTorus(150, 0.03, 2), testing::GaussianCloud(90, 5, 6)};
  {
    std::mt19937_64 rng(11);
    clouds.push_back(LatticeCloud(120, rng));
    PointCloud plane{49, 2, {}};
    for (int i = 0; i < 7; ++i) {
      for (int j = 0; j < 7; ++j) {
        plane.values.push_back(static_cast<float>(i));
        plane.values.push_back(static_cast<float>(j));
      }
    }
    clouds.push_back(plane);
    PointCloud cube{80, 5, {}};  // corners of the 5-cube, some twice: distances √1 … √5
    std::uniform_int_distribution<int> corner(0, 31);
    for (size_t i = 0; i < cube.n; ++i) {
      const int k = i < 32 ? static_cast<int>(i) : corner(rng);
      for (int b = 0; b < 5; ++b) cube.values.push_back(static_cast<float>((k >> b) & 1));
    }
    clouds.push_back(cube);
    PointCloud quantized{150, 3, {}};  // coordinates k/64: a few equal lengths per length (the sweep's tie paths)
    std::uniform_int_distribution<int> step(0, 64);
    for (size_t i = 0; i < quantized.n * quantized.dim; ++i) quantized.values.push_back(static_cast<float>(step(rng)) / 64);
    clouds.push_back(quantized);
  }
  return clouds;
}

// Triangles assembled edge by edge (triangle_scan.h, the AVX-512 path) against the
// per-triangle assembly (the path of other machines), on clouds full of ties (integer
// grids, duplicated points: the fast tests leave such triangles to the exact ones), below
// the enclosing radius too, Z/2 and Z/3, and with 1 or 2 candidates an edge (most
// triangles then take the exact fallback); and against ripser.
TEST(RipsScaleTest, EdgeByEdgeAndSweptTriangleAssemblyGiveTheSameDiagram) {
  const std::vector<PointCloud> clouds = AssemblyClouds();
  for (const PointCloud& c : clouds) {
    internal::DistanceMatrix d = internal::EuclideanDistances(c.values, c.n, c.dim, 1);
    const float radius = internal::EnclosingRadius(d);
    for (float threshold : {radius, 0.8f * radius}) {
      for (int modulus : {2, 3}) {
        internal::ReducerOptions r;
        r.maxdim = 2;
        r.modulus = modulus;
        r.threshold = threshold;
        r.per_triangle_assembly = true;
        const Diagram expected = internal::ReduceRips(d, r);
        const auto expected_columns = internal::AssembledColumns(d, r, 2);
        r.per_triangle_assembly = false;
        r.edge_scan_assembly = true;
        for (int candidates : {32, 2, 1}) {
          r.edge_candidates = candidates;
          r.threads = candidates == 2 ? 2 : 1;
          const std::string what = "n=" + std::to_string(c.n) + " threshold=" + std::to_string(threshold) +
                                   " modulus=" + std::to_string(modulus) + " candidates=" + std::to_string(candidates);
          EXPECT_EQ(internal::AssembledColumns(d, r, 2), expected_columns) << what;
          EXPECT_EQ(internal::ReduceRips(d, r), expected) << what;
        }
        // The sweep over the edges by length (triangle_sweep.h), in one band and in bands
        // of 1 000 and 50 edges (there with groups of 4+ equal lengths left to the per-edge
        // scan); its tie edges take the per-edge scan with 2 candidates.
        r.edge_scan_assembly = false;
        r.edge_candidates = 2;
        for (size_t band : {size_t{0}, size_t{1000}, size_t{50}}) {
          r.sweep_band_edges = band;
          r.sweep_tie_group = band == 50 ? 3 : 0;  // groups of 4+ equal lengths: the per-edge scan
          r.threads = band == 1000 ? 2 : 1;
          const std::string what = "sweep n=" + std::to_string(c.n) + " threshold=" + std::to_string(threshold) +
                                   " modulus=" + std::to_string(modulus) + " band=" + std::to_string(band);
          EXPECT_EQ(internal::AssembledColumns(d, r, 2), expected_columns) << what;
          EXPECT_EQ(internal::ReduceRips(d, r), expected) << what;
        }
        r.sweep_band_edges = 0;
        r.sweep_tie_group = 0;
        if (modulus == 2 && threshold == radius && testing::HaveRipser()) {
          EXPECT_EQ(CompareDiagrams(expected, testing::RipserOnCloud(c, 2), 1e-5), "") << "n=" << c.n;
        }
      }
    }
  }
}

// The sweep in chunks on the workers (triangle_sweep_chunk.h: each edge against the bitsets
// as they were before its chunk, corrected for the chunk's earlier edges) against the
// per-triangle assembly, column for column: chunks of 1 edge (one group: nothing to
// correct), 2, 7, 50 and 1 000 edges, 1 and 2 threads, bands of 50 edges, and groups of 4+
// equal lengths split across units and chunks (sweep_tie_group 3).
TEST(RipsScaleTest, ChunkedSweepGivesTheSameColumns) {
  for (const PointCloud& c : AssemblyClouds()) {
    internal::DistanceMatrix d = internal::EuclideanDistances(c.values, c.n, c.dim, 1);
    const float radius = internal::EnclosingRadius(d);
    for (float threshold : {radius, 0.8f * radius}) {
      internal::ReducerOptions r;
      r.maxdim = 2;
      r.threshold = threshold;
      r.per_triangle_assembly = true;
      const auto expected = internal::AssembledColumns(d, r, 2);
      const Diagram expected_diagram = internal::ReduceRips(d, r);
      r.per_triangle_assembly = false;
      r.edge_candidates = 2;
      for (size_t chunk : {size_t{1}, size_t{2}, size_t{7}, size_t{50}, size_t{1000}}) {
        for (int threads : {1, 2}) {
          for (size_t band : {size_t{0}, size_t{50}}) {
            r.sweep_chunk_edges = chunk;
            r.threads = threads;
            r.sweep_band_edges = band;
            r.sweep_tie_group = band == 50 ? 3 : 0;
            const std::string what = "n=" + std::to_string(c.n) + " threshold=" + std::to_string(threshold) +
                                     " chunk=" + std::to_string(chunk) + " threads=" + std::to_string(threads) +
                                     " band=" + std::to_string(band);
            EXPECT_EQ(internal::AssembledColumns(d, r, 2), expected) << what;
          }
        }
      }
      r.sweep_chunk_edges = 7;
      r.sweep_band_edges = 0;
      r.sweep_tie_group = 0;
      EXPECT_EQ(internal::ReduceRips(d, r), expected_diagram) << "n=" << c.n;
    }
  }
}

// Column compaction (the simplices a heavy column added twice merged or dropped, its heap
// rebuilt): the pairs of the reduced matrix — unique, so every correct reduction has the
// same, zero-length ones included — must not change. Compacting at tiny heap sizes makes
// nearly every column with an addition compact, many times over; loopy clouds (whose
// columns add the same simplex twice), ties (a grid), Z/2 and Z/3, 1 and 2 threads, a
// shuffled column order (columns taken back and reduced further), maxdim 3 (4-vertex
// cursors); and the diagram against ripser.
TEST(RipsScaleTest, CompactedColumnsGiveTheSamePairs) {
  std::vector<PointCloud> clouds = {testing::UnitSphereWalk(200, 768, 0.01, 5),
                                    testing::UnitSphereWalk(260, 768, 0.01, 9), NoisyTorus(180, 0.03, 7),
                                    testing::Circle(150, 0.08, 3)};
  clouds.push_back(LatticeCloud(100, 12));
  for (const PointCloud& c : clouds) {
    internal::DistanceMatrix d = internal::EuclideanDistances(c.values, c.n, c.dim, 1);
    for (int modulus : {2, 3}) {
      internal::ReducerOptions r = Maxdim2At(d, modulus);
      r.compact_cursors_at = 0;
      const Diagram expected = internal::ReduceRips(d, r);
      const auto pairs1 = internal::ReducedPairs(d, r, 1), pairs2 = internal::ReducedPairs(d, r, 2);
      ASSERT_FALSE(pairs2.empty());
      for (size_t at : {1, 2, 5, 64}) {
        for (int variant = 0; variant < 3; ++variant) {
          r.compact_cursors_at = at;
          r.threads = variant == 1 ? 2 : 1;
          r.shuffle_columns = variant == 2 ? 7 : 0;
          const std::string what = "n=" + std::to_string(c.n) + " modulus=" + std::to_string(modulus) +
                                   " at=" + std::to_string(at) + " variant=" + std::to_string(variant);
          EXPECT_EQ(internal::ReducedPairs(d, r, 1), pairs1) << what;
          EXPECT_EQ(internal::ReducedPairs(d, r, 2), pairs2) << what;
          EXPECT_EQ(internal::ReduceRips(d, r), expected) << what;
        }
      }
      if (modulus == 2 && testing::HaveRipser()) {
        EXPECT_EQ(CompareDiagrams(expected, testing::RipserOnCloud(c, 2), 1e-5), "") << "n=" << c.n;
      }
    }
  }
  // Dimension 3: 4-vertex cursors.
  ExpectMaxdim3SamePairs([](internal::ReducerOptions& r, bool on) {
    r.compact_cursors_at = on ? size_t{1} : size_t{0};
  });
}

// The own-diameter cofacets from the edges' link graphs (edge_link.h): the same pairs as
// from the scans alone, with links used for every column (0), for columns of a few
// cursors (3) and as in production (64); 1 and 2 threads, Z/2 and Z/3, ties, maxdim 3.
TEST(RipsScaleTest, LinkCofacetsGiveTheSamePairs) {
  std::vector<PointCloud> clouds = {testing::UnitSphereWalk(220, 768, 0.01, 5), NoisyTorus(160, 0.03, 7)};
  clouds.push_back(LatticeCloud(90, 13));
  for (const PointCloud& c : clouds) {
    internal::DistanceMatrix d = internal::EuclideanDistances(c.values, c.n, c.dim, 1);
    for (int modulus : {2, 3}) {
      internal::ReducerOptions r = Maxdim2At(d, modulus);
      r.link_cursors_at = SIZE_MAX;
      const Diagram expected = internal::ReduceRips(d, r);
      const auto pairs2 = internal::ReducedPairs(d, r, 2);
      ASSERT_FALSE(pairs2.empty());
      for (size_t at : {size_t{0}, size_t{3}, size_t{64}}) {
        for (int threads : {1, 2}) {
          r.link_cursors_at = at;
          r.threads = threads;
          const std::string what = "n=" + std::to_string(c.n) + " modulus=" + std::to_string(modulus) +
                                   " at=" + std::to_string(at) + " threads=" + std::to_string(threads);
          EXPECT_EQ(internal::ReducedPairs(d, r, 2), pairs2) << what;
          EXPECT_EQ(internal::ReduceRips(d, r), expected) << what;
        }
      }
    }
  }
  // Dimension 3: 4-vertex cursors, two rows of the link graph a simplex.
  ExpectMaxdim3SamePairs([](internal::ReducerOptions& r, bool on) {
    r.link_cursors_at = on ? size_t{0} : SIZE_MAX;
  });
}

// The past-diameter scans on the byte copy of the distances (quantized_scan.h): the same
// pairs as the float scans, Z/2 and Z/3, 1 and 2 threads, ties, maxdim 3, a threshold.
TEST(RipsScaleTest, QuantizedScansGiveTheSamePairs) {
  std::vector<PointCloud> clouds = {testing::UnitSphereWalk(220, 768, 0.01, 5), NoisyTorus(160, 0.03, 7)};
  clouds.push_back(LatticeCloud(90, 14));
  for (const PointCloud& c : clouds) {
    internal::DistanceMatrix d = internal::EuclideanDistances(c.values, c.n, c.dim, 1);
    for (int modulus : {2, 3}) {
      internal::ReducerOptions r = Maxdim2At(d, modulus);
      r.quantized_scans = false;
      const Diagram expected = internal::ReduceRips(d, r);
      const auto pairs1 = internal::ReducedPairs(d, r, 1), pairs2 = internal::ReducedPairs(d, r, 2);
      ASSERT_FALSE(pairs2.empty());
      r.quantized_scans = true;
      for (int threads : {1, 2}) {
        r.threads = threads;
        const std::string what =
            "n=" + std::to_string(c.n) + " modulus=" + std::to_string(modulus) + " threads=" + std::to_string(threads);
        EXPECT_EQ(internal::ReducedPairs(d, r, 1), pairs1) << what;
        EXPECT_EQ(internal::ReducedPairs(d, r, 2), pairs2) << what;
        EXPECT_EQ(internal::ReduceRips(d, r), expected) << what;
      }
    }
  }
  ExpectMaxdim3SamePairs([](internal::ReducerOptions& r, bool on) {
    r.quantized_scans = on;
  });
}

// The past-diameter scans keep their whole exact prefix, past the cursor's queue, in the
// column's spill (spill_queued_cofacets): the same reduced pairs as without it, Z/2 and
// Z/3, 1 and 2 threads, compaction at every column (the spill packed as the cursors move)
// and as in production, a spill bound that is reached often (base 0: 1 entry a cursor)
// and one that is not, shuffled columns (resumed ones), ties, maxdim 3.
TEST(RipsScaleTest, SpilledCofacetsGiveTheSamePairs) {
  std::vector<PointCloud> clouds = {testing::UnitSphereWalk(220, 768, 0.01, 5), NoisyTorus(160, 0.03, 7)};
  clouds.push_back(LatticeCloud(90, 14));
  for (const PointCloud& c : clouds) {
    internal::DistanceMatrix d = internal::EuclideanDistances(c.values, c.n, c.dim, 1);
    for (int modulus : {2, 3}) {
      internal::ReducerOptions r = Maxdim2At(d, modulus);
      r.spill_queued_cofacets = false;
      const Diagram expected = internal::ReduceRips(d, r);
      const auto pairs1 = internal::ReducedPairs(d, r, 1), pairs2 = internal::ReducedPairs(d, r, 2);
      ASSERT_FALSE(pairs2.empty());
      r.spill_queued_cofacets = true;
      for (int threads : {1, 2}) {
        for (size_t compact : {size_t{1}, size_t{4096}}) {
          for (size_t base : {size_t{0}, size_t{1} << 15}) {
            r.threads = threads;
            r.compact_cursors_at = compact;
            r.spill_entries_base = base;
            r.shuffle_columns = threads == 1 && compact == 1 ? 5 : 0;
            const std::string what = "n=" + std::to_string(c.n) + " modulus=" + std::to_string(modulus) +
                                     " threads=" + std::to_string(threads) + " compact=" + std::to_string(compact) +
                                     " base=" + std::to_string(base);
            EXPECT_EQ(internal::ReducedPairs(d, r, 1), pairs1) << what;
            EXPECT_EQ(internal::ReducedPairs(d, r, 2), pairs2) << what;
            EXPECT_EQ(internal::ReduceRips(d, r), expected) << what;
          }
        }
      }
    }
  }
  ExpectMaxdim3SamePairs([](internal::ReducerOptions& r, bool on) {
    r.spill_queued_cofacets = on;
    r.compact_cursors_at = 1;
  });
}

// An added column's simplices start at its pivot (seek_added_columns) instead of walking
// their coboundaries from their own diameters, and pivots are tested for an apparent pair
// before the pivot-table lookup (apparent_first_cursors_at 0: in every column): the same
// reduced pairs, also when columns are taken back (shuffled order: the resume path seeks
// too), compacted at once, over Z/3 and at maxdim 3.
TEST(RipsScaleTest, SeekedAddedColumnsGiveTheSamePairs) {
  std::vector<PointCloud> clouds = {testing::UnitSphereWalk(220, 768, 0.01, 5), NoisyTorus(160, 0.03, 7)};
  clouds.push_back(LatticeCloud(90, 14));
  for (const PointCloud& c : clouds) {
    internal::DistanceMatrix d = internal::EuclideanDistances(c.values, c.n, c.dim, 1);
    for (int modulus : {2, 3}) {
      internal::ReducerOptions r = Maxdim2At(d, modulus);
      r.seek_added_columns = false;
      r.apparent_first_cursors_at = SIZE_MAX;
      const Diagram expected = internal::ReduceRips(d, r);
      const auto pairs1 = internal::ReducedPairs(d, r, 1), pairs2 = internal::ReducedPairs(d, r, 2);
      ASSERT_FALSE(pairs2.empty());
      r.seek_added_columns = true;
      r.apparent_first_cursors_at = 0;
      for (int threads : {1, 2}) {
        for (uint64_t shuffle : {uint64_t{0}, uint64_t{11}}) {
          for (size_t compact : {size_t{4096}, size_t{2}}) {
            r.threads = threads;
            r.shuffle_columns = shuffle;
            r.compact_cursors_at = compact;
            const std::string what = "n=" + std::to_string(c.n) + " modulus=" + std::to_string(modulus) +
                                     " threads=" + std::to_string(threads) + " shuffle=" + std::to_string(shuffle) +
                                     " compact=" + std::to_string(compact);
            EXPECT_EQ(internal::ReducedPairs(d, r, 1), pairs1) << what;
            EXPECT_EQ(internal::ReducedPairs(d, r, 2), pairs2) << what;
            EXPECT_EQ(internal::ReduceRips(d, r), expected) << what;
          }
        }
      }
    }
  }
  ExpectMaxdim3SamePairs([](internal::ReducerOptions& r, bool on) {
    r.seek_added_columns = on;
    r.apparent_first_cursors_at = on ? size_t{0} : SIZE_MAX;
  });
}

// A diameter's slice reduced in bulk (rips_slice.h: Z/2, dimension 2, distinct lengths):
// the same reduced pairs and diagrams as the heap path, on rank keys (every edge its own
// length), with the slice in every column (0), in columns of a few cursors (3) and as in
// production (64); 1 and 2 threads, shuffled orders (columns taken back), compaction at
// every column, maxdim 3. Z/3 and the tie grid (lengths not distinct) take the heap path.
TEST(RipsScaleTest, SliceInBulkGivesTheSamePairs) {
  std::vector<PointCloud> clouds = {testing::UnitSphereWalk(220, 768, 0.01, 5),
                                    testing::UnitSphereWalk(260, 768, 0.01, 9), NoisyTorus(160, 0.03, 7)};
  clouds.push_back(LatticeCloud(90, 14));
  for (size_t k = 0; k < clouds.size(); ++k) {
    const PointCloud& c = clouds[k];
    const bool ranked = k + 1 < clouds.size();  // the grid keeps its tied lengths
    internal::DistanceMatrix d = internal::EuclideanDistances(c.values, c.n, c.dim, 1, ranked);
    if (ranked) internal::RankEdges(d, 1);
    for (int modulus : {2, 3}) {
      internal::ReducerOptions r = Maxdim2At(d, modulus);
      r.slice_cursors_at = SIZE_MAX;
      const Diagram expected = internal::ReduceRips(d, r);
      const auto pairs1 = internal::ReducedPairs(d, r, 1), pairs2 = internal::ReducedPairs(d, r, 2);
      ASSERT_FALSE(pairs2.empty());
      r.distinct_lengths = ranked;
      for (size_t at : {size_t{0}, size_t{3}, size_t{64}}) {
        for (int variant = 0; variant < 4; ++variant) {
          r.slice_cursors_at = at;
          r.threads = variant == 1 ? 2 : 1;
          r.shuffle_columns = variant == 2 ? 11 : 0;
          r.compact_cursors_at = variant == 3 ? 1 : 4096;
          const std::string what = "n=" + std::to_string(c.n) + " modulus=" + std::to_string(modulus) +
                                   " at=" + std::to_string(at) + " variant=" + std::to_string(variant);
          EXPECT_EQ(internal::ReducedPairs(d, r, 1), pairs1) << what;
          EXPECT_EQ(internal::ReducedPairs(d, r, 2), pairs2) << what;
          EXPECT_EQ(internal::ReduceRips(d, r), expected) << what;
        }
      }
    }
  }
  // Maxdim 3 on rank keys: the slices of dimension 2 under a dimension 3.
  const PointCloud s = testing::SphereSample(40, 8);
  internal::DistanceMatrix d = internal::EuclideanDistances(s.values, s.n, s.dim, 1, true);
  internal::RankEdges(d, 1);
  internal::ReducerOptions r;
  r.maxdim = 3;
  r.threshold = internal::EnclosingRadius(d);
  r.slice_cursors_at = SIZE_MAX;
  const auto pairs2 = internal::ReducedPairs(d, r, 2), pairs3 = internal::ReducedPairs(d, r, 3);
  const Diagram expected = internal::ReduceRips(d, r);
  r.distinct_lengths = true;
  r.slice_cursors_at = 0;
  EXPECT_EQ(internal::ReducedPairs(d, r, 2), pairs2);
  EXPECT_EQ(internal::ReducedPairs(d, r, 3), pairs3);
  EXPECT_EQ(internal::ReduceRips(d, r), expected);
}

// ---- approximate mode ----------------------------------------------------------------

TEST(RipsScaleTest, ApproximateRejectsBadEpsilon) {
  PointCloud c = testing::Circle(10, 0, 1);
  RipsOptions o;
  for (double eps : {0.0, -0.5, 11.0, std::numeric_limits<double>::quiet_NaN()}) {
    auto r = ComputeApproximateRips(c.values, c.n, c.dim, o, eps);
    ASSERT_FALSE(r.ok());
    EXPECT_NE(r.status().message().find("epsilon"), std::string::npos);
  }
}

TEST(RipsScaleTest, InsertionRadiiAreTheGreedyPermutation) {
  // Points on a line at 0, 1, 3, 7: greedy from 0 picks 7 (λ 7), then 3 (λ 3), then 1 (λ 1).
  std::vector<float> line = {0, 1, 3, 7};
  internal::DistanceMatrix d = internal::EuclideanDistances(line, 4, 1, 1);
  std::vector<double> lambda = internal::InsertionRadii(d);
  EXPECT_TRUE(std::isinf(lambda[0]));
  EXPECT_EQ(lambda[3], 7.0);
  EXPECT_EQ(lambda[2], 3.0);
  EXPECT_EQ(lambda[1], 1.0);
  // ε = 1: μ = 2 min λ. Edge {1, 0}: μ = 2, d = 1 ≤ 4: kept as is. Edge {3, 1}: μ = 2,
  // d = 6 in (4, 6]: 2(6 − 2) = 8. Edge {2, 1}: μ = 2, d = 2: kept.
  internal::SparsifyDistances(d, lambda, 1.0);
  EXPECT_EQ(d(1, 0), 1.0f);
  EXPECT_EQ(d(2, 1), 2.0f);
  EXPECT_NEAR(d(3, 1), 8.0f, 1e-5);
  EXPECT_GE(d(3, 1), 8.0f);
  // ε = 0.25: μ = 5 min λ; {3, 1}: μ = 5, d = 6 ≤ 10: kept. Nothing is dropped on 4 points.
  d = internal::EuclideanDistances(line, 4, 1, 1);
  EXPECT_EQ(internal::SparsifyDistances(d, lambda, 0.25), 6u);
}

// The reduction of the sparse filtration against ripser on the same edges.
TEST(RipsScaleTest, SparseFiltrationMatchesRipserOnItsEdges) {
  if (!testing::HaveRipser()) GTEST_SKIP() << "/usr/bin/ripser is not installed";
  struct Case {
    PointCloud cloud;
    double eps;
  };
  for (const Case& k : {Case{testing::Circle(200, 0.05, 2), 0.5}, Case{testing::SphereSample(150, 5), 0.3},
                        Case{testing::WalkCloud(150, 768, 6), 0.1}}) {
    const PointCloud& c = k.cloud;
    internal::DistanceMatrix d = internal::EuclideanDistances(c.values, c.n, c.dim, 1);
    const float threshold = static_cast<float>((1 + k.eps) * internal::EnclosingRadius(d));
    internal::SparsifyDistances(d, internal::InsertionRadii(d), k.eps);
    internal::ReducerOptions r;
    r.maxdim = 2;
    r.threshold = threshold;
    Diagram ours = internal::ReduceRips(d, r);
    Diagram expected = testing::RipserOnSparseEdges(d.values, c.n, 2, threshold);
    ASSERT_EQ(expected.num_dimensions(), 3u);
    EXPECT_EQ(CompareDiagrams(ours, expected, 1e-5), "") << "n=" << c.n << " eps=" << k.eps;
  }
}

// The guarantee: on a log scale the bottleneck distance to the exact diagram is at most
// ln(1 + ε). Loopy clouds (a circle, a 2-sphere, 768-D walks with returns, the issue's
// unit-sphere walk), several ε.
TEST(RipsScaleTest, ApproximateIsWithinTheBoundOfExact) {
  struct Case {
    const char* name;
    PointCloud cloud;
    int maxdim;
    double eps;
  };
  const Case cases[] = {
      {"circle", testing::Circle(300, 0.05, 3), 1, 0.1},
      {"circle", testing::Circle(300, 0.05, 3), 1, 0.5},
      {"circle", testing::Circle(300, 0.05, 3), 1, 2.0},
      {"sphere", testing::SphereSample(150, 6), 2, 0.3},
      {"gauss3", testing::GaussianCloud(200, 3, 8), 2, 1.0},
      {"walk", testing::WalkCloud(250, 768, 9), 2, 0.1},
      {"walk", testing::WalkCloud(250, 768, 9), 2, 0.5},
      {"unit-sphere walk", testing::UnitSphereWalk(250, 768, 0.01, 10), 2, 0.1},
      {"unit-sphere walk", testing::UnitSphereWalk(250, 768, 0.01, 10), 2, 1.0},
  };
  for (const Case& k : cases) {
    Diagram exact = Exact(k.cloud, k.maxdim);
    ApproximateDiagram approx = Approximate(k.cloud, k.maxdim, k.eps, 2);
    EXPECT_EQ(approx.epsilon, k.eps);
    EXPECT_EQ(approx.edges_total, k.cloud.n * (k.cloud.n - 1) / 2);
    EXPECT_LE(approx.edges_kept, approx.edges_total);
    const double error = LogBottleneck(approx.diagram, exact);
    const double bound = std::log1p(k.eps);
    EXPECT_LE(error, bound + 1e-5) << k.name << " eps=" << k.eps;
    std::printf("%-17s n=%zu eps=%.2f edges kept %5.1f%%  log-bottleneck %.4f  bound %.4f\n", k.name,
                k.cloud.n, k.eps, 100.0 * double(approx.edges_kept) / double(approx.edges_total),
                error, bound);
  }
  // On a low-dimensional cloud the filtration is sparse indeed, and the circle's loop
  // survives.
  ApproximateDiagram circle = Approximate(testing::Circle(300, 0.05, 3), 1, 0.5);
  EXPECT_LT(circle.edges_kept, circle.edges_total / 2);
  EXPECT_EQ(LongBars(circle.diagram.bars(1), 3.0f), 1u);
}

TEST(RipsScaleTest, ApproximateDoesNotDependOnThreads) {
  PointCloud c = testing::UnitSphereWalk(200, 768, 0.01, 11);
  EXPECT_EQ(Approximate(c, 2, 0.2, 1).diagram, Approximate(c, 2, 0.2, 2).diagram);
}

// `tda ph --approximate EPS`: ε in the JSON and the text output, bad ε refused (exit 2).
TEST(RipsScaleTest, CliApproximateFlag) {
  testing::TempDir dir;
  PointCloud c = testing::Circle(80, 0.05, 13);
  std::string csv;
  for (size_t i = 0; i < c.n; ++i) {
    csv += std::to_string(c.values[2 * i]) + "," + std::to_string(c.values[2 * i + 1]) + "\n";
  }
  const std::string file = dir.File("circle.csv");
  {
    std::FILE* f = std::fopen(file.c_str(), "w");
    ASSERT_NE(f, nullptr);
    std::fputs(csv.c_str(), f);
    std::fclose(f);
  }
  auto r = testing::RunCli({"tda", "ph", file, "--maxdim", "1", "--approximate", "0.25", "--format", "json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("\"approximation_epsilon\":0.25"), std::string::npos) << r.out;
  r = testing::RunCli({"tda", "ph", file, "--maxdim", "1", "--format", "json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("\"approximation_epsilon\":null"), std::string::npos) << r.out;
  r = testing::RunCli({"tda", "ph", file, "--approximate", "0.25"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out.rfind("# approximate: sparse Rips, epsilon 0.25", 0), 0u) << r.out;
  // The NPZ carries ε as its approximation_epsilon key (docs/TDA.md).
  r = testing::RunCli({"tda", "ph", file, "--approximate", "0.25", "--format", "npz", "--output", dir.File("c.npz")});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto npz = store::DecodeDiagramNpz(testing::ReadFile(dir.File("c.npz")));
  ASSERT_TRUE(npz.ok()) << npz.status().ToString();
  EXPECT_EQ(npz->approximation_epsilon, 0.25);
  for (const char* bad : {"0", "-1", "11", "x"}) {
    r = testing::RunCli({"tda", "ph", file, "--approximate", bad});
    EXPECT_EQ(r.exit_code, 2) << bad;
    EXPECT_NE(r.err.find("--approximate"), std::string::npos) << r.err;
  }
  r = testing::RunCli({"tda", "ph", file, "--memory-limit", "0.00001"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("80 points need at least"), std::string::npos) << r.err;
}

}  // namespace
}  // namespace panic::tda
