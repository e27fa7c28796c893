#include "panic/analysis/diagram_distance_matrix.h"

#include <algorithm>
#include <cstdio>
#include <limits>
#include <mutex>

#include "panic/core/parallel.h"
#include "panic/tda/exact_wasserstein.h"

namespace panic::analysis {
namespace {

// Pairs per work item: enough to amortise the scheduling, small enough that the last
// items balance across workers (one Wasserstein pair of ~300 bars takes ~0.1–1 ms).
constexpr size_t kPairsPerChunk = 64;

std::string FormatOrder(double order) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%g", order);
  return buf;
}

Status CheckOptions(const DiagramDistanceOptions& o, size_t n) {
  if (o.threads < 1 || o.threads > 1024) {
    return Status::InvalidArgument("threads: " + std::to_string(o.threads) + " is outside 1..1024");
  }
  if (n > kMaxDiagramsPerMatrix) {
    return Status::InvalidArgument("diagrams: " + std::to_string(n) + " is more than the " +
                                   std::to_string(kMaxDiagramsPerMatrix) + " one matrix takes");
  }
  if (o.metric == DiagramMetric::kWasserstein) {
    PANIC_RETURN_IF_ERROR(tda::CheckWassersteinParameters(o.order, o.delta));
  }
  return Status::Ok();
}

}  // namespace

std::string DiagramMetricName(const DiagramDistanceOptions& options) {
  switch (options.metric) {
    case DiagramMetric::kBottleneck:
      return "bottleneck";
    case DiagramMetric::kWasserstein:
      return "wasserstein-" + FormatOrder(options.order);
    case DiagramMetric::kSortedPersistenceL1:
      return "sorted-l1";
  }
  return "unknown";
}

Result<DiagramDistanceMatrix> ComputeDiagramDistanceMatrix(std::span<const tda::Bars> diagrams,
                                                           const DiagramDistanceOptions& options) {
  const size_t n = diagrams.size();
  PANIC_RETURN_IF_ERROR(CheckOptions(options, n));
  std::vector<tda::PreparedBars> prepared;
  prepared.reserve(n);
  for (size_t i = 0; i < n; ++i) {
    auto p = tda::PrepareBars(diagrams[i]);
    if (!p.ok()) return p.status().WithContext("diagram " + std::to_string(i));
    prepared.push_back(std::move(p).value());
  }
  DiagramDistanceMatrix out;
  out.n = n;
  out.values.assign(n * n, 0.0);
  if (n < 2) return out;

  // Pair k of the condensed upper triangle, row by row: row i holds (i, i+1..n-1) and
  // starts at row_start[i] = Σ_{r<i} (n − 1 − r).
  const size_t total = n * (n - 1) / 2;
  std::vector<size_t> row_start(n);
  for (size_t i = 1; i < n; ++i) row_start[i] = row_start[i - 1] + (n - i);
  const size_t chunks = (total + kPairsPerChunk - 1) / kPairsPerChunk;

  std::mutex error_mutex;
  size_t error_pair = std::numeric_limits<size_t>::max();  // lowest failing pair index
  Status error;
  std::atomic<bool> cancelled{false};

  ParallelFor(chunks, options.threads, [&](size_t c) {
    if (options.cancel && options.cancel->load(std::memory_order_relaxed)) {
      cancelled.store(true, std::memory_order_relaxed);
      return;
    }
    const size_t begin = c * kPairsPerChunk, end = std::min(total, begin + kPairsPerChunk);
    // The row of pair `begin`: the last row whose start is ≤ begin.
    size_t i = static_cast<size_t>(std::upper_bound(row_start.begin(), row_start.end(), begin) -
                                   row_start.begin()) - 1;
    size_t j = i + 1 + (begin - row_start[i]);
    for (size_t k = begin; k < end; ++k) {
      double value = 0;
      switch (options.metric) {
        case DiagramMetric::kBottleneck:
          value = tda::BottleneckDistance(prepared[i], prepared[j]);
          break;
        case DiagramMetric::kSortedPersistenceL1:
          value = tda::SortedPersistenceL1(prepared[i], prepared[j]);
          break;
        case DiagramMetric::kWasserstein: {
          auto w = options.solver == WassersteinSolver::kExact
                       ? tda::ExactWassersteinDistance(prepared[i], prepared[j], options.order)
                       : tda::WassersteinDistance(prepared[i], prepared[j], options.order, options.delta);
          if (!w.ok()) {
            std::lock_guard<std::mutex> lock(error_mutex);
            if (k < error_pair) {
              error_pair = k;
              error = w.status().WithContext("diagrams " + std::to_string(i) + " and " + std::to_string(j));
            }
          } else {
            value = *w;
          }
          break;
        }
      }
      out.values[i * n + j] = value;
      out.values[j * n + i] = value;
      if (++j == n) {
        ++i;
        j = i + 1;
      }
    }
    if (options.pairs_done) options.pairs_done->fetch_add(end - begin, std::memory_order_relaxed);
  });

  if (!error.ok()) return error;
  if (cancelled.load()) return Status::Cancelled("diagram distance matrix: cancelled");
  return out;
}

}  // namespace panic::analysis
