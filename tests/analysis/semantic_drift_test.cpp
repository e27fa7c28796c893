// Semantic drift: the geometric cases of the issue (orthogonal → √2, opposite → 2,
// scale-invariant), degenerate vectors, and agreement with a long-double evaluation of
// the definition on random 768-d vectors, including tiny drifts.
#include "panic/analysis/semantic_drift.h"

#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <vector>

namespace panic::analysis {
namespace {

std::vector<float> RandomVectors(size_t rows, size_t dim, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::normal_distribution<float> normal;
  std::vector<float> v(rows * dim);
  for (float& x : v) x = normal(rng);
  return v;
}

// ‖v/‖v‖ − r/‖r‖‖ in long double, straight from the definition.
double Reference(const float* v, const float* r, size_t dim) {
  long double nv = 0, nr = 0, s = 0;
  for (size_t k = 0; k < dim; ++k) {
    nv += static_cast<long double>(v[k]) * v[k];
    nr += static_cast<long double>(r[k]) * r[k];
  }
  nv = std::sqrt(nv);
  nr = std::sqrt(nr);
  for (size_t k = 0; k < dim; ++k) {
    long double d = v[k] / nv - r[k] / nr;
    s += d * d;
  }
  return static_cast<double>(std::sqrt(s));
}

TEST(SemanticDriftTest, GeometricCases) {
  const std::vector<float> reference{1, 0, 0};
  const std::vector<float> vectors{
      0, 5, 0,      // orthogonal
      -2, 0, 0,     // opposite
      3, 0, 0,      // same direction, other length
      1, 1, 0,      // 45°: 2 − 2cos = 2 − √2
  };
  auto drift = SemanticDrift(vectors, 3, reference);
  ASSERT_TRUE(drift.ok()) << drift.status().ToString();
  ASSERT_EQ(drift->size(), 4u);
  EXPECT_NEAR((*drift)[0], std::sqrt(2.0), 1e-15);
  EXPECT_DOUBLE_EQ((*drift)[1], 2.0);
  EXPECT_DOUBLE_EQ((*drift)[2], 0.0);
  EXPECT_NEAR((*drift)[3], std::sqrt(2 - std::sqrt(2.0)), 1e-15);
}

TEST(SemanticDriftTest, ScaleInvariant) {
  const size_t dim = 768, rows = 50;
  std::vector<float> v = RandomVectors(rows, dim, 1), r = RandomVectors(1, dim, 2);
  std::vector<float> v_scaled = v, r_scaled = r;
  for (size_t i = 0; i < rows; ++i) {
    for (size_t k = 0; k < dim; ++k) v_scaled[i * dim + k] *= 0.25f * static_cast<float>(i + 1);  // powers of 2 and others
  }
  for (float& x : r_scaled) x *= 1000.0f;
  auto a = SemanticDrift(v, dim, r), b = SemanticDrift(v_scaled, dim, r_scaled);
  ASSERT_TRUE(a.ok() && b.ok());
  for (size_t i = 0; i < rows; ++i) EXPECT_NEAR((*a)[i], (*b)[i], 1e-6) << i;  // float rounding of the scaled inputs
}

TEST(SemanticDriftTest, AgreesWithLongDoubleDefinition) {
  const size_t dim = 768, rows = 200;
  std::vector<float> v = RandomVectors(rows, dim, 3), r = RandomVectors(1, dim, 4);
  // Half of the rows are tiny perturbations of the reference, where √(2 − 2cos) would
  // lose every digit.
  std::mt19937_64 rng(5);
  std::normal_distribution<float> normal;
  for (size_t i = 0; i < rows; i += 2) {
    float eps = std::pow(10.0f, -1.0f - static_cast<float>(i % 6));
    for (size_t k = 0; k < dim; ++k) v[i * dim + k] = r[k] + eps * normal(rng);
  }
  auto drift = SemanticDrift(v, dim, r, /*threads=*/3);
  ASSERT_TRUE(drift.ok());
  for (size_t i = 0; i < rows; ++i) {
    double expected = Reference(&v[i * dim], r.data(), dim);
    EXPECT_NEAR((*drift)[i], expected, 1e-12 + 1e-10 * expected) << "row " << i;
    EXPECT_GE((*drift)[i], 0.0);
    EXPECT_LE((*drift)[i], 2.0);
  }
}

TEST(SemanticDriftTest, ManyReferences) {
  const size_t dim = 16;
  std::vector<float> v = RandomVectors(9, dim, 6), refs = RandomVectors(3, dim, 7);
  std::vector<size_t> reference_of{0, 1, 2, 2, 1, 0, 0, 2, 1};
  auto drift = SemanticDrift(v, dim, refs, reference_of);
  ASSERT_TRUE(drift.ok());
  for (size_t i = 0; i < 9; ++i) {
    EXPECT_NEAR((*drift)[i], Reference(&v[i * dim], &refs[reference_of[i] * dim], dim), 1e-13);
  }
}

TEST(SemanticDriftTest, DegenerateVectorsGiveNaN) {
  const std::vector<float> reference{0, 1};
  const std::vector<float> vectors{0, 0, 1, 0, NAN, 1};
  auto drift = SemanticDrift(vectors, 2, reference);
  ASSERT_TRUE(drift.ok());
  EXPECT_TRUE(std::isnan((*drift)[0]));  // zero vector: no direction
  EXPECT_NEAR((*drift)[1], std::sqrt(2.0), 1e-15);
  EXPECT_TRUE(std::isnan((*drift)[2]));
  auto zero_ref = SemanticDrift(vectors, 2, std::vector<float>{0, 0});
  ASSERT_TRUE(zero_ref.ok());
  for (double d : *zero_ref) EXPECT_TRUE(std::isnan(d));
}

TEST(SemanticDriftTest, RejectsBadShapes) {
  std::vector<float> v(10, 1.0f);
  EXPECT_EQ(SemanticDrift(v, 3, std::vector<float>(3, 1.0f)).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(SemanticDrift(v, 5, std::vector<float>(4, 1.0f)).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(SemanticDrift(v, 0, std::vector<float>{}).status().code(), StatusCode::kInvalidArgument);
  std::vector<size_t> out_of_range{0, 2};
  auto bad = SemanticDrift(v, 5, std::vector<float>(10, 1.0f), out_of_range);
  EXPECT_EQ(bad.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(bad.status().message().find("reference_of[1] = 2"), std::string::npos) << bad.status().message();
  EXPECT_TRUE(SemanticDrift(std::vector<float>{}, 4, std::vector<float>(4, 1.0f))->empty());
}

}  // namespace
}  // namespace panic::analysis
