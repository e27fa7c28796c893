// Finite-time divergence (Lyapunov) for one group of 100 runs × 1 000 steps × 768-d
// (issue 12's target: ≤ 5 s): the curve over 4 950 pairs per step plus both fits. Also
// the cross-prompt variant (50 × 50 runs) and the bounded fit alone. Threads: 1 and 2.
//
//   ninja -C build bench_analysis_lyapunov && ./build/bench/bench_analysis_lyapunov
#include <benchmark/benchmark.h>

#include <cmath>
#include <random>
#include <vector>

#include "panic/analysis/divergence.h"

namespace {

using panic::analysis::Trajectory;

constexpr size_t kRuns = 100, kSteps = 1000, kDim = 768;

const std::vector<std::vector<float>>& Group() {
  static const std::vector<std::vector<float>> runs = [] {
    std::mt19937_64 rng(1);
    std::normal_distribution<float> normal;
    std::vector<std::vector<float>> r(kRuns, std::vector<float>(kSteps * kDim));
    for (auto& run : r) {
      for (float& x : run) x = normal(rng);
    }
    return r;
  }();
  return runs;
}

void BM_GroupDivergence(benchmark::State& state) {
  std::vector<Trajectory> views(Group().begin(), Group().end());
  panic::analysis::DivergenceOptions options;
  options.threads = static_cast<int>(state.range(0));
  for (auto _ : state) {
    auto r = panic::analysis::GroupDivergence(views, kDim, options);
    benchmark::DoNotOptimize(r);
  }
  state.SetLabel("100 runs x 1000 steps x 768-d, 4950 pairs");
}
BENCHMARK(BM_GroupDivergence)->Arg(1)->Arg(2)->Unit(benchmark::kMillisecond)->UseRealTime();

void BM_CrossGroupDivergence(benchmark::State& state) {
  std::vector<Trajectory> a(Group().begin(), Group().begin() + 50), b(Group().begin() + 50, Group().end());
  panic::analysis::DivergenceOptions options;
  options.threads = static_cast<int>(state.range(0));
  for (auto _ : state) {
    auto r = panic::analysis::CrossGroupDivergence(a, b, kDim, options);
    benchmark::DoNotOptimize(r);
  }
  state.SetLabel("50 x 50 runs x 1000 steps x 768-d, 2500 pairs");
}
BENCHMARK(BM_CrossGroupDivergence)->Arg(2)->Unit(benchmark::kMillisecond)->UseRealTime();

void BM_BoundedFit(benchmark::State& state) {
  std::vector<double> curve(kSteps);
  std::mt19937_64 rng(2);
  std::normal_distribution<double> noise(0, 0.01);
  for (size_t t = 0; t < kSteps; ++t) curve[t] = 1.2 - 0.9 * std::exp(-static_cast<double>(t) / 60) + noise(rng);
  for (auto _ : state) benchmark::DoNotOptimize(panic::analysis::FitBoundedApproach(curve));
  state.SetLabel("T = 1000");
}
BENCHMARK(BM_BoundedFit)->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
