// All pairwise distances between persistence diagrams of one homology dimension.
//
// The caller picks the dimension (the bars of H_k of each diagram); each diagram is
// converted once (tda::PrepareBars), then every pair i < j is computed once and written
// to both (i, j) and (j, i); the diagonal is 0. Pairs are shared out dynamically among
// `threads` workers, but each value depends only on its two diagrams (Hera is
// deterministic), so the matrix is bit-identical for any thread count.
//
// Metrics (definitions and the handling of essential bars in tda/diagram_distance.h):
//   kBottleneck            exact;
//   kWasserstein           W_order (order ≥ 1: 1 and 2 are the usual): exact by default
//                          (tda/exact_wasserstein.h), or Hera's auction with relative
//                          error ≤ delta (`solver` kAuction);
//   kSortedPersistenceL1   the Python reference's sorted-persistence L1 (exact).
// A pair whose essential-bar counts differ gets +inf under bottleneck and Wasserstein.
//
// Thread safety: pure; runs its own workers and returns when they are done.
// Speed: see docs/ANALYSIS.md §4 (on Rips-like H1 diagrams of ~300 bars the exact W1
// solver takes ~1/15 of the CPU time of Hera's auction at delta 0.01).
#pragma once

#include <atomic>
#include <cstddef>
#include <span>
#include <string>
#include <vector>

#include "panic/core/status.h"
#include "panic/tda/diagram.h"
#include "panic/tda/diagram_distance.h"

namespace panic::analysis {

enum class DiagramMetric { kBottleneck, kWasserstein, kSortedPersistenceL1 };

// How Wasserstein pairs are computed: kExact, the sparse exact solver
// (tda::ExactWassersteinDistance, the value to rounding); kAuction, Hera's auction
// (tda::WassersteinDistance, W ≤ value ≤ (1 + delta)·W), kept for comparison.
enum class WassersteinSolver { kExact, kAuction };

struct DiagramDistanceOptions {
  DiagramMetric metric = DiagramMetric::kWasserstein;
  double order = 1.0;                            // Wasserstein only
  WassersteinSolver solver = WassersteinSolver::kExact;  // Wasserstein only
  double delta = tda::kDefaultWassersteinDelta;  // Wasserstein with kAuction only: relative error bound
  int threads = 1;                               // 1..1024
  // Optional: set to true (from any thread) to stop early with Cancelled.
  const std::atomic<bool>* cancel = nullptr;
  // Optional: incremented by the number of pairs finished, as they finish (for progress).
  std::atomic<size_t>* pairs_done = nullptr;
};

// "bottleneck", "wasserstein-<order>" (e.g. "wasserstein-1") or "sorted-l1".
std::string DiagramMetricName(const DiagramDistanceOptions& options);

struct DiagramDistanceMatrix {
  size_t n = 0;
  std::vector<double> values;  // n × n, row-major, symmetric, zero diagonal; +inf possible

  double operator()(size_t i, size_t j) const { return values[i * n + j]; }
};

// The most diagrams one matrix takes: n² doubles stay under 4 GiB.
inline constexpr size_t kMaxDiagramsPerMatrix = 23000;

// `diagrams[i]` is the bars of the chosen dimension of diagram i.
// Errors: InvalidArgument naming the diagram and bar that is malformed, the option out of
// range (order, delta, threads) or the count over kMaxDiagramsPerMatrix; Cancelled when
// *cancel became true; Internal if Hera fails on a pair (naming the pair).
Result<DiagramDistanceMatrix> ComputeDiagramDistanceMatrix(std::span<const tda::Bars> diagrams,
                                                           const DiagramDistanceOptions& options);

}  // namespace panic::analysis
