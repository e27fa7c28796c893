// Times ComputeRips on a 768-D walk cloud (the shape of real trajectories: a random
// walk on the unit sphere that now and then returns near an earlier point).
//
//   bench_ph_rips [N=1000] [MAXDIM=2] [THREADS=1] [DIM=768] [SEED=1] [PREFIX]
//
// Prints the wall time and the bar counts. With PREFIX it computes nothing and writes the
// cloud instead: PREFIX.npy (float32, N × DIM) and PREFIX.txt (CSV, ripser's input). scripts/bench_ph.sh compares the CLI with
// Debian's ripser and GUDHI's on the same clouds, input parsing included.
//
// Environment: PH_FAMILY=sphere uses issue 18's cloud instead (a random walk renormalised
// to the unit sphere, Gaussian step 0.01 per coordinate, no returns), for the computation
// and for PREFIX; PH_FAMILY=projected uses the walk whose points, not its state, are put on
// the sphere (SphereWalkPoints, tests/support/walk_cloud.h); PH_EPS=ε > 0 computes the approximate (sparse Rips) diagram and prints
// the share of edges the sparse filtration kept; PH_BACKEND=dense|sparse forces the
// reduction's backend (default: ComputeApproximateRips's rule); PH_PHASES=1 first times
// the greedy permutation and the graph of kept edges on their own (MAXDIM=-1: only that;
// PH_GRAPH=gemm|range forces how the edges are found there), and without PH_EPS prints
// on stderr when each phase of the exact kernel ends (RipsOptions::on_phase), in seconds
// from the start: a phase's time is then measured apart from the others'. MAXDIM=-2
// with PH_EPS=a,b,… only counts the kept edges for each ε after one greedy permutation,
// and prints the memory a maxdim-2 run would need (nothing of the edges' size is allocated).
// PH_RANK_TIES=0 runs the exact kernel on the float lengths, without the rank keys that
// break their ties by the double distance (edge_ranks.h): the same diagram, for timings.
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include "panic/store/npy_codec.h"
#include "panic/tda/rips.h"
#include "panic/tda/rips_input.h"
#include "panic/tda/rips_sparse.h"
#include "panic/tda/sparse_rips_graph.h"
#include "panic/tda/sparse_rips_memory.h"
#include "panic/tda/sparse_rips_range.h"
#include "support/walk_cloud.h"


namespace {

int WriteCloud(const std::string& prefix, const std::vector<float>& points, size_t n, size_t dim) {
  const std::string npy = panic::store::EncodeNpy(panic::store::MakeNpyFloat32(points, {n, dim}));
  std::FILE* f = std::fopen((prefix + ".npy").c_str(), "wb");
  std::FILE* t = std::fopen((prefix + ".txt").c_str(), "w");
  bool ok = f && t && std::fwrite(npy.data(), 1, npy.size(), f) == npy.size();
  for (size_t i = 0; ok && i < n; ++i) {
    for (size_t k = 0; k < dim; ++k) std::fprintf(t, k ? ",%.9g" : "%.9g", static_cast<double>(points[i * dim + k]));
    std::fputc('\n', t);
  }
  if (f && std::fclose(f) != 0) ok = false;
  if (t && std::fclose(t) != 0) ok = false;
  if (!ok) std::fprintf(stderr, "cannot write %s.npy / %s.txt\n", prefix.c_str(), prefix.c_str());
  return ok ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
  size_t n = argc > 1 ? std::strtoul(argv[1], nullptr, 10) : 1000;
  int maxdim = argc > 2 ? std::atoi(argv[2]) : 2;
  int threads = argc > 3 ? std::atoi(argv[3]) : 1;
  size_t dim = argc > 4 ? std::strtoul(argv[4], nullptr, 10) : 768;
  uint64_t seed = argc > 5 ? std::strtoull(argv[5], nullptr, 10) : 1;
  const char* family_env = std::getenv("PH_FAMILY");
  const std::string family = family_env ? family_env : "walk";
  const bool sphere = family == "sphere";
  if (family != "walk" && family != "sphere" && family != "projected") {
    std::fprintf(stderr, "PH_FAMILY=%s: expected walk, sphere or projected\n", family.c_str());
    return 2;
  }
  const char* eps_env = std::getenv("PH_EPS");
  const double eps = eps_env ? std::strtod(eps_env, nullptr) : 0.0;
  std::vector<float> points = family == "walk" ? panic::testing::WalkCloudPoints(n, dim, seed)
                                               : panic::testing::SphereWalkPoints(n, dim, seed, sphere);
  if (argc > 6) return WriteCloud(argv[6], points, n, dim);
  panic::tda::RipsOptions options;
  options.maxdim = maxdim;
  options.threads = threads;
  // PH_MEMORY_GIB: the memory limit (default 64: the figures are about time).
  const char* memory_env = std::getenv("PH_MEMORY_GIB");
  options.memory_limit_bytes = static_cast<size_t>((memory_env ? std::strtod(memory_env, nullptr) : 64.0) *
                                                   double(size_t{1} << 30));
  auto start = std::chrono::steady_clock::now();
  panic::Result<panic::tda::Diagram> diagram = panic::Status::Internal("not run");
  double kept = 1;
  const char* backend_env = std::getenv("PH_BACKEND");
  const std::string backend_name = backend_env ? backend_env : "auto";
  using panic::tda::internal::ApproximateBackend;
  if (backend_name != "auto" && backend_name != "dense" && backend_name != "sparse") {
    std::fprintf(stderr, "PH_BACKEND=%s: expected auto, dense or sparse\n", backend_name.c_str());
    return 2;
  }
  const ApproximateBackend backend = backend_name == "dense"    ? ApproximateBackend::kDense
                                     : backend_name == "sparse" ? ApproximateBackend::kSparse
                                                                : ApproximateBackend::kAuto;
  if (eps > 0 && maxdim == -2) {
    // Count only: the greedy permutation once, then for each ε of PH_EPS (a comma list)
    // the kept edges counted (nothing of their size stored) and the memory the maxdim-2
    // run would need on either backend (sparse_rips_memory.h).
    namespace in = panic::tda::internal;
    auto since = [](auto t) { return std::chrono::duration<double>(std::chrono::steady_clock::now() - t).count(); };
    auto t0 = std::chrono::steady_clock::now();
    const in::CloudMetric metric(points, n, dim, options.metric);
    size_t evaluations = 0;
    in::GreedyTree tree;
    const std::vector<double> lambda = in::GreedyInsertionRadii(metric, nullptr, &evaluations, &tree);
    std::printf("greedy n=%zu family=%s seconds=%.3f distance_evaluations=%zu (%.2f%% of the pairs)\n", n, family.c_str(),
                since(t0), evaluations, 100.0 * double(evaluations) / (0.5 * double(n) * double(n - 1)));
    std::fflush(stdout);
    for (const char* e = eps_env; e != nullptr && *e != '\0';) {
      char* rest = nullptr;
      const double one = std::strtod(e, &rest);
      auto t1 = std::chrono::steady_clock::now();
      const char* graph_env = std::getenv("PH_GRAPH");
      const bool range = graph_env ? std::string(graph_env) == "range" : in::RangeSearchPays(n, evaluations);
      auto search = range ? in::MakeRangeSearch(metric, lambda, tree, one, options.threshold, threads)
                          : in::MakeScreenSearch(metric, lambda, one, options.threshold, threads);
      const in::KeptEdgeCount count = search->Count();
      const in::ApproximateMemoryNeed need = in::EstimateApproximateMemory(count, n, 2, threads, search->ScratchBytes());
      std::printf("count n=%zu family=%s eps=%g graph=%s seconds=%.3f edges=%s%zu (%.2f%%) max_degree=%zu need_sparse=%s need_dense=%s\n",
                  n, family.c_str(), one, range ? "range" : "gemm", since(t1), count.exact ? "" : "<=", count.edges,
                  100.0 * double(count.edges) / (0.5 * double(n) * double(n - 1)), count.max_degree,
                  panic::core::ByteText(double(need.Sparse())).c_str(), panic::core::ByteText(double(need.Dense())).c_str());
      std::fflush(stdout);
      e = *rest == ',' ? rest + 1 : nullptr;
    }
    return 0;
  }
  if (eps > 0 && std::getenv("PH_PHASES")) {
    // The sparse backend's phases one by one (no threshold given: (1 + ε) R).
    namespace in = panic::tda::internal;
    auto t0 = std::chrono::steady_clock::now();
    auto since = [](auto t) { return std::chrono::duration<double>(std::chrono::steady_clock::now() - t).count(); };
    const in::CloudMetric metric(points, n, dim, options.metric);
    size_t evaluations = 0;
    in::GreedyTree tree;
    const std::vector<double> lambda = in::GreedyInsertionRadii(metric, nullptr, &evaluations, &tree);
    const double greedy_s = since(t0);
    auto t1 = std::chrono::steady_clock::now();
    // PH_GRAPH=gemm|range forces the way the kept edges are found (default: the rule).
    const char* graph_env = std::getenv("PH_GRAPH");
    const bool range = graph_env ? std::string(graph_env) == "range" : in::RangeSearchPays(n, evaluations);
    auto built = range ? in::BuildSparseGraphByRange(metric, lambda, tree, eps, options.threshold, threads,
                                                     options.memory_limit_bytes)
                       : in::BuildSparseGraph(metric, lambda, eps, options.threshold, threads, options.memory_limit_bytes);
    if (!built.ok()) {
      std::fprintf(stderr, "%s\n", built.status().ToString().c_str());
      return 1;
    }
    const double graph_s = since(t1);
    // The net-tree radii against the scale of the filtration: a pair can be left out
    // only beyond (2 + ε)(1 + ε)/ε · min(λ_p, λ_q), so when that exceeds the threshold for
    // the smallest λ every pair within the threshold is kept.
    std::vector<double> radii(lambda.begin() + 1, lambda.end());
    std::sort(radii.begin(), radii.end());
    auto quantile = [&](double q) { return radii.empty() ? 0.0 : radii[static_cast<size_t>(q * double(radii.size() - 1))]; };
    size_t max_degree = 0;
    for (size_t v = 0; v < n; ++v) max_degree = std::max(max_degree, built->graph.row(v).size());
    std::printf("phases n=%zu eps=%g greedy_s=%.3f distance_evaluations=%zu graph=%s graph_s=%.3f edges=%zu (%.2f%%) max_degree=%zu graph_bytes=%zu threshold=%g enclosing_radius=%g lambda_min=%g lambda_q10=%g lambda_median=%g lambda_q90=%g reach_min=%g\n",
                n, eps, greedy_s, evaluations, range ? "range" : "gemm", graph_s, built->graph.num_edges(),
                100.0 * double(built->graph.num_edges()) / (0.5 * double(n) * double(n - 1)), max_degree, built->graph.bytes(),
                static_cast<double>(built->threshold), static_cast<double>(built->enclosing_radius), quantile(0), quantile(0.1),
                quantile(0.5), quantile(0.9), (2 + eps) * (1 + eps) / eps * quantile(0));
    std::fflush(stdout);
    if (maxdim < 0) return 0;
  }
  std::string used = "exact";
  size_t edges = 0;
  if (eps > 0) {
    panic::tda::internal::ApproximateTimings t;
    auto approx = panic::tda::internal::ComputeApproximateRipsWith(points, n, dim, options, eps, backend, &t);
    std::printf("timings greedy_s=%.2f count_s=%.2f fill_s=%.2f reduction_s=%.2f (apparent_s=%.2f dim0_s=%.2f columns_s=%.2f of which assemble_s=%.2f)\n",
                t.greedy, t.count, t.fill, t.reduction, t.apparent, t.dim0, t.columns, t.assemble);
    if (approx.ok()) {
      kept = double(approx->edges_kept) / double(std::max<size_t>(approx->edges_total, 1));
      edges = approx->edges_kept;
      used = approx->sparse_backend ? "sparse" : "dense";
      diagram = std::move(approx->diagram);
    } else {
      diagram = approx.status();
    }
  } else {
    const char* rank_env = std::getenv("PH_RANK_TIES");
    const bool rank_ties = rank_env == nullptr || std::string(rank_env) != "0";
    if (std::getenv("PH_PHASES")) {
      // Each phase's end, in seconds from the start (RipsOptions::on_phase), on stderr.
      options.on_phase = [start](std::string_view phase) {
        const double at = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
        std::fprintf(stderr, "phase %9.2f s  %.*s\n", at, static_cast<int>(phase.size()), phase.data());
      };
    }
    diagram = panic::tda::internal::ComputeRipsOfCloud(points, n, dim, options, rank_ties);
  }
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  if (!diagram.ok()) {
    std::fprintf(stderr, "%s\n", diagram.status().ToString().c_str());
    return 1;
  }
  std::printf("n=%zu dim=%zu family=%s maxdim=%d threads=%d eps=%g backend=%s edges=%zu edges_kept=%.4f seconds=%.3f bars=",
              n, dim, family.c_str(), maxdim, threads, eps, used.c_str(), edges, kept, seconds);
  for (size_t d = 0; d < diagram->num_dimensions(); ++d) {
    std::printf("%s%zu", d ? "/" : "", diagram->bars(d).size());
  }
  std::printf("\n");
  return 0;
}
