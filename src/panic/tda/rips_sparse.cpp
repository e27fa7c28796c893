// ComputeApproximateRips: the sparse Rips filtration of Cavanna, Jahanseir & Sheehy
// (CCCG 2015), after Sheehy ("Linear-size approximations to the Vietoris–Rips
// filtration", DCG 2013), as a clique filtration of re-weighted edges, reduced by the
// same kernel as the exact diagram.
//
// The greedy permutation (Clarkson's neighbour graph) and the kept edges (by range search
// over the greedy tree, sparse_rips_range.h, or screened by float Gram tiles) are
// computed without any n × n structure (sparse_rips_graph.h);
// the reduction runs on the neighbour lists (sparse_rips_reducer.h) or, when most
// edges are kept and the matrix fits, on the dense matrix of the re-weighted lengths.
// InsertionRadii and SparsifyDistances below are the dense O(n²) definitions, kept as
// the tests' reference.
#include <algorithm>
#include <chrono>
#include <cmath>
#include <limits>
#include <memory>
#include <numeric>
#include <string>
#include <vector>

#include "panic/core/lap_timer.h"
#include "panic/tda/distance_matrix.h"
#include "panic/tda/rips.h"
#include "panic/tda/rips_input.h"
#include "panic/tda/rips_reducer.h"
#include "panic/tda/rips_sparse.h"
#include "panic/tda/sparse_rips_graph.h"
#include "panic/tda/sparse_rips_memory.h"
#include "panic/tda/sparse_rips_range.h"
#include "panic/tda/sparse_rips_reducer.h"

namespace panic::tda {
namespace {

constexpr float kInf = std::numeric_limits<float>::infinity();

}  // namespace

namespace internal {

std::vector<double> InsertionRadii(const DistanceMatrix& d) {
  const size_t n = d.n;
  std::vector<double> lambda(n, 0.0);
  std::vector<float> nearest(n, kInf);  // distance to the closest chosen point
  std::vector<uint8_t> chosen(n, 0);
  size_t next = 0;
  lambda[0] = std::numeric_limits<double>::infinity();
  for (size_t k = 0; k < n; ++k) {
    const size_t p = next;
    chosen[p] = 1;
    if (k > 0) lambda[p] = nearest[p];
    const float* row = d.row(p);
    float far = -1;
    for (size_t i = 0; i < n; ++i) {
      if (chosen[i]) continue;
      nearest[i] = std::min(nearest[i], row[i]);
      if (nearest[i] > far) {
        far = nearest[i];
        next = i;
      }
    }
  }
  return lambda;
}

size_t SparsifyDistances(DistanceMatrix& d, const std::vector<double>& lambda, double epsilon) {
  const size_t n = d.n;
  const double scale = (1 + epsilon) / epsilon;
  size_t kept = 0;
  for (size_t i = 0; i < n; ++i) {
    for (size_t j = 0; j < i; ++j) {
      const double mu = scale * std::min(lambda[i], lambda[j]);
      const double len = d(i, j);
      float w;
      if (len <= 2 * mu) {
        w = static_cast<float>(len);
      } else if (len <= (2 + epsilon) * mu) {
        // Rounded up, so that the float length is never below the exact one.
        w = std::nextafter(static_cast<float>(2 * (len - mu)), kInf);
      } else {
        w = kInf;
      }
      kept += w != kInf;
      d.values[i * n + j] = w;
      d.values[j * n + i] = w;
    }
  }
  return kept;
}

}  // namespace internal

Result<ApproximateDiagram> ComputeApproximateRips(std::span<const float> points, size_t n,
                                                  size_t dim, const RipsOptions& options,
                                                  double epsilon) {
  return internal::ComputeApproximateRipsWith(points, n, dim, options, epsilon,
                                              internal::ApproximateBackend::kAuto);
}

namespace internal {

Result<ApproximateDiagram> ComputeApproximateRipsWith(std::span<const float> points, size_t n,
                                                      size_t dim, const RipsOptions& options,
                                                      double epsilon, ApproximateBackend backend,
                                                      ApproximateTimings* timings) {
  ApproximateTimings local;
  ApproximateTimings& t = timings ? *timings : local;
  core::LapTimer timer;
  if (!(epsilon > 0 && epsilon <= 10)) {
    return Status::InvalidArgument("epsilon: " + std::to_string(epsilon) +
                                   " is outside (0, 10]");
  }
  PANIC_RETURN_IF_ERROR(ValidateRipsOptions(options, n, /*dense_memory=*/false));
  PANIC_RETURN_IF_ERROR(ValidateCloud(points, n, dim, options));
  // What the dense kernel would need and whether it may run at all.
  // (ValidateRipsOptions's dense check is the matrix and the table alone; the whole need
  // is weighed once the edges are counted.)
  const bool dense_allowed = ValidateRipsOptions(options, n, /*dense_memory=*/true).ok();
  if (backend == ApproximateBackend::kDense && !dense_allowed) {
    return ValidateRipsOptions(options, n, /*dense_memory=*/true);
  }
  const bool sparse_indexable = SparseSimplicesIndexable(n, options.maxdim);
  // The greedy permutation, then the kept edges counted (nothing of their size stored).
  const CloudMetric metric(points, n, dim, options.metric);
  // A cloud so large that not even every pair could be kept is sampled first: one that
  // keeps (almost) every edge is refused before the greedy permutation.
  PANIC_RETURN_IF_ERROR(EarlyApproximateCheck(metric, epsilon, options.threshold, options.maxdim,
                                              options.threads, options.memory_limit_bytes));
  GreedyTree tree;
  size_t evaluations = 0;
  timer.Lap();
  const std::vector<double> lambda = GreedyInsertionRadii(metric, nullptr, &evaluations, &tree);
  t.greedy = timer.Lap();
  const std::unique_ptr<KeptEdgeSearch> search =
      RangeSearchPays(n, evaluations)
          ? MakeRangeSearch(metric, lambda, tree, epsilon, options.threshold, options.threads)
          : MakeScreenSearch(metric, lambda, epsilon, options.threshold, options.threads);
  KeptEdgeCount count = search->Count();
  t.count = timer.Lap();
  ApproximateDiagram out;
  out.epsilon = epsilon;
  out.edges_total = n * (n - 1) / 2;
  out.edges_kept = count.edges;
  // The whole need of either backend, weighed before the lists are allocated.
  const ApproximateMemoryNeed need =
      EstimateApproximateMemory(count, n, options.maxdim, options.threads, search->ScratchBytes());
  const bool sparse_fits = sparse_indexable && need.Sparse() <= options.memory_limit_bytes;
  const bool dense_fits = dense_allowed && need.Dense() <= options.memory_limit_bytes;
  // The rule: for maxdim 2 the sparse backend when at most half of the pairs are kept
  // (its block pass beats the dense kernel's row scans there: projected walk, ε = 0.1,
  // N = 3 000 with 37 % kept 6.4 s against 10.2 s, N = 10 000 with 13 % 35 s against 87 s;
  // docs/TDA.md, stop 26); otherwise the dense kernel whenever it fits the memory limit
  // (it wins on nearly complete graphs, e.g. the 768-D walks that keep every edge, and
  // for maxdim ≤ 1), the sparse one past that.
  if (backend == ApproximateBackend::kAuto) {
    const bool sparse_pays = options.maxdim == 2 && 2 * count.edges <= out.edges_total;
    backend = dense_fits && !(sparse_pays && sparse_fits) ? ApproximateBackend::kDense
                                                          : ApproximateBackend::kSparse;
  }
  if (backend == ApproximateBackend::kDense && !dense_fits) {
    if (!dense_allowed) return ValidateRipsOptions(options, n, /*dense_memory=*/true);
    return Status::InvalidArgument(
        "n: the dense kernel on the sparse filtration of " + std::to_string(n) +
        " points needs at least " + core::ByteText(static_cast<double>(need.Dense())) +
        " (the n × n matrix " + core::ByteText(static_cast<double>(need.matrix)) +
        " filled from the neighbour lists " + core::ByteText(static_cast<double>(need.lists)) +
        "), more than the memory limit of " +
        core::ByteText(static_cast<double>(options.memory_limit_bytes)));
  }
  if (backend == ApproximateBackend::kSparse && !sparse_fits) {
    if (!sparse_indexable) {
      return Status::InvalidArgument("n: " + std::to_string(n) +
                                     " points are too many to index the simplices of maxdim " +
                                     std::to_string(options.maxdim) + " in 62 bits");
    }
    return ApproximateMemoryRefusal(need, count, lambda, epsilon, options.memory_limit_bytes);
  }
  SparseGraphResult built = search->Fill(std::move(count));
  t.fill = timer.Lap();
  out.sparse_backend = backend == ApproximateBackend::kSparse;
  if (out.sparse_backend) {
    SparseReducerOptions r;
    r.maxdim = options.maxdim;
    r.modulus = options.modulus;
    r.threads = options.threads;
    SparseReducerTimings phases;
    r.timings = &phases;
    out.diagram = ReduceSparseRips(built.graph, r);
    t.apparent = phases.apparent;
    t.dim0 = phases.dim0;
    t.columns = phases.columns;
    t.assemble = phases.assemble;
  } else {
    DistanceMatrix d;
    d.n = n;
    d.values.assign(n * n, kInf);
    for (size_t i = 0; i < n; ++i) {
      d.values[i * n + i] = 0;
      for (const SparseGraph::Neighbor& nb : built.graph.row(i)) d.values[i * n + nb.vertex] = nb.length;
    }
    { SparseGraph().neighbors.swap(built.graph.neighbors); }
    ReducerOptions r;
    r.maxdim = options.maxdim;
    r.threads = options.threads;
    r.modulus = options.modulus;
    r.threshold = built.threshold;
    // The points keep their input order here: it is the scans' locality order.
    std::vector<uint32_t> input_order(n);
    std::iota(input_order.begin(), input_order.end(), 0u);
    r.scan_order = input_order;
    out.diagram = ReduceRips(d, r);
  }
  t.reduction = timer.Lap();
  if (std::isnan(options.threshold)) {
    // The threshold is (1 + ε) × the enclosing radius R. A class still alive there was
    // born past R and dies by (1 + ε) times its birth: a bar within ln(1 + ε)/2 of the
    // diagonal on the log scale, which the exact diagram (no bar born past R) has
    // nothing to match with. Dropping it, i.e. matching it to the diagonal, keeps the
    // ln(1 + ε) bound (docs/TDA.md).
    const float enclosing = built.enclosing_radius;
    for (size_t k = 1; k < out.diagram.dimensions.size(); ++k) {
      Bars& bars = out.diagram.dimensions[k];
      bars.erase(std::remove_if(bars.begin(), bars.end(),
                                [&](const Bar& b) { return b.IsEssential() && b.birth > enclosing; }),
                 bars.end());
    }
  }
  return out;
}

}  // namespace internal

}  // namespace panic::tda
