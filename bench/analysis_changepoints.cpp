// Kernel change-point detection (RBF γ = 0.01, min segment 5, PELT) on one run of
// 1 000 steps of 768-d unit vectors (issue 12's target: ≤ 1 s), with the reference's
// penalty 768·ln n and with a small penalty that finds the planted changes (so pruning
// is exercised), and a 3 000-step run to show the O(n²) growth.
//
//   ninja -C build bench_analysis_changepoints && ./build/bench/bench_analysis_changepoints
#include <benchmark/benchmark.h>

#include <cmath>
#include <random>
#include <vector>

#include "panic/analysis/change_points.h"

namespace {

constexpr size_t kDim = 768;

// A random walk on the unit sphere that jumps to a new region every 200 steps.
std::vector<float> Trajectory(size_t n) {
  std::mt19937_64 rng(1);
  std::normal_distribution<double> normal;
  std::vector<double> v(kDim);
  std::vector<float> x(n * kDim);
  for (size_t t = 0; t < n; ++t) {
    for (size_t k = 0; k < kDim; ++k) v[k] = (t % 200 == 0 ? 0.0 : v[k]) + (t % 200 == 0 ? 1.0 : 0.02) * normal(rng);
    double norm = 0;
    for (double c : v) norm += c * c;
    for (size_t k = 0; k < kDim; ++k) x[t * kDim + k] = static_cast<float>(v[k] / std::sqrt(norm));
  }
  return x;
}

void BM_ChangePoints(benchmark::State& state) {
  const size_t n = static_cast<size_t>(state.range(0));
  const std::vector<float> x = Trajectory(n);
  panic::analysis::KernelCpdOptions options;
  if (state.range(1) != 0) options.penalty = 0.05;
  size_t found = 0;
  for (auto _ : state) {
    auto r = panic::analysis::DetectChangePoints(x, kDim, options);
    found = r->change_points.size();
    benchmark::DoNotOptimize(r);
  }
  state.counters["change_points"] = static_cast<double>(found);
  state.SetLabel(state.range(1) != 0 ? "penalty 0.05" : "penalty 768 ln n (reference)");
}
BENCHMARK(BM_ChangePoints)->Args({1000, 0})->Args({1000, 1})->Args({3000, 0})->Unit(benchmark::kMillisecond)->UseRealTime();

}  // namespace

BENCHMARK_MAIN();
