// Clustering benchmarks of issue 11 on caption-like data (D = 768, 40 clusters on the
// sphere, 45 % uniform noise): one case per invocation, so that the peak RSS printed is
// that case's own.
//
//   ninja -C build bench_cluster
//   ./build/bench/bench_cluster exact 10000 [--compare-r 4000]   # ≤ 3 s; R dbscan beside it
//   ./build/bench/bench_cluster exact 50000                      # ≤ 60 s, O(n·D) memory
//   ./build/bench/bench_cluster approximate 200000 [--compare-exact]
//   ./build/bench/bench_cluster optics 10000 [--compare-sklearn]
//   ./build/bench/bench_cluster knn-recall 50000   # approximate lists and cores vs exact
//   options: --threads T (default: all cores), --dim D, --noise F, --seed S
//
// Output: one line per measurement, "case n path seconds peak_rss_mib clusters noise
// ari_vs_truth [ari_vs_<other>]", and on stderr the wall and CPU seconds. Parameters are the reference defaults
// (min_cluster_size = min_samples = max(2, ⌊0.001 n⌋)) with epsilon 0, so that R's
// dbscan::hdbscan (minPts, no epsilon) computes the same thing.
#include <sys/resource.h>

#include <time.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>
#include <vector>

#include "../tests/cluster/caption_like_data.h"
#include "panic/cluster/agreement.h"
#include "panic/cluster/approximate_neighbors.h"
#include "panic/cluster/exact_neighbors.h"
#include "panic/cluster/unit_rows.h"
#include "panic/cluster/hdbscan.h"
#include "panic/cluster/optics.h"
#include "panic/core/parallel.h"

#include "bench_clock.h"

namespace {

using panic::bench::CpuSeconds;
using panic::bench::Seconds;

using panic::cluster::AdjustedRandIndex;

double PeakRssMib() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return static_cast<double>(u.ru_maxrss) / 1024.0;
}

size_t CountNoise(const std::vector<int32_t>& labels) {
  size_t k = 0;
  for (int32_t l : labels) k += l < 0;
  return k;
}

void WriteFloats(const std::string& path, const std::vector<float>& v) {
  std::ofstream out(path, std::ios::binary);
  out.write(reinterpret_cast<const char*>(v.data()), static_cast<std::streamsize>(v.size() * sizeof(float)));
}

std::vector<int32_t> ReadLabels(const std::string& path, int32_t offset) {
  std::vector<int32_t> labels;
  std::ifstream in(path);
  long v;
  while (in >> v) labels.push_back(static_cast<int32_t>(v + offset));
  return labels;
}

// Runs an oracle script that writes labels to `labels_path` and prints its own seconds.
double RunOracle(const std::string& command) {
  FILE* p = popen(command.c_str(), "r");
  if (p == nullptr) return -1;
  double seconds = -1;
  if (std::fscanf(p, "%lf", &seconds) != 1) seconds = -1;
  pclose(p);
  return seconds;
}

panic::cluster::Clustering RunHdbscan(const panic::testing::LabelledCloud& cloud,
                                      panic::cluster::HdbscanPath path, int threads, double* seconds) {
  panic::cluster::HdbscanOptions o = panic::cluster::ReferenceDefaults(cloud.n);
  o.cluster_selection_epsilon = 0.0;
  o.allow_single_cluster = false;
  o.path = path;
  o.threads = threads;
  auto t0 = std::chrono::steady_clock::now();
  const double cpu0 = CpuSeconds();
  auto r = panic::cluster::Hdbscan(cloud.values, cloud.n, cloud.dim, o);
  *seconds = Seconds(t0);
  std::fprintf(stderr, "  %s n=%zu: wall %.2f s, cpu %.2f s\n", r.ok() && r->exact ? "exact" : "approximate",
               cloud.n, *seconds, CpuSeconds() - cpu0);
  if (!r.ok()) {
    std::fprintf(stderr, "%s\n", r.status().ToString().c_str());
    std::exit(1);
  }
  std::fprintf(stderr, "  (neighbours %.2f s, tree %.2f s, selection %.2f s, medoids %.2f s)\n",
               r->neighbors_seconds, r->tree_seconds, r->selection_seconds, r->medoid_seconds);
  return std::move(r).value();
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 3) {
    std::fprintf(stderr, "usage: %s exact|approximate|optics N [--compare-r N2] [--compare-exact] "
                         "[--compare-sklearn] [--threads T] [--dim D] [--noise F] [--seed S]\n", argv[0]);
    return 2;
  }
  const std::string mode = argv[1];
  const size_t n = std::strtoull(argv[2], nullptr, 10);
  int threads = panic::DefaultThreads();
  size_t dim = 768, compare_r = 0;
  double noise = 0.45;
  uint64_t seed = 1;
  bool compare_exact = false, compare_sklearn = false;
  for (int i = 3; i < argc; ++i) {
    const std::string a = argv[i];
    auto next = [&] { return i + 1 < argc ? std::string(argv[++i]) : std::string("0"); };
    if (a == "--threads") threads = std::stoi(next());
    else if (a == "--dim") dim = std::stoul(next());
    else if (a == "--noise") noise = std::stod(next());
    else if (a == "--seed") seed = std::stoull(next());
    else if (a == "--compare-r") compare_r = std::stoul(next());
    else if (a == "--compare-exact") compare_exact = true;
    else if (a == "--compare-sklearn") compare_sklearn = true;
  }
  auto t0 = std::chrono::steady_clock::now();
  const auto cloud = panic::testing::CaptionLikeCloud(n, dim, 40, noise, 0.6, seed);
  std::fprintf(stderr, "data: %zu × %zu in %.1f s, %d threads\n", n, dim, Seconds(t0), threads);

  if (mode == "exact" || mode == "approximate") {
    const auto path = mode == "exact" ? panic::cluster::HdbscanPath::kExact : panic::cluster::HdbscanPath::kApproximate;
    double seconds = 0;
    auto c = RunHdbscan(cloud, path, threads, &seconds);
    std::printf("hdbscan %zu %s %.2f %.0f %zu %zu %.4f", n, mode.c_str(), seconds, PeakRssMib(), c.clusters,
                CountNoise(c.labels), AdjustedRandIndex(c.labels, cloud.truth));
    if (compare_exact && path == panic::cluster::HdbscanPath::kApproximate) {
      double exact_seconds = 0;
      auto e = RunHdbscan(cloud, panic::cluster::HdbscanPath::kExact, threads, &exact_seconds);
      std::printf(" ari_vs_exact=%.4f (exact %.2f s)", AdjustedRandIndex(c.labels, e.labels), exact_seconds);
    }
    std::printf("\n");
    if (compare_r > 0) {
      const auto small = panic::testing::CaptionLikeCloud(compare_r, dim, 40, noise, 0.6, seed);
      double ours_seconds = 0;
      auto ours = RunHdbscan(small, panic::cluster::HdbscanPath::kExact, threads, &ours_seconds);
      const std::string in = "/tmp/bench_cluster_x.f32", out = "/tmp/bench_cluster_r.txt";
      WriteFloats(in, small.values);  // rows are already of length 1
      const size_t min_pts = panic::cluster::ReferenceDefaults(compare_r).min_samples;
      const std::string script =
          "a <- commandArgs(TRUE); n <- as.integer(a[2]); d <- as.integer(a[3]);"
          "x <- matrix(readBin(a[1], 'double', n * d, size = 4), nrow = n, byrow = TRUE);"
          "t <- system.time(cl <- dbscan::hdbscan(x, minPts = as.integer(a[4])))[['elapsed']];"
          "writeLines(as.character(cl\\$cluster), a[5]); cat(t, '\\n')";
      const double r_seconds = RunOracle("Rscript -e \"" + script + "\" " + in + " " + std::to_string(compare_r) +
                                         " " + std::to_string(dim) + " " + std::to_string(min_pts) + " " + out);
      const auto r_labels = ReadLabels(out, -1);
      std::printf("hdbscan %zu exact %.2f - %zu %zu %.4f r_dbscan_seconds=%.2f ari_vs_r=%.4f\n", compare_r,
                  ours_seconds, ours.clusters, CountNoise(ours.labels), AdjustedRandIndex(ours.labels, small.truth),
                  r_seconds, r_labels.size() == compare_r ? AdjustedRandIndex(ours.labels, r_labels) : -1.0);
    }
    return 0;
  }
  if (mode == "knn-recall") {
    // The approximate path's kNN lists and core distances against the exact ones (the
    // same k and min_samples as `approximate N` uses): recall@k, and the core distances'
    // median and 99th-percentile relative error.
    namespace ci = panic::cluster::internal;
    const auto defaults = panic::cluster::ReferenceDefaults(n);
    const size_t k = std::clamp<size_t>(defaults.min_samples - 1, 16, 64);
    const ci::UnitRows rows = ci::NormalizeRows(cloud.values, n, dim);
    auto t1 = std::chrono::steady_clock::now();
    double cpu0 = CpuSeconds();
    const ci::ApproximateNeighbors approx = ci::FindApproximateNeighbors(rows, k, defaults.min_samples, 0, threads);
    std::fprintf(stderr, "  approximate lists: wall %.2f s, cpu %.2f s\n", Seconds(t1), CpuSeconds() - cpu0);
    t1 = std::chrono::steady_clock::now();
    cpu0 = CpuSeconds();
    const ci::Neighbors exact = ci::ExactNeighbors(rows, std::max(k, defaults.min_samples - 1), threads);
    std::fprintf(stderr, "  exact lists: wall %.2f s, cpu %.2f s\n", Seconds(t1), CpuSeconds() - cpu0);
    size_t hits = 0;
    std::vector<double> core_error(n);
    for (size_t i = 0; i < n; ++i) {
      const uint32_t* a = approx.neighbors.indices(i);
      const uint32_t* e = exact.indices(i);
      std::vector<uint32_t> truth(e, e + approx.neighbors.k);
      std::sort(truth.begin(), truth.end());
      for (size_t t = 0; t < approx.neighbors.k; ++t) hits += std::binary_search(truth.begin(), truth.end(), a[t]);
      const double core = exact.distances(i)[defaults.min_samples - 2];
      core_error[i] = core > 0 ? std::abs(approx.core[i] - core) / core : 0.0;
    }
    std::sort(core_error.begin(), core_error.end());
    std::printf("knn-recall %zu k=%zu recall=%.4f core_stride=%zu core_error_median=%.4f core_error_p99=%.4f\n", n,
                approx.neighbors.k, static_cast<double>(hits) / static_cast<double>(n * approx.neighbors.k),
                approx.core_sample_stride, core_error[n / 2], core_error[n * 99 / 100]);
    return 0;
  }
  if (mode == "optics") {
    panic::cluster::OpticsOptions o;
    o.min_samples = panic::cluster::ReferenceDefaults(n).min_samples;
    o.threads = threads;
    auto t1 = std::chrono::steady_clock::now();
    const double cpu0 = CpuSeconds();
    auto r = panic::cluster::Optics(cloud.values, cloud.n, cloud.dim, o);
    const double seconds = Seconds(t1);
    std::fprintf(stderr, "  optics n=%zu: wall %.2f s, cpu %.2f s\n", n, seconds, CpuSeconds() - cpu0);
    if (!r.ok()) {
      std::fprintf(stderr, "%s\n", r.status().ToString().c_str());
      return 1;
    }
    std::printf("optics %zu exact %.2f %.0f %zu %zu %.4f", n, seconds, PeakRssMib(), r->cluster_count,
                CountNoise(r->labels), AdjustedRandIndex(r->labels, cloud.truth));
    if (compare_sklearn) {
      const std::string in = "/tmp/bench_cluster_x.f32", out = "/tmp/bench_cluster_sk.txt";
      WriteFloats(in, cloud.values);
      const std::string script =
          "import sys, time, numpy as np\n"
          "from sklearn.cluster import OPTICS\n"
          "x = np.fromfile(sys.argv[1], dtype=np.float32).reshape(int(sys.argv[2]), int(sys.argv[3])).astype(np.float64)\n"
          "t = time.time(); o = OPTICS(min_samples=int(sys.argv[4])).fit(x); t = time.time() - t\n"
          "np.savetxt(sys.argv[5], o.labels_, fmt='%d'); print(t)\n";
      std::ofstream("/tmp/bench_cluster_sk.py") << script;
      const double sk_seconds = RunOracle("/usr/bin/python3 /tmp/bench_cluster_sk.py " + in + " " + std::to_string(n) +
                                          " " + std::to_string(dim) + " " + std::to_string(o.min_samples) + " " + out);
      const auto sk = ReadLabels(out, 0);
      std::printf(" sklearn_seconds=%.2f ari_vs_sklearn=%.4f", sk_seconds,
                  sk.size() == n ? AdjustedRandIndex(r->labels, sk) : -1.0);
    }
    std::printf("\n");
    return 0;
  }
  std::fprintf(stderr, "unknown case '%s'\n", mode.c_str());
  return 2;
}
