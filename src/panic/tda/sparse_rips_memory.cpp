#include "panic/tda/sparse_rips_memory.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>
#include <random>

#include "panic/core/parallel.h"
#include "panic/tda/rips.h"
#include "panic/tda/sparse_rips_apparent.h"
#include "panic/tda/sparse_rips_reducer.h"

namespace panic::tda::internal {

size_t ApproximateMemoryNeed::Sparse() const {
  return fixed + lists + cofacets + std::max(blocks, edge_sort);
}

size_t ApproximateMemoryNeed::Dense() const {
  return fixed + std::max(matrix + lists, dense_kernel);
}

ApproximateMemoryNeed EstimateApproximateMemory(const KeptEdgeCount& count, size_t n, int maxdim,
                                                int threads, size_t scratch) {
  ApproximateMemoryNeed m;
  m.n = n;
  m.edges = count.edges;
  // CloudMetric: scale and squared norm (double each); the radii; GreedyTree: order,
  // parent (uint32 each), parent chord (double); the degree count (uint32).
  m.fixed = n * (2 * sizeof(double) + sizeof(double) + 2 * sizeof(uint32_t) + sizeof(double) +
                 sizeof(uint32_t)) +
            scratch;
  m.lists = SparseGraphBytes(n, count.edges);
  if (maxdim >= 1) {
    m.cofacets = EdgeCofacetsBytes(n, count.edges);
    m.blocks = ApparentBlockBytes(n, count.max_degree, threads);
  }
  m.edge_sort = SparseDim0Bytes(n, count.edges);
  const double nn = static_cast<double>(n);
  m.matrix = 4.0 * nn * nn >= 1.8e19 ? std::numeric_limits<size_t>::max() / 4 : n * n * 4;
  m.dense_kernel = std::min(RipsMemoryLowerBound(n, maxdim), std::numeric_limits<size_t>::max() / 4);
  return m;
}

Status ApproximateMemoryRefusal(const ApproximateMemoryNeed& need, const KeptEdgeCount& count,
                                const std::vector<double>& lambda, double epsilon,
                                size_t limit) {
  const size_t n = need.n;
  const double pairs = 0.5 * static_cast<double>(n) * static_cast<double>(n - 1);
  const double share = pairs > 0 ? static_cast<double>(need.edges) / pairs : 0;
  char head[160];
  std::snprintf(head, sizeof head, "%.1f %% of the pairs", 100 * share);
  std::string parts = "neighbour lists " + core::ByteText(static_cast<double>(need.lists));
  if (need.cofacets > 0) parts += ", the edges' cofacets " + core::ByteText(static_cast<double>(need.cofacets));
  if (need.blocks > need.edge_sort) {
    parts += ", the apparent-pair blocks at most " + core::ByteText(static_cast<double>(need.blocks));
  } else {
    parts += ", dimension 0's sorted edges " + core::ByteText(static_cast<double>(need.edge_sort));
  }
  parts += ", the rest " + core::ByteText(static_cast<double>(need.fixed));
  std::string eps_text;
  {
    char b[32];
    std::snprintf(b, sizeof b, "%g", epsilon);
    eps_text = b;
  }
  std::string msg = "n: at epsilon " + eps_text + " the sparse filtration of " +
                    std::to_string(n) + " points keeps " + (count.exact ? "" : "up to ") +
                    std::to_string(need.edges) + " edges (" + head + "), which need " +
                    core::ByteText(static_cast<double>(need.Sparse())) + " (" + parts +
                    "; the reduction's columns come on top), more than the memory limit of " +
                    core::ByteText(static_cast<double>(limit));
  if (share >= 0.9) {
    // Every ε keeps a pair up to (2 + ε)(1 + ε)/ε ≥ 3 + 2√2 ≈ 5.83 times the later
    // point's insertion radius: when that reaches the largest distances, nothing is left
    // out whatever ε.
    double smallest = std::numeric_limits<double>::infinity();
    for (size_t i = 1; i < lambda.size(); ++i) smallest = std::min(smallest, lambda[i]);
    char b[320];
    std::snprintf(b, sizeof b,
                  "; this cloud keeps (almost) every edge: its points are all far apart compared "
                  "with their spacing (smallest insertion radius %.3g, enclosing radius %.3g; "
                  "any epsilon keeps a pair up to at least 5.83 times the smaller radius, %.3g), "
                  "so a larger epsilon thins it out little",
                  smallest, static_cast<double>(count.enclosing_radius), 5.83 * smallest);
    msg += b;
    msg += "; its exact diagram needs at least " +
           core::ByteText(static_cast<double>(need.dense_kernel)) +
           " (the n × n matrix): give runs this long exact diagrams only where that fits "
           "(options.exact_up_to), subsample the cloud or raise the limit";
  } else {
    msg += "; raise epsilon (a larger epsilon keeps fewer edges), subsample the cloud or raise "
           "the limit";
  }
  return Status::InvalidArgument(msg);
}

Status EarlyApproximateCheck(const CloudMetric& metric, double epsilon, float threshold,
                             int maxdim, int threads, size_t limit) {
  const size_t n = metric.n();
  if (n < 3) return Status::Ok();
  const double pairs = 0.5 * static_cast<double>(n) * static_cast<double>(n - 1);
  KeptEdgeCount worst;
  worst.edges = static_cast<size_t>(pairs);
  worst.max_degree = n - 1;
  ApproximateMemoryNeed all = EstimateApproximateMemory(worst, n, maxdim, threads, 0);
  if (all.Sparse() <= limit || all.dense_kernel <= limit) return Status::Ok();
  // The sample: up to 256 distinct points, seeded by n (the same every run).
  const size_t m = std::min<size_t>(n, 256);
  std::vector<uint32_t> sample;
  {
    std::mt19937_64 rng(0x5eed0000u + n);
    std::vector<uint8_t> taken(n, 0);
    while (sample.size() < m) {
      const size_t i = static_cast<size_t>(rng() % n);
      if (!taken[i]) {
        taken[i] = 1;
        sample.push_back(static_cast<uint32_t>(i));
      }
    }
  }
  const int workers = std::max(threads, 1);
  // Per worker: the sample's nearest-neighbour distances and the smallest "largest
  // distance to the sample" of the rows it saw. Distances to the sample of the sampled
  // rows are kept for the pair test.
  std::vector<std::vector<double>> nearest(static_cast<size_t>(workers),
                                           std::vector<double>(m, std::numeric_limits<double>::infinity()));
  std::vector<double> row_min(static_cast<size_t>(workers), std::numeric_limits<double>::infinity());
  std::vector<uint32_t> slot(n, UINT32_MAX);
  for (size_t s = 0; s < m; ++s) slot[sample[s]] = static_cast<uint32_t>(s);
  std::vector<double> among(m * m, 0.0);  // distances between sampled points
  ParallelFor(n, 256, workers, [&](size_t begin, size_t end, int worker) {
    std::vector<double>& near = nearest[static_cast<size_t>(worker)];
    double& rmin = row_min[static_cast<size_t>(worker)];
    for (size_t i = begin; i < end; ++i) {
      double far = 0;
      for (size_t s = 0; s < m; ++s) {
        const double d = metric.Distance(i, sample[s]);
        far = std::max(far, d);
        if (i != sample[s]) near[s] = std::min(near[s], d);
        if (slot[i] != UINT32_MAX) among[slot[i] * m + s] = d;
      }
      rmin = std::min(rmin, far);
    }
  });
  std::vector<double> nn(m, std::numeric_limits<double>::infinity());
  for (const auto& near : nearest) {
    for (size_t s = 0; s < m; ++s) nn[s] = std::min(nn[s], near[s]);
  }
  const double radius_lo = *std::min_element(row_min.begin(), row_min.end());
  const double cut = std::isnan(threshold) ? (1 + epsilon) * radius_lo : threshold;
  // With μ ≥ μ_lo = (1 + ε)/ε · min(nn_s, nn_t): the pair is kept when d ≤ (2 + ε) μ_lo,
  // and its weight (d up to 2μ, then 2(d − μ), which falls as μ grows) is at most
  // d or 2(d − μ_lo); within the threshold's lower bound it is surely in the filtration.
  const double scale = (1 + epsilon) / epsilon;
  size_t kept = 0;
  for (size_t s = 0; s < m; ++s) {
    for (size_t t = 0; t < s; ++t) {
      const double d = among[s * m + t];
      const double mu_lo = scale * std::min(nn[s], nn[t]);
      const double weight_hi = d <= 2 * mu_lo ? d : 2 * (d - mu_lo);
      kept += d <= (2 + epsilon) * mu_lo && weight_hi <= cut;
    }
  }
  const double sampled = 0.5 * static_cast<double>(m) * static_cast<double>(m - 1);
  // Hoeffding for a U-statistic of order 2: ⌊m/2⌋ independent pairs' worth.
  const double slack = std::sqrt(std::log(1e6) / (2.0 * static_cast<double>(m / 2)));
  const double share_lo = static_cast<double>(kept) / sampled - slack;
  if (share_lo <= 0) return Status::Ok();
  KeptEdgeCount lo;
  lo.edges = static_cast<size_t>(share_lo * pairs);
  const ApproximateMemoryNeed need = EstimateApproximateMemory(lo, n, maxdim, threads, 0);
  if (need.Sparse() <= limit) return Status::Ok();
  const double near_lo = *std::min_element(nn.begin(), nn.end());
  char b[900];
  std::snprintf(
      b, sizeof b,
      "n: at epsilon %g the sparse filtration of %zu points keeps at least %zu edges (of a "
      "random sample of %zu points, %zu of their %.0f pairs are surely kept, %.1f %%, so with "
      "probability 1 - 1e-6 at least %.1f %% of all pairs are), which need at "
      "least %s for the lists, the edges' cofacets and dimension 0's sorted edges alone, "
      "more than the memory limit of %s; the exact diagram needs at least %s (the n × n "
      "matrix)%s",
      epsilon, n, lo.edges, m, kept, sampled, 100.0 * static_cast<double>(kept) / sampled,
      100 * share_lo, core::ByteText(static_cast<double>(need.Sparse())).c_str(),
      core::ByteText(static_cast<double>(limit)).c_str(),
      core::ByteText(static_cast<double>(need.dense_kernel)).c_str(),
      static_cast<double>(kept) >= 0.9 * sampled
          ? "; this cloud keeps (almost) every edge: its points are all far apart compared with "
            "their spacing (the sample's nearest neighbours are "
          : "; raise epsilon (a larger epsilon keeps fewer edges), subsample the cloud or raise "
            "the limit");
  std::string msg = b;
  if (static_cast<double>(kept) >= 0.9 * sampled) {
    char c[400];
    std::snprintf(c, sizeof c,
                  "%.3g or more away, the enclosing radius is at least %.3g; any epsilon keeps "
                  "a pair up to at least 5.83 times the smaller insertion radius), so a larger "
                  "epsilon thins it out little; give runs this long exact diagrams only where "
                  "the matrix fits (options.exact_up_to), subsample the cloud or raise the limit",
                  near_lo, radius_lo);
    msg += c;
  }
  return Status::InvalidArgument(msg);
}

}  // namespace panic::tda::internal
