// Persistent entropy and diagram distances: hand-checked cases, and GUDHI (Debian's
// python3-gudhi, whose Wasserstein is Hera's) as the oracle on random diagrams.
#include "panic/tda/diagram_distance.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <limits>
#include <random>

#include "panic/tda/persistent_entropy.h"
#include "support/test_support.h"

namespace panic::tda {
namespace {

constexpr float kInf = std::numeric_limits<float>::infinity();

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
  EXPECT_DOUBLE_EQ(BottleneckDistance(a, b), 1.0);  // match: max(|0-1|, 0)
  EXPECT_DOUBLE_EQ(BottleneckDistance(a, {}), 2.0);  // to the diagonal: 4/2
  EXPECT_DOUBLE_EQ(BottleneckDistance({}, {}), 0.0);
  // Two bars against one: the short one (persistence 1) goes to the diagonal at 0.5.
  Bars c{Bar{0, 4}, Bar{2, 3}};
  EXPECT_DOUBLE_EQ(BottleneckDistance(c, a), 0.5);
  EXPECT_DOUBLE_EQ(*WassersteinDistance(c, a, 1), 0.5);
  EXPECT_DOUBLE_EQ(*WassersteinDistance(c, b, 2), std::sqrt(1.0 + 0.25));
  // Essential bars match essential bars only.
  EXPECT_DOUBLE_EQ(BottleneckDistance({Bar{0, kInf}}, {Bar{0.5f, kInf}}), 0.5);
  EXPECT_TRUE(std::isinf(BottleneckDistance({Bar{0, kInf}}, {})));
  EXPECT_FALSE(WassersteinDistance(a, b, 0.5).ok());
  // Sorted persistence L1: [4, 1] vs [3] + [0] → 1 + 1.
  EXPECT_DOUBLE_EQ(SortedPersistenceL1(c, b), 2.0);
  EXPECT_DOUBLE_EQ(SortedPersistenceL1({}, {}), 0.0);
  EXPECT_DOUBLE_EQ(SortedPersistenceL1({Bar{0, kInf}}, {}), 0.0);
}

Bars RandomBars(std::mt19937_64& rng, size_t n) {
  std::uniform_real_distribution<float> u(0.0f, 1.0f);
  Bars bars;
  for (size_t i = 0; i < n; ++i) {
    float b = u(rng), d = b + u(rng) * 0.5f + 1e-3f;
    bars.push_back(Bar{b, d});
  }
  return bars;
}

std::string PyList(const Bars& bars) {
  std::string s = "[";
  for (const Bar& b : bars) {
    char buf[80];
    std::snprintf(buf, sizeof buf, "[%.9g,%.9g],", b.birth, b.death);
    s += buf;
  }
  return s + "]";
}

TEST(DiagramDistanceTest, AgreesWithGudhi) {
  auto probe = testing::RunShell("/usr/bin/python3 -c 'import gudhi.hera, gudhi'");
  if (probe.exit_code != 0) GTEST_SKIP() << "needs python3-gudhi";
  std::mt19937_64 rng(42);
  for (int trial = 0; trial < 6; ++trial) {
    Bars a = RandomBars(rng, 5 + 7 * trial), b = RandomBars(rng, 3 + 9 * trial);
    auto r = testing::RunShell(
        "/usr/bin/python3 -c \"import gudhi, gudhi.hera, numpy as np\n"
        "a = np.array(" + PyList(a) + ", dtype=float).reshape(-1, 2)\n"
        "b = np.array(" + PyList(b) + ", dtype=float).reshape(-1, 2)\n"
        "print('%.12g' % gudhi.bottleneck_distance(a, b))\n"
        "print('%.12g' % gudhi.hera.wasserstein_distance(a, b, order=1, internal_p=np.inf, delta=1e-9))\n"
        "print('%.12g' % gudhi.hera.wasserstein_distance(a, b, order=2, internal_p=np.inf, delta=1e-9))\"");
    ASSERT_EQ(r.exit_code, 0) << r.err;
    double bottleneck = 0, w1 = 0, w2 = 0;
    ASSERT_EQ(std::sscanf(r.out.c_str(), "%lf %lf %lf", &bottleneck, &w1, &w2), 3) << r.out;
    SCOPED_TRACE("trial " + std::to_string(trial));
    EXPECT_NEAR(BottleneckDistance(a, b), bottleneck, 1e-6);
    EXPECT_NEAR(*WassersteinDistance(a, b, 1), w1, 1e-6 * std::max(1.0, w1));
    EXPECT_NEAR(*WassersteinDistance(a, b, 2), w2, 1e-6 * std::max(1.0, w2));
  }
}

}  // namespace
}  // namespace panic::tda
