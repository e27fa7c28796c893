// The exact sparse Wasserstein solver (tda/exact_wasserstein.h) against two independent
// oracles (tests/support/diagram_oracle.h, one python3 process per test):
//   - the exact value from scipy's linear_sum_assignment on the full (n + m) × (n + m)
//     cost matrix with the diagonal copies (dense, no pruning: it also checks that the
//     edges we drop are never needed);
//   - Hera's auction through GUDHI (gudhi.hera.wasserstein_distance) at delta 1e-9;
// and against Hera in C++ (tda::WassersteinDistance) on many random pairs: Hera's
// certificate W ≤ hera ≤ (1 + delta)·W must hold with our value as W.
#include "panic/tda/exact_wasserstein.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <limits>
#include <random>
#include <sstream>

#include "support/diagram_oracle.h"

namespace panic::tda {
namespace {

using testing::DiagramOracleValues;
using testing::GridBars;

constexpr float kInf = std::numeric_limits<float>::infinity();

double Exact(const Bars& a, const Bars& b, double p) {
  auto r = ExactWassersteinDistance(a, b, p);
  EXPECT_TRUE(r.ok()) << r.status().ToString();
  return r.ok() ? *r : std::nan("");
}

// The shape of a Rips H1 diagram: births spread over a range, persistence heavy-tailed.
Bars RipsLikeBars(std::mt19937_64& rng, size_t n, double log_sd = 0.9) {
  std::normal_distribution<double> birth(0.55, 0.08);
  std::lognormal_distribution<double> persistence(std::log(0.012), log_sd);
  Bars bars;
  for (size_t i = 0; i < n; ++i) {
    double b = birth(rng);
    bars.push_back(Bar{static_cast<float>(b), static_cast<float>(b + persistence(rng) + 1e-4)});
  }
  return bars;
}

// Long bars whose persistence is comparable to the spread of births: almost every pair
// is a candidate edge (the dense case).
Bars LongBars(std::mt19937_64& rng, size_t n) {
  std::uniform_real_distribution<float> birth(0.0f, 1.0f), persistence(0.5f, 2.0f);
  Bars bars;
  for (size_t i = 0; i < n; ++i) {
    float b = birth(rng);
    bars.push_back(Bar{b, b + persistence(rng)});
  }
  return bars;
}

TEST(ExactWassersteinTest, HandChecked) {
  Bars a{Bar{0, 4}}, b{Bar{1, 4}}, c{Bar{0, 4}, Bar{2, 3}};
  EXPECT_DOUBLE_EQ(Exact({}, {}, 1), 0.0);
  EXPECT_DOUBLE_EQ(Exact(a, {}, 1), 2.0);  // one side empty: every bar to the diagonal
  EXPECT_DOUBLE_EQ(Exact({}, c, 2), std::sqrt(4.0 + 0.25));
  EXPECT_DOUBLE_EQ(Exact(c, c, 1), 0.0);
  EXPECT_DOUBLE_EQ(Exact(a, b, 1), 1.0);  // matched: max(|0 − 1|, 0) < 2 + 1.5
  // (2,3) goes to the diagonal at 0.5; (0,4) matches (1,4) at 1.
  EXPECT_DOUBLE_EQ(Exact(c, b, 1), 1.5);
  EXPECT_DOUBLE_EQ(Exact(c, b, 2), std::sqrt(1.0 + 0.25));
  // Far apart: matching costs 10 > 0.5 + 0.5, both go to the diagonal.
  EXPECT_DOUBLE_EQ(Exact({Bar{0, 1}}, {Bar{10, 11}}, 1), 1.0);
  // A tie: cost 1 either way (matched at 1, or 0.5 + 0.5 to the diagonal).
  EXPECT_DOUBLE_EQ(Exact({Bar{0, 1}}, {Bar{1, 2}}, 1), 1.0);
  // Order of the bars does not matter; zero-length bars lie on the diagonal.
  Bars shuffled{Bar{5, 9}, Bar{0, 2}, Bar{1, 6}, Bar{3, 3}}, sorted{Bar{0, 2}, Bar{1, 6}, Bar{5, 9}};
  EXPECT_EQ(Exact(shuffled, sorted, 1), 0.0);
  EXPECT_EQ(Exact({Bar{1, 1}, Bar{2, 2}}, {Bar{0.5f, 0.5f}}, 1), 0.0);  // all on the diagonal
  // Duplicates count with their multiplicity.
  EXPECT_DOUBLE_EQ(Exact({Bar{0, 2}, Bar{0, 2}}, {Bar{0, 2}}, 1), 1.0);
}

TEST(ExactWassersteinTest, EssentialBarsOrderAndMalformedBars) {
  Bars a{Bar{0, kInf}, Bar{3, kInf}, Bar{0, 1}}, b{Bar{0.5f, kInf}, Bar{1, kInf}, Bar{0, 1}};
  EXPECT_NEAR(Exact(a, b, 1), 2.5, 1e-12);  // births paired in order: 0.5 + 2
  EXPECT_NEAR(Exact(a, b, 2), std::sqrt(0.25 + 4.0), 1e-12);
  EXPECT_TRUE(std::isinf(Exact({Bar{0, kInf}}, {Bar{0, 1}}, 1)));
  auto bad_order = ExactWassersteinDistance(a, b, 0.5);
  ASSERT_FALSE(bad_order.ok());
  EXPECT_EQ(bad_order.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(bad_order.status().message().find("order"), std::string::npos);
  auto bad_bar = ExactWassersteinDistance(a, {Bar{2, 1}}, 1);
  ASSERT_FALSE(bad_bar.ok());
  EXPECT_NE(bad_bar.status().message().find("bar 0"), std::string::npos) << bad_bar.status().message();
}

TEST(ExactWassersteinTest, AgreesWithDenseAssignmentAndHeraThroughGudhi) {
  if (!testing::HaveDiagramOracles()) GTEST_SKIP() << "needs python3-gudhi and python3-scipy";
  std::mt19937_64 rng(12);
  std::vector<std::pair<Bars, Bars>> pairs;
  // Degenerate: empty sides, identical, all on the diagonal, duplicates, ties.
  pairs.push_back({{}, {}});
  pairs.push_back({{}, {Bar{0, 3}, Bar{1, 2}}});
  pairs.push_back({{Bar{0, 2}, Bar{1, 3}}, {Bar{0, 2}, Bar{1, 3}}});
  pairs.push_back({{Bar{1, 1}, Bar{2, 2}}, {Bar{0, 0}}});
  pairs.push_back({{Bar{0, 1}, Bar{0, 1}, Bar{0, 1}}, {Bar{0, 1}}});
  pairs.push_back({{Bar{0, 2}, Bar{1, 2}}, {Bar{0.5f, 2}, Bar{0.5f, 2}, Bar{1, 1.5f}}});
  pairs.push_back({{Bar{0, kInf}, Bar{0, 1}}, {Bar{0.5f, kInf}, Bar{0, 2}}});
  // Grid diagrams: ties and duplicates everywhere, some with essential bars.
  for (int t = 0; t < 10; ++t) {
    size_t essential = t % 4 == 0 ? 1 : 0;
    pairs.push_back({GridBars(rng, 4 + 7 * t, 6, essential), GridBars(rng, 2 + 9 * t, 6, essential)});
  }
  // Rips-like diagrams of realistic size, a wider persistence spread, and a diagram
  // against a jittered copy of itself (many near-zero costs).
  for (size_t n : {50, 150, 300}) pairs.push_back({RipsLikeBars(rng, n), RipsLikeBars(rng, n + 13)});
  pairs.push_back({RipsLikeBars(rng, 200, 1.6), RipsLikeBars(rng, 180, 1.6)});
  {
    Bars base = RipsLikeBars(rng, 250), jittered;
    std::normal_distribution<float> jitter(0.0f, 0.001f);
    for (const Bar& x : base) {
      float b = x.birth + jitter(rng), d = x.death + jitter(rng);
      if (d > b) jittered.push_back(Bar{b, d});
    }
    pairs.push_back({base, jittered});
  }
  // Dense: long bars, nearly every pair a candidate.
  pairs.push_back({LongBars(rng, 120), LongBars(rng, 100)});
  std::vector<DiagramOracleValues> oracle = testing::RunDiagramOracle(pairs);
  ASSERT_EQ(oracle.size(), pairs.size());
  for (size_t i = 0; i < pairs.size(); ++i) {
    const auto& [a, b] = pairs[i];
    const DiagramOracleValues& o = oracle[i];
    SCOPED_TRACE("pair " + std::to_string(i) + " (" + std::to_string(a.size()) + " and " +
                 std::to_string(b.size()) + " bars)");
    const double ours[3] = {Exact(a, b, 1), Exact(a, b, 2), Exact(a, b, 3)};
    const double dense[3] = {o.w1, o.w2, o.w3};
    for (int k = 0; k < 3; ++k) {
      if (std::isinf(dense[k])) {
        EXPECT_TRUE(std::isinf(ours[k])) << "W" << k + 1 << ": " << ours[k];
        continue;
      }
      // The same optimum, summed in another order.
      EXPECT_NEAR(ours[k], dense[k], 1e-12 * dense[k] + 1e-14) << "W" << k + 1;
    }
    // Hera's certificate with ours as W: W ≤ hera ≤ (1 + 1e-9)·W.
    const double hera[2] = {o.hera_w1, o.hera_w2};
    for (int k = 0; k < 2; ++k) {
      if (std::isinf(hera[k])) {
        EXPECT_TRUE(std::isinf(ours[k]));
        continue;
      }
      EXPECT_LE(ours[k], hera[k] * (1 + 1e-12) + 1e-14) << "W" << k + 1 << " vs Hera";
      EXPECT_GE(ours[k] * (1 + 1e-9) + 1e-14, hera[k]) << "W" << k + 1 << " vs Hera";
    }
  }
}

TEST(ExactWassersteinTest, WithinHerasCertificateOnManyRandomPairs) {
  std::mt19937_64 rng(99);
  std::uniform_int_distribution<size_t> size(0, 120);
  for (int t = 0; t < 150; ++t) {
    Bars a = t % 3 == 2 ? LongBars(rng, size(rng) / 3) : RipsLikeBars(rng, size(rng));
    Bars b = t % 5 == 4 ? GridBars(rng, size(rng) / 4, 10, 0) : RipsLikeBars(rng, size(rng));
    for (double p : {1.0, 2.0}) {
      const double ours = Exact(a, b, p);
      auto hera = WassersteinDistance(a, b, p, 1e-6);
      ASSERT_TRUE(hera.ok()) << hera.status().ToString();
      EXPECT_LE(ours, *hera * (1 + 1e-12) + 1e-14) << "trial " << t << " W" << p;
      EXPECT_GE(ours * (1 + 1e-6) + 1e-14, *hera) << "trial " << t << " W" << p;
      // Symmetric, to rounding.
      EXPECT_NEAR(Exact(b, a, p), ours, 1e-13 * ours + 1e-15) << "trial " << t;
    }
  }
}

}  // namespace
}  // namespace panic::tda
