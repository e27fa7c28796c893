// Times ComputeRips on a 768-D walk cloud (the shape of real trajectories: a random
// walk on the unit sphere that now and then returns near an earlier point).
//
//   bench_ph_rips [N=1000] [MAXDIM=2] [THREADS=1] [DIM=768] [SEED=1]
//
// Prints the wall time and the bar counts. scripts/bench_ph.sh compares the CLI with
// Debian's ripser and GUDHI's on the same clouds, input parsing included.
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <vector>

#include "panic/tda/rips.h"

namespace {

std::vector<float> WalkCloud(size_t n, size_t dim, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::normal_distribution<double> g(0.0, 1.0);
  std::uniform_real_distribution<double> u(0.0, 1.0);
  std::vector<float> out;
  std::vector<double> x(dim);
  for (double& v : x) v = g(rng);
  const double step = 0.25 / std::sqrt(static_cast<double>(dim));
  for (size_t i = 0; i < n; ++i) {
    if (i > 10 && u(rng) < 0.05) {
      size_t j = static_cast<size_t>(u(rng) * static_cast<double>(i - 5));
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

}  // namespace

int main(int argc, char** argv) {
  size_t n = argc > 1 ? std::strtoul(argv[1], nullptr, 10) : 1000;
  int maxdim = argc > 2 ? std::atoi(argv[2]) : 2;
  int threads = argc > 3 ? std::atoi(argv[3]) : 1;
  size_t dim = argc > 4 ? std::strtoul(argv[4], nullptr, 10) : 768;
  uint64_t seed = argc > 5 ? std::strtoull(argv[5], nullptr, 10) : 1;
  std::vector<float> points = WalkCloud(n, dim, seed);
  panic::tda::RipsOptions options;
  options.maxdim = maxdim;
  options.threads = threads;
  auto start = std::chrono::steady_clock::now();
  auto diagram = panic::tda::ComputeRips(points, n, dim, options);
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  if (!diagram.ok()) {
    std::fprintf(stderr, "%s\n", diagram.status().ToString().c_str());
    return 1;
  }
  std::printf("n=%zu dim=%zu maxdim=%d threads=%d seconds=%.3f bars=", n, dim, maxdim, threads,
              seconds);
  for (size_t d = 0; d < diagram->num_dimensions(); ++d) {
    std::printf("%s%zu", d ? "/" : "", diagram->bars(d).size());
  }
  std::printf("\n");
  return 0;
}
