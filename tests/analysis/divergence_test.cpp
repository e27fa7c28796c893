// Finite-time divergence: planted exponents and time constants recovered from synthetic
// trajectories (the 1 % and 5 %), the curve and log-linear fit against the Python
// reference's own numpy/scipy code, the cross-prompt variant, the bounded fit's edge cases
// and the errors.
#include "panic/analysis/divergence.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <random>
#include <vector>

#include "support/test_support.h"

namespace panic::analysis {
namespace {

using Runs = std::vector<std::vector<float>>;

std::vector<Trajectory> Views(const Runs& runs) {
  return std::vector<Trajectory>(runs.begin(), runs.end());
}

// m runs of T steps: x_i(t) = scale(t)·(u_i + noise·ξ_i(t)), with fixed random offsets u_i
// (so the mean pairwise distance is proportional to scale(t), up to the noise).
template <typename Scale>
Runs ScaledOffsets(size_t m, size_t steps, size_t dim, double noise, uint64_t seed, Scale scale) {
  std::mt19937_64 rng(seed);
  std::normal_distribution<double> normal;
  Runs runs(m, std::vector<float>(steps * dim));
  std::vector<double> u(m * dim);
  for (double& x : u) x = normal(rng);
  for (size_t i = 0; i < m; ++i) {
    for (size_t t = 0; t < steps; ++t) {
      double s = scale(static_cast<double>(t));
      for (size_t k = 0; k < dim; ++k) {
        runs[i][t * dim + k] = static_cast<float>(s * (u[i * dim + k] + noise * normal(rng)));
      }
    }
  }
  return runs;
}

TEST(DivergenceTest, RecoversPlantedExponent) {
  const double lambda = 0.02;  // per step
  Runs runs = ScaledOffsets(12, 300, 64, 0.05, 1, [&](double t) { return 1e-3 * std::exp(lambda * t); });
  DivergenceOptions raw;
  raw.metric = DivergenceMetric::kRaw;
  auto r = GroupDivergence(Views(runs), 64, raw);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->num_pairs, 66u);
  EXPECT_EQ(r->num_timesteps, 300u);
  EXPECT_NEAR(r->log_linear.exponent, lambda, 0.01 * lambda);
  EXPECT_GT(r->log_linear.r_squared, 0.99);
  // Exponential growth does not saturate: the bounded fit says so.
  EXPECT_EQ(r->bounded.status, BoundedFitStatus::kAboveRange);
  EXPECT_TRUE(std::isinf(r->bounded.tau));
}

TEST(DivergenceTest, RecoversPlantedExponentOnTheSphere) {
  // Small offsets around a common unit direction: on the sphere the chord distances grow
  // like the offsets while they stay small (here below 0.05). Each vector also gets an
  // arbitrary length, which the unit-sphere metric must ignore.
  const size_t dim = 96, steps = 200;
  const double lambda = 0.015;
  Runs runs = ScaledOffsets(10, steps, dim, 0.02, 2, [&](double t) { return 2e-4 * std::exp(lambda * t); });
  std::mt19937_64 rng(3);
  std::uniform_real_distribution<float> length(0.5f, 40.0f);
  for (auto& run : runs) {
    for (size_t t = 0; t < steps; ++t) {
      float l = length(rng);
      run[t * dim] += 1.0f;  // the common direction e₀
      for (size_t k = 0; k < dim; ++k) run[t * dim + k] *= l;
    }
  }
  auto r = GroupDivergence(Views(runs), dim);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_NEAR(r->log_linear.exponent, lambda, 0.01 * lambda);
}

TEST(DivergenceTest, RecoversPlantedTimeConstant) {
  for (double tau : {7.0, 40.0, 150.0}) {
    SCOPED_TRACE("tau " + std::to_string(tau));
    // Rising to a plateau (nearby starts spreading out) ...
    Runs rising = ScaledOffsets(16, 600, 32, 0.03, 4, [&](double t) { return 1.0 - 0.9 * std::exp(-t / tau); });
    DivergenceOptions raw;
    raw.metric = DivergenceMetric::kRaw;
    auto r = GroupDivergence(Views(rising), 32, raw);
    ASSERT_TRUE(r.ok());
    EXPECT_EQ(r->bounded.status, BoundedFitStatus::kOk);
    EXPECT_NEAR(r->bounded.tau, tau, 0.05 * tau);
    EXPECT_NEAR(r->bounded.d0 / r->bounded.d_inf, 0.1, 0.01);
    EXPECT_GT(r->bounded.r_squared, 0.95);
    // ... and falling to one (trajectories converging).
    Runs falling = ScaledOffsets(16, 600, 32, 0.03, 5, [&](double t) { return 0.2 + 1.5 * std::exp(-t / tau); });
    auto f = GroupDivergence(Views(falling), 32, raw);
    ASSERT_TRUE(f.ok());
    EXPECT_EQ(f->bounded.status, BoundedFitStatus::kOk);
    EXPECT_NEAR(f->bounded.tau, tau, 0.05 * tau);
    EXPECT_GT(f->bounded.d0, f->bounded.d_inf);
  }
}

TEST(BoundedFitTest, ExactCurveAndEdgeCases) {
  std::vector<double> curve(100);
  for (size_t t = 0; t < curve.size(); ++t) curve[t] = 1.8 - 1.5 * std::exp(-static_cast<double>(t) / 12.5);
  BoundedFit fit = FitBoundedApproach(curve);
  EXPECT_EQ(fit.status, BoundedFitStatus::kOk);
  EXPECT_NEAR(fit.tau, 12.5, 1e-6);
  EXPECT_NEAR(fit.d_inf, 1.8, 1e-9);
  EXPECT_NEAR(fit.d0, 0.3, 1e-9);
  EXPECT_NEAR(fit.r_squared, 1.0, 1e-12);

  std::vector<double> line(50), step(50, 1.0), constant(50, 0.7);
  for (size_t t = 0; t < line.size(); ++t) line[t] = 0.1 + 0.01 * static_cast<double>(t);
  step[0] = 0.2;
  EXPECT_EQ(FitBoundedApproach(line).status, BoundedFitStatus::kAboveRange);
  EXPECT_TRUE(std::isnan(FitBoundedApproach(line).d_inf));
  EXPECT_NEAR(FitBoundedApproach(line).d0, 0.1, 1e-3);
  BoundedFit s = FitBoundedApproach(step);
  EXPECT_EQ(s.status, BoundedFitStatus::kBelowRange);
  EXPECT_EQ(s.tau, 0.0);
  EXPECT_NEAR(s.d_inf, 1.0, 1e-9);
  EXPECT_NEAR(s.d0, 0.2, 1e-9);
  BoundedFit c = FitBoundedApproach(constant);
  EXPECT_EQ(c.status, BoundedFitStatus::kDegenerate);
  EXPECT_DOUBLE_EQ(c.d_inf, 0.7);
  EXPECT_TRUE(std::isnan(c.tau));
  EXPECT_EQ(FitBoundedApproach(std::vector<double>{1, 2, 3}).status, BoundedFitStatus::kDegenerate);
  EXPECT_STREQ(BoundedFitStatusName(BoundedFitStatus::kAboveRange), "above_range");
}

TEST(DivergenceTest, CrossGroupUsesOnlyPairsAcross) {
  // A at the origin, B at distance 3 (raw) and on the other side of the sphere
  // (unit): within-group pairs are at distance 0 and must not count.
  Runs a{std::vector<float>(4 * 2, 0.0f), std::vector<float>(4 * 2, 0.0f)};
  Runs b{std::vector<float>(5 * 2, 0.0f), std::vector<float>(4 * 2, 0.0f), std::vector<float>(6 * 2, 0.0f)};
  for (auto& run : a) {
    for (size_t t = 0; t < run.size() / 2; ++t) run[2 * t] = 1.0f;
  }
  for (auto& run : b) {
    for (size_t t = 0; t < run.size() / 2; ++t) run[2 * t] = -2.0f;
  }
  DivergenceOptions raw;
  raw.metric = DivergenceMetric::kRaw;
  auto r = CrossGroupDivergence(Views(a), Views(b), 2, raw);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->num_pairs, 6u);
  EXPECT_EQ(r->num_timesteps, 4u);  // the shortest run of either group
  for (double d : r->curve) EXPECT_DOUBLE_EQ(d, 3.0);
  EXPECT_DOUBLE_EQ(r->log_linear.exponent, 0.0);
  EXPECT_TRUE(std::isnan(r->log_linear.r_squared));  // ln d constant: R² undefined
  auto unit = CrossGroupDivergence(Views(a), Views(b), 2);
  ASSERT_TRUE(unit.ok());
  for (double d : unit->curve) EXPECT_DOUBLE_EQ(d, 2.0);
}

TEST(DivergenceTest, AgreesWithReferencePythonCode) {
  if (!testing::HaveSystemNumpy()) GTEST_SKIP() << "needs /usr/bin/python3 with numpy";
  auto probe = testing::RunShell("/usr/bin/python3 -c 'import scipy.spatial.distance'");
  if (probe.exit_code != 0) GTEST_SKIP() << "needs scipy (python3-sklearn pulls it in)";
  // Runs of unequal length: both sides truncate to the shortest (30 steps).
  const size_t dim = 24, m = 7;
  Runs runs = ScaledOffsets(m, 40, dim, 0.3, 6, [](double t) { return 0.2 + 0.01 * t; });
  runs[3].resize(30 * dim);
  testing::TempDir dir;
  std::string blob;
  for (const auto& run : runs) {
    blob.append(reinterpret_cast<const char*>(run.data()), 30 * dim * sizeof(float));
  }
  testing::WriteFile(dir.File("x.f4"), blob);
  // The Python reference's compute_ftle (PanicTda.Models.Lyapunov), on the stored vectors.
  auto py = testing::RunShell(
      "/usr/bin/python3 -c \"import numpy as np\n"
      "from scipy.spatial.distance import pdist\n"
      "x = np.fromfile('" + dir.File("x.f4") + "', dtype='<f4').reshape(7, 30, 24)\n"
      "curve = np.array([np.mean(pdist(x[:, t, :], metric='euclidean')) for t in range(30)])\n"
      "ln = np.log(np.maximum(curve, 1e-10))\n"
      "t = np.arange(30, dtype=np.float64)\n"
      "slope, intercept = np.polyfit(t, ln, 1)\n"
      "r2 = 1 - np.sum((ln - (slope * t + intercept)) ** 2) / np.sum((ln - ln.mean()) ** 2)\n"
      "print('%.17g %.17g %.17g' % (slope, intercept, r2))\n"
      "print(' '.join('%.17g' % c for c in curve))\"");
  ASSERT_EQ(py.exit_code, 0) << py.err;
  DivergenceOptions raw;
  raw.metric = DivergenceMetric::kRaw;
  raw.threads = 2;
  auto r = GroupDivergence(Views(runs), dim, raw);
  ASSERT_TRUE(r.ok());
  ASSERT_EQ(r->num_timesteps, 30u);
  const char* p = py.out.c_str();
  int used = 0;
  double slope = 0, intercept = 0, r2 = 0;
  ASSERT_EQ(std::sscanf(p, "%lf %lf %lf%n", &slope, &intercept, &r2, &used), 3);
  p += used;
  EXPECT_NEAR(r->log_linear.exponent, slope, 1e-12);
  EXPECT_NEAR(r->log_linear.intercept, intercept, 1e-12);
  EXPECT_NEAR(r->log_linear.r_squared, r2, 1e-12);
  for (size_t t = 0; t < 30; ++t) {
    double expected = 0;
    ASSERT_EQ(std::sscanf(p, "%lf%n", &expected, &used), 1);
    p += used;
    EXPECT_NEAR(r->curve[t], expected, 1e-12 * expected) << "t = " << t;
  }
}

TEST(DivergenceTest, ThreadCountDoesNotChangeTheResult) {
  Runs runs = ScaledOffsets(9, 77, 40, 0.5, 7, [](double t) { return 1 + std::sin(t); });
  DivergenceOptions one, three;
  three.threads = 3;
  auto a = GroupDivergence(Views(runs), 40, one), b = GroupDivergence(Views(runs), 40, three);
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_EQ(a->curve, b->curve);
  EXPECT_EQ(a->bounded.tau, b->bounded.tau);
}

TEST(DivergenceTest, RejectsBadGroups) {
  Runs one{std::vector<float>(6, 1.0f)};
  EXPECT_EQ(GroupDivergence(Views(one), 3).status().code(), StatusCode::kInvalidArgument);
  Runs short_runs{std::vector<float>(3, 1.0f), std::vector<float>(6, 1.0f)};
  auto s = GroupDivergence(Views(short_runs), 3);
  EXPECT_EQ(s.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(s.status().message().find("at least 2"), std::string::npos);
  Runs ragged{std::vector<float>(7, 1.0f), std::vector<float>(6, 1.0f)};
  EXPECT_EQ(GroupDivergence(Views(ragged), 3).status().code(), StatusCode::kInvalidArgument);
  Runs zero{std::vector<float>(6, 1.0f), std::vector<float>{1, 1, 1, 0, 0, 0}};
  auto z = GroupDivergence(Views(zero), 3);
  EXPECT_EQ(z.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(z.status().message().find("run 1 step 1 has a zero vector"), std::string::npos) << z.status().message();
  DivergenceOptions raw;
  raw.metric = DivergenceMetric::kRaw;
  EXPECT_TRUE(GroupDivergence(Views(zero), 3, raw).ok());  // raw vectors may be zero
  EXPECT_EQ(CrossGroupDivergence(Views(one), {}, 3).status().code(), StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace panic::analysis
