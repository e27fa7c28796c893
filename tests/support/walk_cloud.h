// The one walk-cloud generator (tests, bench/ph_rips.cpp, scripts/bench_ph.sh through
// `bench_ph_rips ... PREFIX`): a random walk on the unit sphere of R^dim that now and then
// jumps back near an earlier point, like the embedding trajectory of a looping run.
// Seeded: the same (n, dim, seed) gives the same floats on every run of one build.
#pragma once

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <random>
#include <vector>

namespace panic::testing {

// n × dim floats, row-major, each row of unit length.
inline std::vector<float> WalkCloudPoints(size_t n, size_t dim, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::vector<double> x(dim);
  {  // a uniformly random start on the sphere (its own normal stream, as the tests' first)
    std::normal_distribution<double> g0(0.0, 1.0);
    double s = 0;
    for (double& v : x) {
      v = g0(rng);
      s += v * v;
    }
    for (double& v : x) v = static_cast<float>(v / std::sqrt(s));
  }
  std::normal_distribution<double> g(0.0, 1.0);
  std::uniform_real_distribution<double> u(0.0, 1.0);
  std::vector<float> out;
  out.reserve(n * dim);
  // Step ≈ 0.25 per move: a few dozen steps wander to near-orthogonal directions.
  const double step = 0.25 / std::sqrt(static_cast<double>(dim));
  for (size_t i = 0; i < n; ++i) {
    if (i > 10 && u(rng) < 0.05) {  // return near an earlier point: a loop
      const size_t j = static_cast<size_t>(u(rng) * static_cast<double>(i - 5));
      for (size_t k = 0; k < dim; ++k) x[k] = out[j * dim + k] + 0.3 * step * g(rng);
    } else {
      for (size_t k = 0; k < dim; ++k) x[k] += step * g(rng);
    }
    double s = 0;
    for (double v : x) s += v * v;
    s = std::sqrt(s);
    for (double& v : x) v /= s;
    for (double v : x) out.push_back(static_cast<float>(v));
  }
  return out;
}

// Issue 18's "random walk whose points are renormalised to the unit sphere (step 0.01 per
// coordinate)", in its two readings. x₀ ~ N(0, 1) per coordinate, each step adds
// N(0, 0.01²) per coordinate, point i is x_i / |x_i|.
// - renormalise_state = true (bench PH_FAMILY=sphere): the walk's state itself is put back on
//   the sphere every step, so consecutive points are ≈ 0.01·√dim ≈ 0.28 apart and the walk
//   decorrelates in a dozen steps; it has loops (H1/H2 bars).
// - false (PH_FAMILY=projected): the walk accumulates in R^dim and only its points are
//   projected: consecutive points ≈ 0.01 apart, ~10⁴ steps to turn by a radian; a long
//   smooth path with no H1/H2.
inline std::vector<float> SphereWalkPoints(size_t n, size_t dim, uint64_t seed, bool renormalise_state) {
  std::mt19937_64 rng(seed);
  std::normal_distribution<double> g(0.0, 1.0), step(0.0, 0.01);
  std::vector<double> x(dim);
  for (double& v : x) v = g(rng);
  std::vector<float> out;
  out.reserve(n * dim);
  for (size_t i = 0; i < n; ++i) {
    if (i > 0) {
      for (double& v : x) v += step(rng);
    }
    double s = 0;
    for (double v : x) s += v * v;
    s = std::sqrt(s);
    for (double& v : x) {
      out.push_back(static_cast<float>(v / s));
      if (renormalise_state) v /= s;
    }
  }
  return out;
}

}  // namespace panic::testing
