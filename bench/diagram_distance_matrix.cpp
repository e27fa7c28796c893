// Diagram distances: panic-tda against Hera called directly, pair by pair, then the whole
// matrix of the Python reference's example experiment (1 200 H1 diagrams of ~300 bars).
//
//   bench_diagram_distance_matrix [--diagrams N] [--bars B] [--threads T] [--delta D]
//                                 [--pairs P] [--tight-delta D2] [--tight-pairs P2]
//                                 [--matrix w1|w2|bottleneck|sorted-l1|none]
//                                 [--solver exact|auction] [--seed S] [NPZ...]
//
// Diagrams: without NPZ files, synthetic H1 diagrams shaped like Rips H1 diagrams of
// embedding trajectories (see RipsLikeDiagram); with NPZ files (e.g. from `panic-tda tda
// ph --format npz`), each diagram is a resample of the pooled H1 bars of those files.
//
// Side by side (one thread, the same P random pairs, each metric): panic-tda's exact
// Wasserstein solver (tda/exact_wasserstein.h) and BottleneckDistance on prepared
// diagrams, against Hera's own entry points on std::vector<std::pair<double, double>>
// (hera::wasserstein_dist, as GUDHI calls it, at delta D — less accurate than ours —
// and, on the first P2 pairs, at delta D2, nearer our accuracy; for the bottleneck,
// Hera's exact algorithm through our bridge, the only TU that can include Hera's
// bottleneck header beside its Wasserstein one). Prints CPU and wall µs per pair
// (interleaved calls), the ratio, and the largest relative difference of the values
// (for Hera's auction it lies within its delta, above ours).
// Then the full matrix (default W1, exact) on T threads: wall time and pairs per second.
#include <hera/wasserstein/wasserstein.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <fstream>
#include <iterator>
#include <random>
#include <string>
#include <vector>

#include "panic/analysis/diagram_distance_matrix.h"
#include "panic/store/npz_codec.h"
#include "panic/tda/diagram_distance.h"
#include "panic/tda/exact_wasserstein.h"
#include "panic/tda/hera_distances.h"

#include "bench_clock.h"

namespace {

using panic::bench::CpuSeconds;
using panic::bench::Seconds;

using panic::tda::Bar;
using panic::tda::Bars;
using Clock = std::chrono::steady_clock;

// A guess at the shape of a Rips H1 diagram of an embedding trajectory, not a fit to one:
// births spread over the middle of the distance range, persistence heavy-tailed (most bars
// short, a few long). Give NPZ files of real diagrams to resample those instead.
Bars RipsLikeDiagram(std::mt19937_64& rng, size_t mean_bars) {
  std::poisson_distribution<size_t> count(static_cast<double>(mean_bars));
  std::normal_distribution<double> birth(0.55, 0.08);
  std::lognormal_distribution<double> persistence(std::log(0.012), 0.9);
  Bars bars;
  size_t n = count(rng);
  for (size_t i = 0; i < n; ++i) {
    double b = std::max(0.05, birth(rng));
    bars.push_back(Bar{static_cast<float>(b), static_cast<float>(b + persistence(rng))});
  }
  return bars;
}

// A diagram of about `mean_bars` bars drawn (with a little jitter) from the pooled bars.
Bars ResampledDiagram(std::mt19937_64& rng, const Bars& pool, size_t mean_bars) {
  std::poisson_distribution<size_t> count(static_cast<double>(mean_bars));
  std::uniform_int_distribution<size_t> pick(0, pool.size() - 1);
  std::normal_distribution<double> jitter(0.0, 0.002);
  Bars bars;
  size_t n = count(rng);
  for (size_t i = 0; i < n; ++i) {
    const Bar& src = pool[pick(rng)];
    double b = src.birth + jitter(rng), d = src.death + jitter(rng);
    if (d > b) bars.push_back(Bar{static_cast<float>(b), static_cast<float>(d)});
  }
  return bars;
}

std::vector<std::pair<double, double>> HeraInput(const Bars& bars) {
  std::vector<std::pair<double, double>> out;
  for (const Bar& b : bars) out.emplace_back(b.birth, b.death);
  return out;
}

struct SideBySide {
  double ours_us = 0, hera_us = 0, ours_cpu_us = 0, hera_cpu_us = 0, max_rel_diff = 0;
};

// Interleaved (ours then Hera on even pairs, Hera then ours on odd ones) so that a change
// in the machine's load falls on both alike; each call timed on its own.
template <typename Ours, typename Hera>
SideBySide Compare(const std::vector<std::pair<size_t, size_t>>& pairs, Ours ours, Hera hera) {
  SideBySide r;
  double ours_wall = 0, hera_wall = 0, ours_cpu = 0, hera_cpu = 0;
  auto timed = [](auto&& f, size_t i, size_t j, double& wall, double& cpu) {
    auto t = Clock::now();
    double c = CpuSeconds();
    double v = f(i, j);
    cpu += CpuSeconds() - c;
    wall += Seconds(t);
    return v;
  };
  for (size_t k = 0; k < pairs.size(); ++k) {
    auto [i, j] = pairs[k];
    double a = 0, b = 0;
    if (k % 2 == 0) {
      a = timed(ours, i, j, ours_wall, ours_cpu);
      b = timed(hera, i, j, hera_wall, hera_cpu);
    } else {
      b = timed(hera, i, j, hera_wall, hera_cpu);
      a = timed(ours, i, j, ours_wall, ours_cpu);
    }
    if (a != b) r.max_rel_diff = std::max(r.max_rel_diff, std::fabs(a - b) / std::max(std::fabs(b), 1e-300));
  }
  const double per_pair = 1e6 / static_cast<double>(pairs.size());
  r.ours_us = ours_wall * per_pair;
  r.hera_us = hera_wall * per_pair;
  r.ours_cpu_us = ours_cpu * per_pair;
  r.hera_cpu_us = hera_cpu * per_pair;
  return r;
}

// The 1-, 5- and 15-minute load averages, printed beside the timings (shared machine).
std::string LoadAverages() {
  std::ifstream in("/proc/loadavg");
  std::string one, five, fifteen;
  in >> one >> five >> fifteen;
  return one + " " + five + " " + fifteen;
}

void Print(const char* metric, const SideBySide& r) {
  std::printf("%-34s CPU ours %8.1f us/pair, hera %8.1f us/pair (ours/hera %.3f); wall %8.1f vs %8.1f us; "
              "max rel diff %.2e\n",
              metric, r.ours_cpu_us, r.hera_cpu_us, r.ours_cpu_us / r.hera_cpu_us, r.ours_us, r.hera_us,
              r.max_rel_diff);
}

}  // namespace

int main(int argc, char** argv) {
  size_t n = 1200, mean_bars = 300, sample_pairs = 2000, tight_pairs = 20;
  int threads = 2;
  double delta = panic::tda::kDefaultWassersteinDelta, tight_delta = 1e-6;
  std::string matrix = "w1", solver = "exact";
  uint64_t seed = 1;
  std::vector<std::string> npz_files;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    auto next = [&]() -> const char* {
      if (i + 1 >= argc) {
        std::fprintf(stderr, "%s needs a value\n", arg.c_str());
        std::exit(2);
      }
      return argv[++i];
    };
    if (arg == "--diagrams") n = std::strtoul(next(), nullptr, 10);
    else if (arg == "--bars") mean_bars = std::strtoul(next(), nullptr, 10);
    else if (arg == "--threads") threads = std::atoi(next());
    else if (arg == "--delta") delta = std::strtod(next(), nullptr);
    else if (arg == "--pairs") sample_pairs = std::strtoul(next(), nullptr, 10);
    else if (arg == "--tight-delta") tight_delta = std::strtod(next(), nullptr);
    else if (arg == "--tight-pairs") tight_pairs = std::strtoul(next(), nullptr, 10);
    else if (arg == "--solver") solver = next();
    else if (arg == "--matrix") matrix = next();
    else if (arg == "--seed") seed = std::strtoull(next(), nullptr, 10);
    else if (arg.rfind("--", 0) == 0) {
      std::fprintf(stderr, "unknown option %s\n", arg.c_str());
      return 2;
    } else {
      npz_files.push_back(arg);
    }
  }
  if (n < 2) {
    std::fprintf(stderr, "--diagrams must be at least 2\n");
    return 2;
  }

  // The diagrams.
  std::mt19937_64 rng(seed);
  Bars pool;
  for (const std::string& path : npz_files) {
    std::ifstream in(path, std::ios::binary);
    std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    auto d = panic::store::DecodeDiagramNpz(bytes);
    if (!d.ok()) {
      std::fprintf(stderr, "%s: %s\n", path.c_str(), d.status().ToString().c_str());
      return 1;
    }
    for (const Bar& b : d->diagram.bars(1)) {
      if (!b.IsEssential()) pool.push_back(b);
    }
  }
  if (!npz_files.empty() && pool.empty()) {
    std::fprintf(stderr, "the NPZ files hold no finite H1 bars\n");
    return 1;
  }
  std::vector<Bars> diagrams;
  for (size_t i = 0; i < n; ++i) {
    diagrams.push_back(pool.empty() ? RipsLikeDiagram(rng, mean_bars) : ResampledDiagram(rng, pool, mean_bars));
  }
  size_t total_bars = 0;
  for (const Bars& d : diagrams) total_bars += d.size();
  std::printf("load average %s\n", LoadAverages().c_str());
  std::printf("%zu diagrams (%s), %.1f bars on average\n", n,
              pool.empty() ? "synthetic Rips-like H1" : "resampled from the NPZ files' H1 bars",
              static_cast<double>(total_bars) / static_cast<double>(n));

  // Side by side on the same sample of pairs, one thread.
  std::vector<panic::tda::PreparedBars> prepared;
  std::vector<std::vector<std::pair<double, double>>> hera_input;
  for (const Bars& d : diagrams) {
    prepared.push_back(panic::tda::PrepareBars(d).value());
    hera_input.push_back(HeraInput(d));
  }
  std::vector<std::pair<size_t, size_t>> pairs;
  std::uniform_int_distribution<size_t> pick(0, n - 1);
  while (pairs.size() < sample_pairs) {
    size_t i = pick(rng), j = pick(rng);
    if (i != j) pairs.emplace_back(i, j);
  }
  if (!pairs.empty()) {  // --pairs 0: the matrix alone
    std::printf("side by side, 1 thread, %zu pairs; Hera's auction at delta %g (and %g on %zu pairs):\n",
                pairs.size(), delta, tight_delta, std::min(tight_pairs, pairs.size()));
    const std::vector<std::pair<size_t, size_t>> tight(pairs.begin(),
                                                       pairs.begin() + static_cast<std::ptrdiff_t>(std::min(tight_pairs, pairs.size())));
    for (double p : {1.0, 2.0}) {
      auto ours = [&](size_t i, size_t j) { return panic::tda::ExactWassersteinDistance(prepared[i], prepared[j], p).value(); };
      auto hera_at = [&](double d) {
        return [&, d](size_t i, size_t j) {
          hera::AuctionParams<double> params;
          params.wasserstein_power = p;
          params.delta = d;
          params.internal_p = hera::get_infinity<double>();
          return hera::wasserstein_dist(hera_input[i], hera_input[j], params);
        };
      };
      std::string name = p == 1 ? "W1" : "W2";
      Print((name + " exact vs Hera delta " + std::to_string(delta)).c_str(), Compare(pairs, ours, hera_at(delta)));
      if (!tight.empty()) {
        Print((name + " exact vs Hera delta " + std::to_string(tight_delta)).c_str(), Compare(tight, ours, hera_at(tight_delta)));
      }
    }
    Print("bottleneck",
          Compare(
              pairs, [&](size_t i, size_t j) { return panic::tda::BottleneckDistance(prepared[i], prepared[j]); },
              [&](size_t i, size_t j) { return panic::tda::internal::HeraBottleneckExact(hera_input[i], hera_input[j]); }));
  }

  // The whole matrix.
  if (matrix == "none") return 0;
  panic::analysis::DiagramDistanceOptions options;
  options.threads = threads;
  options.delta = delta;
  if (solver == "auction") {
    options.solver = panic::analysis::WassersteinSolver::kAuction;
  } else if (solver != "exact") {
    std::fprintf(stderr, "--solver: %s is not exact or auction\n", solver.c_str());
    return 2;
  }
  if (matrix == "w1" || matrix == "w2") {
    options.metric = panic::analysis::DiagramMetric::kWasserstein;
    options.order = matrix == "w1" ? 1.0 : 2.0;
  } else if (matrix == "bottleneck") {
    options.metric = panic::analysis::DiagramMetric::kBottleneck;
  } else if (matrix == "sorted-l1") {
    options.metric = panic::analysis::DiagramMetric::kSortedPersistenceL1;
  } else {
    std::fprintf(stderr, "--matrix: %s is not w1, w2, bottleneck, sorted-l1 or none\n", matrix.c_str());
    return 2;
  }
  std::vector<Bars> bars(diagrams.begin(), diagrams.end());
  auto t = Clock::now();
  double cpu = CpuSeconds();
  auto m = panic::analysis::ComputeDiagramDistanceMatrix(bars, options);
  double seconds = Seconds(t), cpu_seconds = CpuSeconds() - cpu;
  if (!m.ok()) {
    std::fprintf(stderr, "%s\n", m.status().ToString().c_str());
    return 1;
  }
  double pair_count = static_cast<double>(n) * static_cast<double>(n - 1) / 2;
  double checksum = 0;
  for (double v : m->values) checksum += v;
  std::printf("matrix %s (%s): %zu diagrams, %.0f pairs, %d threads: wall %.1f s (%.0f pairs/s), CPU %.1f s "
              "(%.1f us/pair), checksum %.6g\n",
              panic::analysis::DiagramMetricName(options).c_str(),
              options.metric == panic::analysis::DiagramMetric::kWasserstein ? solver.c_str() : "-", n, pair_count, threads, seconds,
              pair_count / seconds, cpu_seconds, cpu_seconds * 1e6 / pair_count, checksum);
  std::printf("load average %s\n", LoadAverages().c_str());
  return 0;
}
