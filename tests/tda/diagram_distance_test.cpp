// Persistent entropy and diagram distances: hand-checked cases, then three independent
// oracles on random and hand-built diagrams (diagonal points, ties, duplicates, essential
// bars), all in one python3 process per test (tests/support/diagram_oracle.h):
//   - GUDHI's own bottleneck distance (gudhi.bottleneck_distance, not Hera's code);
//   - the exact p-Wasserstein distance from scipy's linear_sum_assignment on the
//     (n + m) × (n + m) matrix with the diagonal copies (not Hera's auction);
//   - Hera through GUDHI (gudhi.hera.wasserstein_distance) at delta 1e-9.
#include "panic/tda/diagram_distance.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <limits>
#include <random>
#include <sstream>

#include "panic/tda/persistent_entropy.h"
#include "support/diagram_oracle.h"
#include "support/test_support.h"

namespace panic::tda {
namespace {

using testing::DiagramOracleValues;
using testing::GridBars;
using testing::PyList;

constexpr float kInf = std::numeric_limits<float>::infinity();

double Bottleneck(const Bars& a, const Bars& b) {
  auto r = BottleneckDistance(a, b);
  EXPECT_TRUE(r.ok()) << r.status().ToString();
  return r.ok() ? *r : std::nan("");
}
double Wasserstein(const Bars& a, const Bars& b, double p, double delta = kDefaultWassersteinDelta) {
  auto r = WassersteinDistance(a, b, p, delta);
  EXPECT_TRUE(r.ok()) << r.status().ToString();
  return r.ok() ? *r : std::nan("");
}
double SortedL1(const Bars& a, const Bars& b) {
  auto r = SortedPersistenceL1(a, b);
  EXPECT_TRUE(r.ok()) << r.status().ToString();
  return r.ok() ? *r : std::nan("");
}

TEST(PersistentEntropyTest, HandChecked) {
  // Two equal bars: p = 1/2 each, E = ln 2. The essential bar is dropped.
  Diagram d{{{Bar{0, 1}, Bar{0, 1}, Bar{0, kInf}}, {}, {Bar{1, 2}}}};
  std::vector<float> e = PersistentEntropy(d);
  ASSERT_EQ(e.size(), 3u);
  EXPECT_NEAR(e[0], std::log(2.0), 1e-6);
  EXPECT_EQ(e[1], 0.0f);  // empty
  EXPECT_EQ(e[2], 0.0f);  // one bar: p = 1
  // Lengths 1 and 3: p = 1/4, 3/4.
  EXPECT_NEAR(PersistentEntropyOf({Bar{0, 1}, Bar{1, 4}}),
              -(0.25 * std::log(0.25) + 0.75 * std::log(0.75)), 1e-12);
  EXPECT_EQ(PersistentEntropyOf({Bar{0, kInf}}), 0.0);
}

TEST(DiagramDistanceTest, HandChecked) {
  Bars a{Bar{0, 4}}, b{Bar{1, 4}};
  EXPECT_DOUBLE_EQ(Bottleneck(a, b), 1.0);   // match: max(|0-1|, 0)
  EXPECT_DOUBLE_EQ(Bottleneck(a, {}), 2.0);  // to the diagonal: 4/2
  EXPECT_DOUBLE_EQ(Bottleneck({}, a), 2.0);
  EXPECT_DOUBLE_EQ(Bottleneck({}, {}), 0.0);
  // Two bars against one: the short one (persistence 1) goes to the diagonal at 0.5.
  Bars c{Bar{0, 4}, Bar{2, 3}};
  EXPECT_DOUBLE_EQ(Bottleneck(c, a), 0.5);
  EXPECT_NEAR(Wasserstein(c, a, 1), 0.5, 0.5 * kDefaultWassersteinDelta);
  EXPECT_NEAR(Wasserstein(c, b, 2), std::sqrt(1.0 + 0.25), 1.25 * kDefaultWassersteinDelta);
  EXPECT_DOUBLE_EQ(Wasserstein(a, {}, 1), 2.0);  // one side empty: every bar to the diagonal
  EXPECT_DOUBLE_EQ(Wasserstein({}, c, 2), std::sqrt(4.0 + 0.25));
  EXPECT_DOUBLE_EQ(Wasserstein(c, c, 1), 0.0);
  // Sorted persistence L1: [4, 1] vs [3] + [0] → 1 + 1.
  EXPECT_DOUBLE_EQ(SortedL1(c, b), 2.0);
  EXPECT_DOUBLE_EQ(SortedL1({}, {}), 0.0);
  EXPECT_DOUBLE_EQ(SortedL1(c, {}), 5.0);
}

TEST(DiagramDistanceTest, EssentialBarsMatchOnlyEssentialBars) {
  Bars a{Bar{0, kInf}, Bar{3, kInf}, Bar{0, 1}}, b{Bar{0.5f, kInf}, Bar{1, kInf}, Bar{0, 1}};
  // Births sorted and paired in order: |0 − 0.5|, |3 − 1|.
  EXPECT_DOUBLE_EQ(Bottleneck(a, b), 2.0);
  EXPECT_NEAR(Wasserstein(a, b, 1), 2.5, 1e-12);
  EXPECT_NEAR(Wasserstein(a, b, 2), std::sqrt(0.25 + 4.0), 1e-12);
  EXPECT_TRUE(std::isinf(Bottleneck({Bar{0, kInf}}, {})));
  EXPECT_TRUE(std::isinf(Wasserstein({Bar{0, kInf}}, {Bar{0, 1}}, 1)));
  EXPECT_TRUE(std::isinf(Bottleneck(a, {Bar{0, kInf}})));
  // The Python reference's sorted L1 leaves essential bars out.
  EXPECT_DOUBLE_EQ(SortedL1({Bar{0, kInf}}, {}), 0.0);
  EXPECT_DOUBLE_EQ(SortedL1(a, {}), 1.0);
}

TEST(DiagramDistanceTest, DiagonalPointsDuplicatesAndTies) {
  // Zero-length bars lie on the diagonal and change nothing.
  Bars a{Bar{0, 2}, Bar{1, 1}, Bar{3, 3}}, b{Bar{0, 2}};
  EXPECT_DOUBLE_EQ(Bottleneck(a, b), 0.0);
  EXPECT_DOUBLE_EQ(Wasserstein(a, b, 1), 0.0);
  EXPECT_DOUBLE_EQ(SortedL1(a, b), 0.0);
  // Duplicates count with their multiplicity: the second copy goes to the diagonal.
  Bars twice{Bar{0, 2}, Bar{0, 2}};
  EXPECT_DOUBLE_EQ(Bottleneck(twice, b), 1.0);
  EXPECT_NEAR(Wasserstein(twice, b, 1), 1.0, 1e-12);
  EXPECT_DOUBLE_EQ(SortedL1(twice, b), 2.0);
  // Order of the bars does not matter.
  Bars shuffled{Bar{5, 9}, Bar{0, 2}, Bar{1, 6}}, sorted{Bar{0, 2}, Bar{1, 6}, Bar{5, 9}};
  EXPECT_EQ(Bottleneck(shuffled, sorted), 0.0);
  EXPECT_EQ(Wasserstein(shuffled, sorted, 2), 0.0);
  // A tie: (0,2) is 1 from (1,2) and 1 from the diagonal; either way the answer is 1.
  EXPECT_DOUBLE_EQ(Bottleneck({Bar{0, 2}}, {Bar{1, 2}}), 1.0);
}

TEST(DiagramDistanceTest, MalformedBarsAndParametersAreErrors) {
  auto expect_error = [](const Result<double>& r, const std::string& what) {
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
    EXPECT_NE(r.status().message().find(what), std::string::npos) << r.status().message();
  };
  Bars ok{Bar{0, 1}};
  expect_error(BottleneckDistance(ok, {Bar{0, 1}, Bar{2, 1}}), "bar 1");
  expect_error(BottleneckDistance({Bar{std::nanf(""), 1}}, ok), "bar 0");
  expect_error(SortedPersistenceL1({Bar{-kInf, 1}}, ok), "finite birth");
  expect_error(WassersteinDistance(ok, {Bar{0, -kInf}}, 1), "bar 0");
  expect_error(WassersteinDistance(ok, ok, 0.5), "order");
  expect_error(WassersteinDistance(ok, ok, std::numeric_limits<double>::infinity()), "order");
  expect_error(WassersteinDistance(ok, ok, 1, 0.0), "delta");
  expect_error(WassersteinDistance(ok, ok, 1, 2.0), "delta");
}

// --- the oracles --------------------------------------------------------------------

// Continuous bars, the shape of a Rips H1 diagram: many short bars, a few long ones.
Bars RipsLikeBars(std::mt19937_64& rng, size_t n) {
  std::uniform_real_distribution<float> birth(0.2f, 0.8f);
  std::exponential_distribution<float> persistence(25.0f);
  Bars bars;
  for (size_t i = 0; i < n; ++i) {
    float b = birth(rng);
    bars.push_back(Bar{b, b + persistence(rng) + 1e-4f});
  }
  return bars;
}

// Equal when both are inf, else within `rel` relative error (and 1e-12 absolute).
void ExpectClose(double ours, double oracle, double rel, const std::string& what) {
  if (std::isinf(oracle)) {
    EXPECT_TRUE(std::isinf(ours)) << what << ": ours " << ours;
    return;
  }
  EXPECT_NEAR(ours, oracle, rel * oracle + 1e-12) << what;
}

TEST(DiagramDistanceTest, AgreesWithGudhiScipyAndHera) {
  if (!testing::HaveDiagramOracles()) GTEST_SKIP() << "needs python3-gudhi and python3-scipy";
  std::mt19937_64 rng(42);
  std::vector<std::pair<Bars, Bars>> pairs;
  // Hand-built: diagonal points, duplicates, ties, essential bars, empty sides.
  pairs.push_back({{Bar{0, 2}, Bar{0, 2}, Bar{1, 1}}, {Bar{0, 2}, Bar{0.5f, 2}}});
  pairs.push_back({{Bar{0, 1}, Bar{0, 1}, Bar{0, 1}}, {Bar{0, 1}}});
  pairs.push_back({{Bar{0, 4}, Bar{2, 3}, Bar{0, kInf}}, {Bar{1, 4}, Bar{0.25f, kInf}}});
  pairs.push_back({{}, {Bar{0, 3}, Bar{1, 2}}});
  pairs.push_back({{Bar{0, kInf}, Bar{0, 1}}, {Bar{0, 1}}});  // essential counts differ → inf
  // Grid diagrams (ties and duplicates everywhere), some with essential bars.
  for (int t = 0; t < 8; ++t) {
    size_t essential = t % 3 == 0 ? 2 : 0;
    pairs.push_back({GridBars(rng, 5 + 9 * t, 8, essential), GridBars(rng, 3 + 11 * t, 8, essential)});
  }
  // Rips-like diagrams of realistic size.
  for (size_t n : {50, 150, 300}) pairs.push_back({RipsLikeBars(rng, n), RipsLikeBars(rng, n + 17)});
  std::vector<DiagramOracleValues> oracle = testing::RunDiagramOracle(pairs);
  ASSERT_EQ(oracle.size(), pairs.size());
  for (size_t i = 0; i < pairs.size(); ++i) {
    const auto& [a, b] = pairs[i];
    const DiagramOracleValues& o = oracle[i];
    std::string what = "pair " + std::to_string(i);
    // Bottleneck: exact; GUDHI's default mode may miss the last 2–3 mantissa bits.
    ExpectClose(Bottleneck(a, b), o.bottleneck, 1e-13, what + " bottleneck");
    // Hera through GUDHI at delta 1e-9 and the exact assignment agree.
    ExpectClose(o.hera_w1, o.w1, 1e-8, what + " oracles W1");
    ExpectClose(o.hera_w2, o.w2, 1e-8, what + " oracles W2");
    // Ours at a tight delta is the exact value; at the default delta it is within the
    // documented bound W ≤ ours ≤ (1 + delta)·W.
    ExpectClose(Wasserstein(a, b, 1, 1e-9), o.w1, 1e-8, what + " W1 tight");
    ExpectClose(Wasserstein(a, b, 2, 1e-9), o.w2, 1e-8, what + " W2 tight");
    for (double p : {1.0, 2.0}) {
      double exact = p == 1 ? o.w1 : o.w2, ours = Wasserstein(a, b, p);
      if (std::isinf(exact)) {
        EXPECT_TRUE(std::isinf(ours)) << what;
        continue;
      }
      EXPECT_GE(ours, exact * (1 - 1e-12)) << what << " W" << p;
      EXPECT_LE(ours, exact * (1 + kDefaultWassersteinDelta) + 1e-12) << what << " W" << p;
    }
  }
}

TEST(DiagramDistanceTest, SortedPersistenceL1MatchesTheDefinitionInNumpy) {
  if (!testing::HaveSystemNumpy()) GTEST_SKIP() << "needs python3-numpy";
  std::mt19937_64 rng(7);
  Bars a = RipsLikeBars(rng, 120), b = RipsLikeBars(rng, 75);
  a.push_back(Bar{0, kInf});
  // The Python reference: drop rows with an infinite coordinate, persistences, pad the
  // shorter with zeros, sort descending, L1.
  auto r = testing::RunShell(
      "/usr/bin/python3 -c \"import numpy as np\n"
      "a = np.array(" + PyList(a) + ", dtype=float).reshape(-1, 2)\n"
      "b = np.array(" + PyList(b) + ", dtype=float).reshape(-1, 2)\n"
      "a = a[~np.isinf(a).any(axis=1)]; b = b[~np.isinf(b).any(axis=1)]\n"
      "p, q = a[:, 1] - a[:, 0], b[:, 1] - b[:, 0]\n"
      "n = max(len(p), len(q)); p = np.pad(p, (0, n - len(p))); q = np.pad(q, (0, n - len(q)))\n"
      "print('%.17g' % np.sum(np.abs(np.sort(p)[::-1] - np.sort(q)[::-1])))\"");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NEAR(SortedL1(a, b), std::stod(r.out), 1e-12);
}

}  // namespace
}  // namespace panic::tda
