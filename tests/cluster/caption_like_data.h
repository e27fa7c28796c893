// Synthetic embeddings shaped like a study's caption embeddings: clusters on the unit
// sphere plus uniform noise on the sphere. Shared by the cluster tests and benchmarks.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <random>
#include <vector>

namespace panic::testing {

struct LabelledCloud {
  size_t n = 0;
  size_t dim = 0;
  std::vector<float> values;   // n × dim, rows of length 1
  std::vector<int32_t> truth;  // generating cluster, −1 for noise
};

// `clusters` centres uniform on the sphere; each cluster point is its centre plus a
// Gaussian of total length ≈ `spread` (so two members are ≈ √2·spread/√(1+spread²)
// apart), normalised; a fraction `noise` of the points is uniform on the sphere. The
// rows are shuffled.
inline LabelledCloud CaptionLikeCloud(size_t n, size_t dim, size_t clusters, double noise,
                                      double spread, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::normal_distribution<double> gauss(0.0, 1.0);
  auto unit = [&](std::vector<double>& v) {
    double s = 0;
    for (double x : v) s += x * x;
    s = std::sqrt(s);
    for (double& x : v) x /= s;
  };
  std::vector<std::vector<double>> centres(clusters, std::vector<double>(dim));
  for (auto& c : centres) {
    for (double& x : c) x = gauss(rng);
    unit(c);
  }
  LabelledCloud cloud;
  cloud.n = n;
  cloud.dim = dim;
  cloud.values.resize(n * dim);
  cloud.truth.resize(n);
  const size_t noisy = static_cast<size_t>(std::llround(noise * static_cast<double>(n)));
  std::vector<size_t> order(n);
  for (size_t i = 0; i < n; ++i) order[i] = i;
  std::shuffle(order.begin(), order.end(), rng);
  std::vector<double> v(dim);
  const double sigma = spread / std::sqrt(static_cast<double>(dim));
  for (size_t t = 0; t < n; ++t) {
    const size_t row = order[t];
    if (t < noisy) {
      for (double& x : v) x = gauss(rng);
      cloud.truth[row] = -1;
    } else {
      const size_t c = (t - noisy) % clusters;
      for (size_t k = 0; k < dim; ++k) v[k] = centres[c][k] + sigma * gauss(rng);
      cloud.truth[row] = static_cast<int32_t>(c);
    }
    unit(v);
    for (size_t k = 0; k < dim; ++k) cloud.values[row * dim + k] = static_cast<float>(v[k]);
  }
  return cloud;
}

}  // namespace panic::testing
