// Transition statistics over cluster labels: the Markov chain of one group (1 000 runs ×
// 1 000 steps of labels) for k = 100, 500 and 1 000 clusters — counting, the
// communicating classes, GTH stationary distribution and LAPACK eigenvalues (O(k³)) —
// and run lengths plus bigrams over the same runs. No target in issue 12; this sizes the
// cost of a clustering with many clusters.
//
//   ninja -C build bench_analysis_markov && ./build/bench/bench_analysis_markov
#include <benchmark/benchmark.h>

#include <random>
#include <vector>

#include "panic/analysis/label_sequences.h"
#include "panic/analysis/markov_chain.h"

namespace {

using panic::analysis::LabelSequence;
using panic::analysis::OutlierHandling;

// Sticky random walks over k labels (stay with probability 0.8, else jump anywhere),
// with 5 % outliers.
std::vector<std::vector<int64_t>> Runs(size_t k) {
  std::mt19937_64 rng(k);
  std::uniform_real_distribution<double> u(0, 1);
  std::vector<std::vector<int64_t>> runs(1000, std::vector<int64_t>(1000));
  for (auto& run : runs) {
    int64_t state = static_cast<int64_t>(rng() % k);
    for (auto& label : run) {
      if (u(rng) > 0.8) state = static_cast<int64_t>(rng() % k);
      label = u(rng) < 0.05 ? -1 : state;
    }
  }
  return runs;
}

void BM_MarkovChain(benchmark::State& state) {
  const auto runs = Runs(static_cast<size_t>(state.range(0)));
  std::vector<LabelSequence> views(runs.begin(), runs.end());
  for (auto _ : state) {
    auto chain = panic::analysis::EstimateMarkovChain(views);
    benchmark::DoNotOptimize(chain);
  }
  state.SetLabel("1000 runs x 1000 labels");
}
BENCHMARK(BM_MarkovChain)->Arg(100)->Arg(500)->Arg(1000)->Unit(benchmark::kMillisecond)->UseRealTime();

void BM_RunLengthsAndBigrams(benchmark::State& state) {
  const auto runs = Runs(100);
  std::vector<LabelSequence> views(runs.begin(), runs.end());
  for (auto _ : state) {
    for (LabelSequence run : views) benchmark::DoNotOptimize(panic::analysis::RunLengths(run, OutlierHandling::kSkip));
    benchmark::DoNotOptimize(panic::analysis::CountBigrams(views, OutlierHandling::kSkip));
  }
  state.SetLabel("1000 runs x 1000 labels");
}
BENCHMARK(BM_RunLengthsAndBigrams)->Unit(benchmark::kMillisecond)->UseRealTime();

}  // namespace

BENCHMARK_MAIN();
