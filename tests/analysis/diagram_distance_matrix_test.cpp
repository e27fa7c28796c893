// Diagram distance matrices: the matrix against the pair functions and against GUDHI
// (an independent implementation), symmetry, thread invariance, progress, cancellation
// and errors.
#include "panic/analysis/diagram_distance_matrix.h"

#include <gtest/gtest.h>

#include <atomic>
#include <cmath>
#include <cstdio>
#include <limits>
#include <random>
#include <sstream>

#include "panic/tda/exact_wasserstein.h"
#include "support/test_support.h"

namespace panic::analysis {
namespace {

using tda::Bar;
using tda::Bars;

constexpr float kInf = std::numeric_limits<float>::infinity();

std::vector<Bars> RandomDiagrams(size_t count, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<float> birth(0.2f, 0.8f);
  std::exponential_distribution<float> persistence(20.0f);
  std::uniform_int_distribution<size_t> size(0, 40);
  std::vector<Bars> out(count);
  for (Bars& bars : out) {
    size_t n = size(rng);
    for (size_t i = 0; i < n; ++i) {
      float b = birth(rng);
      bars.push_back(Bar{b, b + persistence(rng) + 1e-3f});
    }
  }
  return out;
}

DiagramDistanceOptions Options(DiagramMetric metric, double order = 1, int threads = 1) {
  DiagramDistanceOptions o;
  o.metric = metric;
  o.order = order;
  o.threads = threads;
  return o;
}

TEST(DiagramDistanceMatrixTest, EqualsThePairFunctionsAndIsSymmetric) {
  std::vector<Bars> diagrams = RandomDiagrams(9, 1);
  diagrams[4].clear();  // an empty diagram among them
  for (auto metric : {DiagramMetric::kBottleneck, DiagramMetric::kWasserstein, DiagramMetric::kSortedPersistenceL1}) {
    for (double order : {1.0, 2.0}) {
      if (metric != DiagramMetric::kWasserstein && order != 1.0) continue;
      SCOPED_TRACE(DiagramMetricName(Options(metric, order)));
      auto m = ComputeDiagramDistanceMatrix(diagrams, Options(metric, order, 2));
      ASSERT_TRUE(m.ok()) << m.status().ToString();
      ASSERT_EQ(m->n, diagrams.size());
      ASSERT_EQ(m->values.size(), diagrams.size() * diagrams.size());
      for (size_t i = 0; i < m->n; ++i) {
        EXPECT_EQ((*m)(i, i), 0.0);
        for (size_t j = i + 1; j < m->n; ++j) {
          EXPECT_EQ((*m)(i, j), (*m)(j, i));
          double expected = 0;
          if (metric == DiagramMetric::kBottleneck) {
            expected = *tda::BottleneckDistance(diagrams[i], diagrams[j]);
          } else if (metric == DiagramMetric::kWasserstein) {
            expected = *tda::ExactWassersteinDistance(diagrams[i], diagrams[j], order);
          } else {
            expected = *tda::SortedPersistenceL1(diagrams[i], diagrams[j]);
          }
          EXPECT_EQ((*m)(i, j), expected) << i << "," << j;
          if (!diagrams[i].empty() || !diagrams[j].empty()) {
            EXPECT_GT((*m)(i, j), 0.0);
          }
        }
      }
    }
  }
}

TEST(DiagramDistanceMatrixTest, AuctionSolverIsHeraWithinItsDeltaOfTheExactMatrix) {
  std::vector<Bars> diagrams = RandomDiagrams(12, 5);
  for (double order : {1.0, 2.0}) {
    DiagramDistanceOptions auction = Options(DiagramMetric::kWasserstein, order, 2);
    auction.solver = WassersteinSolver::kAuction;
    auto hera = ComputeDiagramDistanceMatrix(diagrams, auction);
    auto exact = ComputeDiagramDistanceMatrix(diagrams, Options(DiagramMetric::kWasserstein, order, 2));
    ASSERT_TRUE(hera.ok() && exact.ok());
    EXPECT_EQ(DiagramMetricName(auction), DiagramMetricName(Options(DiagramMetric::kWasserstein, order)));
    for (size_t i = 0; i < diagrams.size(); ++i) {
      for (size_t j = i + 1; j < diagrams.size(); ++j) {
        EXPECT_EQ((*hera)(i, j), *tda::WassersteinDistance(diagrams[i], diagrams[j], order)) << i << "," << j;
        // Hera's certificate: W ≤ auction ≤ (1 + delta)·W, with the exact value as W.
        EXPECT_LE((*exact)(i, j), (*hera)(i, j) * (1 + 1e-12)) << i << "," << j;
        EXPECT_LE((*hera)(i, j), (*exact)(i, j) * (1 + auction.delta) + 1e-12) << i << "," << j;
      }
    }
  }
}

TEST(DiagramDistanceMatrixTest, BitIdenticalForAnyThreadCountAndCountsProgress) {
  std::vector<Bars> diagrams = RandomDiagrams(40, 2);  // 780 pairs: 13 chunks of 64
  std::atomic<size_t> done{0};
  DiagramDistanceOptions one = Options(DiagramMetric::kWasserstein, 2, 1);
  one.pairs_done = &done;
  auto a = ComputeDiagramDistanceMatrix(diagrams, one);
  ASSERT_TRUE(a.ok());
  EXPECT_EQ(done.load(), 40u * 39u / 2);
  for (int threads : {2, 3, 7}) {
    auto b = ComputeDiagramDistanceMatrix(diagrams, Options(DiagramMetric::kWasserstein, 2, threads));
    ASSERT_TRUE(b.ok());
    EXPECT_EQ(a->values, b->values) << threads << " threads";
  }
  // The exact solver's per-thread scratch space does not leak between pairs: W1 on 3
  // threads equals W1 pair by pair.
  auto w1 = ComputeDiagramDistanceMatrix(diagrams, Options(DiagramMetric::kWasserstein, 1, 3));
  ASSERT_TRUE(w1.ok());
  for (size_t i = 0; i < diagrams.size(); ++i) {
    for (size_t j = i + 1; j < diagrams.size(); ++j) {
      EXPECT_EQ((*w1)(i, j), *tda::ExactWassersteinDistance(diagrams[i], diagrams[j], 1)) << i << "," << j;
    }
  }
}

TEST(DiagramDistanceMatrixTest, EssentialBarsAndSmallInputs) {
  // Different numbers of essential bars: +inf under bottleneck and Wasserstein.
  std::vector<Bars> diagrams{{Bar{0, kInf}, Bar{0, 1}}, {Bar{0.5f, kInf}}, {Bar{0, 2}}};
  auto m = ComputeDiagramDistanceMatrix(diagrams, Options(DiagramMetric::kBottleneck));
  ASSERT_TRUE(m.ok());
  EXPECT_DOUBLE_EQ((*m)(0, 1), 0.5);  // essential births 0 vs 0.5; (0,1) to the diagonal: 0.5
  EXPECT_TRUE(std::isinf((*m)(0, 2)));
  EXPECT_TRUE(std::isinf((*m)(2, 1)));
  auto l1 = ComputeDiagramDistanceMatrix(diagrams, Options(DiagramMetric::kSortedPersistenceL1));
  ASSERT_TRUE(l1.ok());
  EXPECT_DOUBLE_EQ((*l1)(0, 2), 1.0);  // [1] vs [2]; the essential bar is left out
  // Zero and one diagram.
  auto none = ComputeDiagramDistanceMatrix({}, Options(DiagramMetric::kBottleneck));
  ASSERT_TRUE(none.ok());
  EXPECT_EQ(none->n, 0u);
  std::vector<Bars> single{{Bar{0, 1}}};
  auto one = ComputeDiagramDistanceMatrix(single, Options(DiagramMetric::kWasserstein));
  ASSERT_TRUE(one.ok());
  EXPECT_EQ(one->values, std::vector<double>{0.0});
}

TEST(DiagramDistanceMatrixTest, ErrorsNameTheFieldAndCancelStops) {
  std::vector<Bars> diagrams = RandomDiagrams(5, 3);
  diagrams[2].push_back(Bar{1, 0.5f});
  auto bad = ComputeDiagramDistanceMatrix(diagrams, Options(DiagramMetric::kBottleneck));
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(bad.status().message().find("diagram 2"), std::string::npos) << bad.status().message();
  diagrams[2].pop_back();
  auto expect_invalid = [&](DiagramDistanceOptions o, const std::string& what) {
    auto r = ComputeDiagramDistanceMatrix(diagrams, o);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
    EXPECT_NE(r.status().message().find(what), std::string::npos) << r.status().message();
  };
  expect_invalid(Options(DiagramMetric::kWasserstein, 0.5), "order");
  DiagramDistanceOptions o = Options(DiagramMetric::kWasserstein);
  o.delta = 0;
  expect_invalid(o, "delta");
  expect_invalid(Options(DiagramMetric::kBottleneck, 1, 0), "threads");
  // The order is not checked for the metrics that do not use it.
  EXPECT_TRUE(ComputeDiagramDistanceMatrix(diagrams, Options(DiagramMetric::kBottleneck, 0.5)).ok());
  std::atomic<bool> cancel{true};
  DiagramDistanceOptions cancelled = Options(DiagramMetric::kBottleneck);
  cancelled.cancel = &cancel;
  auto c = ComputeDiagramDistanceMatrix(diagrams, cancelled);
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.status().code(), StatusCode::kCancelled);
}

TEST(DiagramDistanceMatrixTest, BottleneckMatrixAgreesWithGudhi) {
  if (testing::RunShell("/usr/bin/python3 -c 'import gudhi'").exit_code != 0) {
    GTEST_SKIP() << "needs python3-gudhi";
  }
  std::vector<Bars> diagrams = RandomDiagrams(6, 4);
  std::string script = "import gudhi, numpy as np\nd = [";
  for (const Bars& bars : diagrams) {
    script += "np.array([";
    for (const Bar& b : bars) {
      char buf[64];
      std::snprintf(buf, sizeof buf, "[%.17g,%.17g],", static_cast<double>(b.birth), static_cast<double>(b.death));
      script += buf;
    }
    script += "], dtype=float).reshape(-1, 2),";
  }
  script += "]\nfor a in d:\n  print(' '.join('%.17g' % gudhi.bottleneck_distance(a, b) for b in d))\n";
  testing::TempDir dir;
  testing::WriteFile(dir.File("oracle.py"), script);
  auto r = testing::RunShell("/usr/bin/python3 " + dir.File("oracle.py"));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto m = ComputeDiagramDistanceMatrix(diagrams, Options(DiagramMetric::kBottleneck, 1, 2));
  ASSERT_TRUE(m.ok());
  std::istringstream in(r.out);
  for (size_t i = 0; i < m->n; ++i) {
    for (size_t j = 0; j < m->n; ++j) {
      double expected = 0;
      ASSERT_TRUE(in >> expected);
      EXPECT_NEAR((*m)(i, j), expected, 1e-13 * expected + 1e-15) << i << "," << j;
    }
  }
}

}  // namespace
}  // namespace panic::analysis
