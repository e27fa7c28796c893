// Semantic drift over 1 000 000 embeddings of 768-d (issue 12's target for the whole
// feature, database reads included: ≤ 10 s). The computation alone is measured here, as
// the wiring will call it: pages of 65 536 vectors, each against its run's reference
// (runs of 1 000 steps), 16 pages ≈ 1.05 M vectors per iteration. Threads: 1 and 2.
//
//   ninja -C build bench_analysis_drift && ./build/bench/bench_analysis_drift
#include <benchmark/benchmark.h>

#include <random>
#include <vector>

#include "panic/analysis/semantic_drift.h"

namespace {

constexpr size_t kDim = 768, kPage = 65536, kPages = 16, kRunLength = 1000;

void BM_SemanticDrift1M(benchmark::State& state) {
  const int threads = static_cast<int>(state.range(0));
  std::mt19937_64 rng(1);
  std::normal_distribution<float> normal;
  std::vector<float> page(kPage * kDim), references((kPage / kRunLength + 1) * kDim);
  for (float& x : page) x = normal(rng);
  for (float& x : references) x = normal(rng);
  std::vector<size_t> reference_of(kPage);
  for (size_t i = 0; i < kPage; ++i) reference_of[i] = i / kRunLength;
  for (auto _ : state) {
    for (size_t p = 0; p < kPages; ++p) {
      auto drift = panic::analysis::SemanticDrift(page, kDim, references, reference_of, threads);
      benchmark::DoNotOptimize(drift);
    }
  }
  state.SetItemsProcessed(state.iterations() * kPage * kPages);
  state.SetLabel("items = vectors; 1 iteration = 1.05 M vectors");
}
BENCHMARK(BM_SemanticDrift1M)->Arg(1)->Arg(2)->Unit(benchmark::kMillisecond)->UseRealTime();

}  // namespace

BENCHMARK_MAIN();
