// Issue 18: the two small faults (exact zero cosine distance of parallel vectors,
// distances beyond float) and the size limits of the exact Rips (the memory needed stated
// before anything large is allocated; the 32-bit edge table past 65 535 points).
#include <gtest/gtest.h>

#include <cmath>
#include <span>
#include <string>
#include <vector>

#include "panic/tda/distance_matrix.h"
#include "panic/tda/rips.h"
#include "panic/tda/rips_input.h"
#include "panic/tda/rips_reducer.h"
#include "tda/tda_oracle_helpers.h"

namespace panic::tda {
namespace {

using testing::CompareDiagrams;
using testing::PointCloud;

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

// The sweep's workers beyond the first (n²/8 bytes each: 128 000 at n = 1 000) only where the
// limit leaves room; never more than the threads, never fewer than one.
TEST(RipsScaleTest, SweepWorkersFitTheMemoryLimit) {
  RipsOptions o;
  o.maxdim = 2;
  o.threads = 4;
  const size_t bound = RipsMemoryLowerBound(1000, 2);
  o.memory_limit_bytes = bound;
  EXPECT_EQ(internal::SweepWorkers(1000, o), 1);
  o.memory_limit_bytes = bound + 2 * 128'000 + 127'999;
  EXPECT_EQ(internal::SweepWorkers(1000, o), 3);
  o.memory_limit_bytes = bound + 3 * 128'000;
  EXPECT_EQ(internal::SweepWorkers(1000, o), 4);
  o.memory_limit_bytes = size_t{16} << 30;
  EXPECT_EQ(internal::SweepWorkers(1000, o), 4);
  o.threads = 2;
  EXPECT_EQ(internal::SweepWorkers(1000, o), 2);
  o.memory_limit_bytes = bound - 1;  // refused anyway by ValidateRipsOptions
  EXPECT_EQ(internal::SweepWorkers(1000, o), 1);
  o.memory_limit_bytes = size_t{16} << 30;
  o.maxdim = 1;  // no sweep
  EXPECT_EQ(internal::SweepWorkers(1000, o), 1);
  o.maxdim = 2;  // past the sweep's 92 681 points
  EXPECT_EQ(internal::SweepWorkers(100000, o), 1);
}

TEST(RipsScaleTest, MemoryNeedIsStatedBeforeAnythingLarge) {
  EXPECT_EQ(RipsMemoryLowerBound(1000, 0), size_t{4'000'000});
  // Matrix, 16-bit edge table, byte copy of the distances, the byte copy in input order
  // (rows of 1 024 bytes and 64 bytes of block minima), sweep bitsets (16 words a row).
  EXPECT_EQ(RipsMemoryLowerBound(1000, 2), size_t{4'000'000 + 999'000 + 1'000'000 + 1'088'000 + 128'000});
  EXPECT_EQ(RipsMemoryLowerBound(1000, 1), size_t{4'000'000 + 999'000 + 1'000'000 + 1'088'000});
  // Past 65 535 points: a 32-bit edge table; past the sweep's 92 681 no bitsets.
  EXPECT_EQ(RipsMemoryLowerBound(70000, 1),
            size_t{19'600'000'000} + size_t{9'799'860'000} + size_t{4'900'000'000} + size_t{70000} * (70016 + 1152));
  EXPECT_EQ(RipsMemoryLowerBound(100000, 2),
            size_t{40'000'000'000} + size_t{19'999'800'000} + size_t{10'000'000'000} +
                size_t{100000} * (100032 + 1600));
  // 60 000 points, the case: ≈ 23.9 GiB, over the default 16 GiB limit.
  std::vector<float> line(60000);
  for (size_t i = 0; i < line.size(); ++i) line[i] = static_cast<float>(i);
  RipsOptions o;
  auto d = ComputeRips(line, line.size(), 1, o);
  ASSERT_FALSE(d.ok());
  EXPECT_EQ(d.status().code(), StatusCode::kInvalidArgument);
  const std::string m = d.status().message();
  EXPECT_NE(m.find("60000 points need at least 23.9 GiB"), std::string::npos) << m;
  EXPECT_NE(m.find("distance matrix 13.4 GiB"), std::string::npos) << m;
  EXPECT_NE(m.find("the byte copy of the distances 3.4 GiB"), std::string::npos) << m;
  EXPECT_NE(m.find("the byte copy in input order 3.4 GiB"), std::string::npos) << m;
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

}  // namespace
}  // namespace panic::tda
