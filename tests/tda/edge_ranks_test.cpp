// Rank keys (edge_ranks.h): the float ties broken by the double distance before the
// reduction. The keys must refine the float order and map back exactly, and ComputeRips
// must give bar for bar the diagram of the float lengths, on clouds full of ties.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <random>
#include <set>
#include <vector>

#include "panic/tda/distance_matrix.h"
#include "panic/tda/edge_ranks.h"
#include "panic/tda/rips.h"
#include "panic/tda/rips_input.h"
#include "tda/tda_oracle_helpers.h"

namespace panic::tda {
namespace {

using testing::PointCloud;

constexpr float kInf = std::numeric_limits<float>::infinity();

// The lengths below the diagonal (row i > column j), in edge order.
std::vector<float> LowerTriangle(const internal::DistanceMatrix& d) {
  std::vector<float> out;
  for (size_t i = 1; i < d.n; ++i) {
    for (size_t j = 0; j < i; ++j) out.push_back(d(i, j));
  }
  return out;
}

size_t DistinctCount(std::vector<float> v) {
  std::sort(v.begin(), v.end());
  return static_cast<size_t>(std::unique(v.begin(), v.end()) - v.begin());
}

// Cosine distances need non-zero points: the lattice moved off the origin (its
// coordinates 1 … 4 give parallel points, exactly 0 apart, and many equal angles).
PointCloud OffOrigin(PointCloud c) {
  for (float& x : c.values) x += 1.0f;
  return c;
}

// Coordinates rounded to multiples of 1/steps: a few equal lengths per length.
PointCloud Rounded(PointCloud c, float steps) {
  for (float& x : c.values) x = std::round(x * steps) / steps;
  return c;
}

std::vector<PointCloud> TiedClouds() {
  return {testing::LatticeCloud(70, 21), testing::UnitSphereWalk(200, 768, 0.01, 5),
          testing::NoisyTorus(140, 0.03, 7)};
}

TEST(EdgeRanksTest, KeysRefineTheFloatOrderAndMapBack) {
  for (const PointCloud& tied : TiedClouds()) {
    for (bool cosine : {false, true}) {
      const PointCloud c = cosine ? OffOrigin(tied) : tied;
      const internal::DistanceMatrix plain = cosine ? internal::CosineDistances(c.values, c.n, c.dim, 1)
                                                    : internal::EuclideanDistances(c.values, c.n, c.dim, 1);
      internal::DistanceMatrix d = cosine ? internal::CosineDistances(c.values, c.n, c.dim, 2, true)
                                          : internal::EuclideanDistances(c.values, c.n, c.dim, 2, true);
      const std::vector<float> lengths = LowerTriangle(plain);
      ASSERT_EQ(LowerTriangle(d), lengths) << "residuals change only the upper triangle";
      const internal::RankValues values = internal::RankEdges(d, 2);
      ASSERT_EQ(values.edges(), lengths.size());
      EXPECT_EQ(values.distinct(), DistinctCount(lengths));
      const std::vector<float> keys = LowerTriangle(d);
      std::set<uint32_t> ranks;
      for (size_t e = 0; e < keys.size(); ++e) {
        ASSERT_EQ(values.Value(keys[e]), lengths[e]) << "edge " << e;  // the round trip
        ranks.insert(internal::KeyRank(keys[e]));
      }
      // The ranks are 0 … E − 1, each once; the matrix is symmetric with a zero diagonal.
      ASSERT_EQ(ranks.size(), keys.size());
      EXPECT_EQ(*ranks.rbegin(), keys.size() - 1);
      for (size_t i = 0; i < d.n; ++i) {
        EXPECT_EQ(d(i, i), 0.0f);
        for (size_t j = 0; j < i; ++j) ASSERT_EQ(d(i, j), d(j, i));
      }
      // Refinement: a shorter float length has a smaller key (by sorting on the keys, the
      // lengths come out sorted), and the keys compare like the ranks.
      std::vector<size_t> order(keys.size());
      for (size_t e = 0; e < order.size(); ++e) order[e] = e;
      std::sort(order.begin(), order.end(), [&](size_t a, size_t b) { return keys[a] < keys[b]; });
      for (size_t k = 1; k < order.size(); ++k) {
        ASSERT_LE(lengths[order[k - 1]], lengths[order[k]]);
        ASSERT_LT(internal::KeyRank(keys[order[k - 1]]), internal::KeyRank(keys[order[k]]));
      }
      // KeyAtMost(t) keeps exactly the edges of length ≤ t, at every length and between.
      std::vector<float> probes = {0.0f, lengths.front() / 2, kInf};
      for (size_t e = 0; e < lengths.size(); e += 97) {
        probes.push_back(lengths[e]);
        probes.push_back(std::nextafter(lengths[e], 0.0f));
        probes.push_back(std::nextafter(lengths[e], kInf));
      }
      for (float t : probes) {
        const float key = values.KeyAtMost(t);
        size_t by_length = 0, by_key = 0;
        for (size_t e = 0; e < keys.size(); ++e) {
          by_length += lengths[e] <= t;
          by_key += keys[e] <= key;
        }
        EXPECT_EQ(by_key, by_length) << "t=" << t;
      }
    }
  }
}

TEST(EdgeRanksTest, KeysArePositiveNormalFloatsOrderedLikeTheirRanks) {
  for (uint32_t r : {0u, 1u, 2u, (1u << 23) - 1, 1u << 23, (1u << 30) - 1}) {
    const float key = internal::RankKey(r);
    EXPECT_EQ(std::fpclassify(key), FP_NORMAL) << r;
    EXPECT_GT(key, 0.0f);
    EXPECT_LT(key, kInf);
    EXPECT_EQ(internal::KeyRank(key), r);
    if (r > 0) {
      EXPECT_LT(internal::RankKey(r - 1), key);
    }
  }
}

// Ranks 0, 1 have length 1; 2, 3 length 2. A bar whose ends map to one length is dropped.
TEST(EdgeRanksTest, ZeroLengthBarsInFloatsAreDropped) {
  const internal::RankValues values({1.0f, 2.0f}, {0, 2}, 4);
  auto key = [](uint32_t r) { return internal::RankKey(r); };
  EXPECT_EQ(values.Value(0.0f), 0.0f);
  EXPECT_EQ(values.Value(key(1)), 1.0f);
  EXPECT_EQ(values.Value(key(2)), 2.0f);
  EXPECT_EQ(values.KeyAtMost(0.5f), 0.0f);
  EXPECT_EQ(values.KeyAtMost(1.0f), key(1));
  EXPECT_EQ(values.KeyAtMost(1.5f), key(1));
  EXPECT_EQ(values.KeyAtMost(7.0f), key(3));
  Diagram keyed;
  keyed.dimensions = {{Bar{0, key(0)}, Bar{0, key(3)}, Bar{0, kInf}},
                      {Bar{key(0), key(1)}, Bar{key(1), key(2)}, Bar{key(3), kInf}, Bar{key(2), key(3)}}};
  Diagram expected;
  expected.dimensions = {{Bar{0, 1}, Bar{0, 2}, Bar{0, kInf}}, {Bar{1, 2}, Bar{2, kInf}}};
  EXPECT_EQ(internal::DiagramInValues(keyed, values), expected);
}

Result<Diagram> Rips(const PointCloud& c, RipsOptions o, bool rank_ties) {
  return internal::ComputeRipsOfCloud(c.values, c.n, c.dim, o, rank_ties);
}

// The diagrams with and without the rank keys, bar for bar as floats: maxdim 2 and 3,
// Z/2 and Z/3, 1 and 2 threads, the default threshold and a user's (a length that many
// edges share on the lattice), Euclidean and cosine.
TEST(EdgeRanksTest, SameDiagramWithAndWithoutRankKeys) {
  struct Case {
    PointCloud cloud;
    int maxdim;
  };
  std::vector<Case> cases;
  for (PointCloud& c : TiedClouds()) cases.push_back({std::move(c), 2});
  cases.push_back({testing::LatticeCloud(36, 5), 3});
  cases.push_back({Rounded(testing::NoisyTorus(60, 0.03, 3), 8), 3});
  for (const Case& k : cases) {
    const internal::DistanceMatrix d = internal::EuclideanDistances(k.cloud.values, k.cloud.n, k.cloud.dim, 1);
    std::vector<float> lengths = LowerTriangle(d);
    ASSERT_LT(DistinctCount(lengths), lengths.size()) << "the cloud has ties";
    std::sort(lengths.begin(), lengths.end());
    const float user = lengths[lengths.size() / 3];
    for (float threshold : {std::numeric_limits<float>::quiet_NaN(), user}) {
      for (int modulus : {2, 3}) {
        for (int threads : {1, 2}) {
          for (Metric metric : {Metric::kEuclidean, Metric::kCosine}) {
            if (metric == Metric::kCosine && (modulus != 2 || threads != 1)) continue;
            RipsOptions o;
            o.maxdim = k.maxdim;
            o.modulus = modulus;
            o.threads = threads;
            o.threshold = threshold;
            o.metric = metric;
            const PointCloud c = metric == Metric::kCosine ? OffOrigin(k.cloud) : k.cloud;
            auto plain = Rips(c, o, false);
            auto ranked = Rips(c, o, true);
            ASSERT_TRUE(plain.ok() && ranked.ok());
            EXPECT_EQ(*ranked, *plain) << "n=" << k.cloud.n << " maxdim=" << k.maxdim << " threshold=" << threshold
                                       << " modulus=" << modulus << " threads=" << threads
                                       << " cosine=" << (metric == Metric::kCosine);
            size_t bars = 0;
            for (size_t dim = 1; dim < plain->num_dimensions(); ++dim) bars += plain->bars(dim).size();
            if (std::isnan(threshold) && metric == Metric::kEuclidean) {
              EXPECT_GT(bars, 0u) << "n=" << k.cloud.n;
            }
          }
        }
      }
    }
  }
}

// The lattice has duplicated points: their length-0 edges take ranks (keys > 0) and kill
// H0 bars at key level, bars that are (0, 0) in floats and must not show.
TEST(EdgeRanksTest, DuplicatedPointsGiveNoZeroLengthBars) {
  const PointCloud c = testing::LatticeCloud(90, 4);  // 90 draws from 64 lattice points
  const internal::DistanceMatrix d = internal::EuclideanDistances(c.values, c.n, c.dim, 1);
  std::vector<float> lengths = LowerTriangle(d);
  ASSERT_EQ(*std::min_element(lengths.begin(), lengths.end()), 0.0f);
  RipsOptions o;
  o.maxdim = 2;
  auto ranked = Rips(c, o, true);
  ASSERT_TRUE(ranked.ok());
  for (size_t dim = 0; dim < ranked->num_dimensions(); ++dim) {
    for (const Bar& b : ranked->bars(dim)) EXPECT_GT(b.death, b.birth) << "H" << dim;
  }
  EXPECT_EQ(*ranked, *Rips(c, o, false));
}

// The lattice against ripser: the ranked default path of ComputeRips on the cloud with the
// most ties (ripser breaks ties its own way; the diagram does not depend on it).
TEST(EdgeRanksTest, LatticeMatchesRipser) {
  if (!testing::HaveRipser()) GTEST_SKIP() << "/usr/bin/ripser is not installed";
  for (uint64_t seed : {31, 32}) {
    const PointCloud c = testing::LatticeCloud(80, seed);
    RipsOptions o;
    o.maxdim = 2;
    auto ours = ComputeRips(c.values, c.n, c.dim, o);
    ASSERT_TRUE(ours.ok());
    EXPECT_EQ(testing::CompareDiagrams(*ours, testing::RipserOnCloud(c, 2), 1e-5), "") << "seed " << seed;
  }
}

// Where the ranking's 8 bytes an edge do not fit the memory limit, ComputeRips keeps the
// float lengths; the diagram is the same.
TEST(EdgeRanksTest, MemoryLimitBetweenTheFixedPartsAndTheRankingFallsBack) {
  const PointCloud c = testing::UnitSphereWalk(120, 768, 0.01, 2);
  RipsOptions o;
  o.maxdim = 2;
  o.memory_limit_bytes = RipsMemoryLowerBound(c.n, o.maxdim);  // below 4n² + 8 bytes an edge
  ASSERT_LT(static_cast<double>(o.memory_limit_bytes), 4.0 * c.n * c.n + 4.0 * c.n * (c.n - 1));
  auto limited = Rips(c, o, true);
  ASSERT_TRUE(limited.ok()) << limited.status().ToString();
  o.memory_limit_bytes = size_t{16} << 30;
  EXPECT_EQ(*limited, *Rips(c, o, true));
}

}  // namespace
}  // namespace panic::tda
