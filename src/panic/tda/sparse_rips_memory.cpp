#include "panic/tda/sparse_rips_memory.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>

#include "panic/tda/rips.h"
#include "panic/tda/sparse_rips_apparent.h"
#include "panic/tda/sparse_rips_reducer.h"

namespace panic::tda::internal {

std::string ByteText(double bytes) {
  char buf[32];
  if (bytes >= double(size_t{1} << 30)) {
    std::snprintf(buf, sizeof buf, "%.1f GiB", bytes / double(size_t{1} << 30));
  } else if (bytes >= double(size_t{1} << 20)) {
    std::snprintf(buf, sizeof buf, "%.1f MiB", bytes / double(size_t{1} << 20));
  } else {
    std::snprintf(buf, sizeof buf, "%.0f bytes", bytes);
  }
  return buf;
}

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
  std::string parts = "neighbour lists " + ByteText(static_cast<double>(need.lists));
  if (need.cofacets > 0) parts += ", the edges' cofacets " + ByteText(static_cast<double>(need.cofacets));
  if (need.blocks > need.edge_sort) {
    parts += ", the apparent-pair blocks at most " + ByteText(static_cast<double>(need.blocks));
  } else {
    parts += ", dimension 0's sorted edges " + ByteText(static_cast<double>(need.edge_sort));
  }
  parts += ", the rest " + ByteText(static_cast<double>(need.fixed));
  std::string eps_text;
  {
    char b[32];
    std::snprintf(b, sizeof b, "%g", epsilon);
    eps_text = b;
  }
  std::string msg = "n: at epsilon " + eps_text + " the sparse filtration of " +
                    std::to_string(n) + " points keeps " + (count.exact ? "" : "up to ") +
                    std::to_string(need.edges) + " edges (" + head + "), which need " +
                    ByteText(static_cast<double>(need.Sparse())) + " (" + parts +
                    "; the reduction's columns come on top), more than the memory limit of " +
                    ByteText(static_cast<double>(limit));
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
           ByteText(static_cast<double>(need.dense_kernel)) +
           " (the n × n matrix): give runs this long exact diagrams only where that fits "
           "(options.exact_up_to), subsample the cloud or raise the limit";
  } else {
    msg += "; raise epsilon (a larger epsilon keeps fewer edges), subsample the cloud or raise "
           "the limit";
  }
  return Status::InvalidArgument(msg);
}

}  // namespace panic::tda::internal
