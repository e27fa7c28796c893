// The Markov chain over cluster labels: hand-made sequences for each structural case
// (irreducible, reducible with absorbing states, periodic, no-exit rows, one state, no
// states), and numpy's eigen-decomposition as the oracle for the stationary distribution
// and the second eigenvalue of random chains.
#include "panic/analysis/markov_chain.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <random>
#include <string>
#include <vector>

#include "support/test_support.h"

namespace panic::analysis {
namespace {

using Seq = std::vector<int64_t>;

std::vector<LabelSequence> Views(const std::vector<Seq>& runs) {
  return std::vector<LabelSequence>(runs.begin(), runs.end());
}

MarkovChain Estimate(const std::vector<Seq>& runs, ChainOptions options = {}) {
  auto chain = EstimateMarkovChain(Views(runs), options);
  EXPECT_TRUE(chain.ok()) << chain.status().ToString();
  return chain.ok() ? *chain : MarkovChain{};
}

TEST(MarkovChainTest, HandCountedIrreducibleChain) {
  // Transitions: 10→10 ×1, 10→20 ×2, 20→10 ×2, 20→20 ×1 (the −1 steps are skipped).
  MarkovChain c = Estimate({{10, 10, 20, -1, 10}, {20, 20, 10, 20}});
  ASSERT_EQ(c.states, (std::vector<int64_t>{10, 20}));
  EXPECT_EQ(c.counts, (std::vector<uint64_t>{1, 2, 2, 1}));
  EXPECT_EQ(c.exits, (std::vector<uint64_t>{3, 3}));
  EXPECT_EQ(c.visits, (std::vector<uint64_t>{4, 4}));
  EXPECT_DOUBLE_EQ(c.P(0, 1), 2.0 / 3.0);
  EXPECT_EQ(c.initial, (std::vector<double>{0.5, 0.5}));
  EXPECT_TRUE(c.irreducible);
  EXPECT_TRUE(c.stationary_unique);
  EXPECT_NEAR(c.stationary[0], 0.5, 1e-15);
  // Eigenvalues 1 and 1/3 − 2/3 = −1/3.
  EXPECT_NEAR(c.second_eigenvalue_modulus, 1.0 / 3.0, 1e-12);
  EXPECT_NEAR(c.spectral_gap, 2.0 / 3.0, 1e-12);
  EXPECT_NEAR(c.relaxation_time, 1.5, 1e-12);
  EXPECT_NEAR(c.implied_timescale, 1 / std::log(3.0), 1e-12);
  ASSERT_EQ(c.closed_classes.size(), 1u);
  EXPECT_EQ(c.closed_classes[0].period, 1u);
  EXPECT_TRUE(c.absorbing_states.empty());
  EXPECT_TRUE(c.transient_states.empty());

  // Without self-transitions: the jump chain alternates, so it is periodic.
  MarkovChain jump = Estimate({{10, 10, 20, -1, 10}, {20, 20, 10, 20}}, {OutlierHandling::kSkip, false});
  EXPECT_EQ(jump.counts, (std::vector<uint64_t>{0, 2, 2, 0}));
  EXPECT_EQ(jump.closed_classes[0].period, 2u);
  EXPECT_EQ(jump.second_eigenvalue_modulus, 1.0);
  EXPECT_EQ(jump.spectral_gap, 0.0);
  EXPECT_TRUE(std::isinf(jump.relaxation_time));
  EXPECT_NEAR(jump.stationary[0], 0.5, 1e-15);  // still unique: one closed class
}

TEST(MarkovChainTest, OutliersAsAState) {
  MarkovChain c = Estimate({{1, -1, 1, -1}}, {OutlierHandling::kInclude, true});
  ASSERT_EQ(c.states, (std::vector<int64_t>{-1, 1}));
  EXPECT_EQ(c.counts, (std::vector<uint64_t>{0, 1, 2, 0}));
  MarkovChain broken = Estimate({{1, -1, 1, 1, -1, 2}}, {OutlierHandling::kBreak, true});
  ASSERT_EQ(broken.states, (std::vector<int64_t>{1, 2}));
  EXPECT_EQ(broken.counts, (std::vector<uint64_t>{1, 0, 0, 0}));  // only 1→1 survives
}

TEST(MarkovChainTest, ReducibleChainWithAbsorbingStates) {
  // From 0 the runs fall into 1 or 2 and never leave; a third run starts in 1.
  MarkovChain c = Estimate({{0, 1, 1, 1}, {0, 2, 2}, {1, 1}});
  ASSERT_EQ(c.states, (std::vector<int64_t>{0, 1, 2}));
  EXPECT_FALSE(c.irreducible);
  EXPECT_FALSE(c.stationary_unique);
  EXPECT_EQ(c.absorbing_states, (std::vector<int64_t>{1, 2}));
  EXPECT_EQ(c.transient_states, (std::vector<int64_t>{0}));
  ASSERT_EQ(c.closed_classes.size(), 2u);
  // μ₀ = (2/3, 1/3, 0); from 0 the chain is absorbed in 1 or 2 with probability 1/2 each.
  EXPECT_NEAR(c.stationary[0], 0.0, 1e-15);
  EXPECT_NEAR(c.stationary[1], 1.0 / 3.0 + 1.0 / 3.0, 1e-15);
  EXPECT_NEAR(c.stationary[2], 1.0 / 3.0, 1e-15);
  EXPECT_EQ(c.second_eigenvalue_modulus, 1.0);
  EXPECT_TRUE(std::isinf(c.implied_timescale));
}

TEST(MarkovChainTest, StateWithoutExitsIsAbsorbing) {
  // 7 only ever ends the run: its row is empty, and it is treated as absorbing.
  MarkovChain c = Estimate({{3, 3, 7}, {3, 7}});
  ASSERT_EQ(c.states, (std::vector<int64_t>{3, 7}));
  EXPECT_EQ(c.exits[1], 0u);
  EXPECT_EQ(c.P(1, 0), 0.0);
  EXPECT_EQ(c.P(1, 1), 0.0);  // the stored matrix keeps the empty row
  EXPECT_EQ(c.absorbing_states, (std::vector<int64_t>{7}));
  EXPECT_TRUE(c.stationary_unique);
  EXPECT_NEAR(c.stationary[1], 1.0, 1e-15);
  // Completed matrix [[1/3, 2/3], [0, 1]]: eigenvalues 1 and 1/3.
  EXPECT_NEAR(c.second_eigenvalue_modulus, 1.0 / 3.0, 1e-12);
}

TEST(MarkovChainTest, SingleStateAndNoStates) {
  MarkovChain one = Estimate({{4, 4, 4}, {4}});
  ASSERT_EQ(one.size(), 1u);
  EXPECT_EQ(one.stationary, (std::vector<double>{1.0}));
  EXPECT_EQ(one.absorbing_states, (std::vector<int64_t>{4}));
  EXPECT_EQ(one.second_eigenvalue_modulus, 0.0);
  EXPECT_EQ(one.spectral_gap, 1.0);
  EXPECT_EQ(one.relaxation_time, 1.0);
  EXPECT_EQ(one.implied_timescale, 0.0);
  MarkovChain jump = Estimate({{4, 4, 4}}, {OutlierHandling::kSkip, false});
  EXPECT_EQ(jump.exits[0], 0u);  // no exit: absorbing, the same answer
  EXPECT_EQ(jump.stationary, (std::vector<double>{1.0}));

  MarkovChain none = Estimate({{-1, -1}, {}});
  EXPECT_EQ(none.size(), 0u);
  EXPECT_TRUE(none.stationary.empty());
  EXPECT_TRUE(std::isnan(none.spectral_gap));
}

// A random chain on k states with some near-zero and zero entries (still irreducible
// through a cycle), sampled into runs.
std::vector<Seq> SampleChain(size_t k, size_t runs, size_t steps, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<double> u(0, 1);
  std::vector<std::vector<double>> p(k, std::vector<double>(k));
  for (size_t i = 0; i < k; ++i) {
    double s = 0;
    for (size_t j = 0; j < k; ++j) {
      double w = u(rng);
      p[i][j] = w < 0.4 ? 0.0 : w * w * w;
      if (j == (i + 1) % k) p[i][j] += 0.05;
      s += p[i][j];
    }
    for (double& x : p[i]) x /= s;
  }
  std::vector<Seq> out(runs);
  for (auto& run : out) {
    size_t state = rng() % k;
    for (size_t t = 0; t < steps; ++t) {
      run.push_back(static_cast<int64_t>(state) * 3 + 5);  // labels need not be 0..k−1
      double r = u(rng), acc = 0;
      size_t next = k - 1;
      for (size_t j = 0; j < k; ++j) {
        acc += p[state][j];
        if (r < acc) {
          next = j;
          break;
        }
      }
      state = next;
    }
  }
  return out;
}

TEST(MarkovChainTest, StationaryDistributionAgreesWithNumpy) {
  if (!testing::HaveSystemNumpy()) GTEST_SKIP() << "needs /usr/bin/python3 with numpy";
  for (size_t k : {3u, 8u, 25u}) {
    SCOPED_TRACE("k " + std::to_string(k));
    MarkovChain c = Estimate(SampleChain(k, 20, 400, 100 + k));
    ASSERT_EQ(c.size(), k);
    ASSERT_TRUE(c.irreducible);
    std::string matrix = "[";
    for (size_t i = 0; i < k; ++i) {
      matrix += "[";
      for (size_t j = 0; j < k; ++j) {
        char buf[40];
        std::snprintf(buf, sizeof buf, "%.17g,", c.P(i, j));
        matrix += buf;
      }
      matrix += "],";
    }
    matrix += "]";
    // π: the left eigenvector of P for the eigenvalue nearest 1, scaled to sum 1; |λ₂|:
    // the second-largest eigenvalue modulus.
    auto py = testing::RunShell(
        "/usr/bin/python3 -c \"import numpy as np\n"
        "p = np.array(" + matrix + ")\n"
        "w, v = np.linalg.eig(p.T)\n"
        "i = np.argmin(np.abs(w - 1))\n"
        "pi = np.real(v[:, i]); pi = pi / pi.sum()\n"
        "m = np.sort(np.abs(w))[::-1]\n"
        "print('%.17g' % m[1])\n"
        "print(' '.join('%.17g' % x for x in pi))\"");
    ASSERT_EQ(py.exit_code, 0) << py.err;
    const char* s = py.out.c_str();
    int used = 0;
    double lambda2 = 0;
    ASSERT_EQ(std::sscanf(s, "%lf%n", &lambda2, &used), 1);
    s += used;
    EXPECT_NEAR(c.second_eigenvalue_modulus, lambda2, 1e-10);
    double total = 0;
    for (size_t i = 0; i < k; ++i) {
      double expected = 0;
      ASSERT_EQ(std::sscanf(s, "%lf%n", &expected, &used), 1);
      s += used;
      EXPECT_NEAR(c.stationary[i], expected, 1e-10) << "state " << i;
      total += c.stationary[i];
    }
    EXPECT_NEAR(total, 1.0, 1e-12);
  }
}

TEST(MarkovChainTest, GthKeepsTinyProbabilities) {
  // A birth–death chain whose stationary probabilities fall by 10⁻⁴ per state: π_i ∝ 10^(−4i).
  const size_t k = 8;
  std::vector<double> p(k * k, 0.0);
  for (size_t i = 0; i < k; ++i) {
    double up = i + 1 < k ? 1e-4 * 0.5 : 0.0, down = i > 0 ? 0.5 : 0.0;
    if (i + 1 < k) p[i * k + i + 1] = up;
    if (i > 0) p[i * k + i - 1] = down;
    p[i * k + i] = 1 - up - down;
  }
  std::vector<double> pi = StationaryDistributionGth(p, k);
  for (size_t i = 1; i < k; ++i) EXPECT_NEAR(pi[i] / pi[i - 1], 1e-4, 1e-4 * 1e-12) << i;
}

}  // namespace
}  // namespace panic::analysis
