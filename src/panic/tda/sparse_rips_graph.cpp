#include "panic/tda/sparse_rips_graph.h"

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstdio>
#include <limits>
#include <string>

#include "panic/core/blas.h"
#include "panic/core/parallel.h"
#include "panic/tda/distance_matrix.h"

namespace panic::tda::internal {
namespace {

constexpr float kInf = std::numeric_limits<float>::infinity();

std::string Bytes(double bytes) {
  char buf[32];
  if (bytes >= double(size_t{1} << 30)) {
    std::snprintf(buf, sizeof buf, "%.1f GiB", bytes / double(size_t{1} << 30));
  } else {
    std::snprintf(buf, sizeof buf, "%.1f MiB", bytes / double(size_t{1} << 20));
  }
  return buf;
}

}  // namespace

// ---- the kept edges ---------------------------------------------------------------

float SparseGraph::Length(uint32_t u, uint32_t v) const {
  auto r = row(u);
  auto it = std::lower_bound(r.begin(), r.end(), v,
                             [](const Neighbor& a, uint32_t b) { return a.vertex < b; });
  return it != r.end() && it->vertex == v ? it->length : kInf;
}

namespace {

constexpr size_t kBlock = 256;  // rows per Gram tile

using Edge = SparseEdge;

}  // namespace

float CjsWeight(float d, double mu, double epsilon) {
  if (d <= 2 * mu) return d;
  if (d <= (2 + epsilon) * mu) {
    return std::nextafter(static_cast<float>(2 * (d - mu)), kInf);
  }
  return kInf;
}

Result<SparseGraphResult> BuildSparseGraph(const CloudMetric& metric,
                                           const std::vector<double>& lambda, double epsilon,
                                           float threshold, int threads,
                                           size_t memory_limit_bytes) {
  blas::UseSingleThreadedBlas();
  const size_t n = metric.n(), dim = metric.dim();
  const double scale = (1 + epsilon) / epsilon;
  const bool default_threshold = std::isnan(threshold);
  // An upper bound of the threshold before the pass: the enclosing radius is at most
  // the largest distance from any one point, here the minimum over a few sample rows.
  double bound = threshold;
  if (default_threshold) {
    double r0 = std::numeric_limits<double>::infinity();
    const size_t samples = std::min<size_t>(n, 16);
    for (size_t s = 0; s < samples; ++s) {
      const size_t i = s * n / samples;
      float m = 0;
      for (size_t j = 0; j < n; ++j) m = std::max(m, j == i ? 0.0f : metric.Distance(i, j));
      r0 = std::min(r0, static_cast<double>(m));
    }
    bound = std::nextafter(static_cast<float>((1 + epsilon) * r0), kInf);
  }
  // Rows as float for the Gram tiles; the filter's rounding margin on a squared chord
  // is (dim + 8) · 2⁻²⁴ · (‖x‖² + ‖y‖²): the float dot product's error is at most
  // dim · 2⁻²⁴ · Σ|x_k y_k| ≤ dim · 2⁻²⁴ · ‖x‖‖y‖ (and it enters twice), the rounding
  // of scaled rows to float adds 2 · 2⁻²⁴ · ‖x‖‖y‖, and the norms are exact to 2⁻⁵⁰.
  const size_t blocks = (n + kBlock - 1) / kBlock;
  std::vector<std::pair<size_t, size_t>> tiles;
  for (size_t a = 0; a < blocks; ++a) {
    for (size_t b = 0; b <= a; ++b) tiles.emplace_back(a, b);
  }
  const double margin_factor = (static_cast<double>(dim) + 8) * std::ldexp(1.0, -24);
  const int workers = std::max(threads, 1);
  struct Scratch {
    std::vector<float> xa, xb, gram;
    std::vector<Edge> edges;
    std::vector<double> row_lo, row_hi;  // bounds of each row's largest squared chord
  };
  std::vector<Scratch> scratch(static_cast<size_t>(workers));
  for (Scratch& s : scratch) {
    s.row_lo.assign(default_threshold ? n : 0, 0.0);
    s.row_hi.assign(default_threshold ? n : 0, 0.0);
  }
  const double bound_chord = metric.ToChord(bound);
  // Each candidate edge costs its Edge now and two Neighbors later: the pass stops once
  // the edges found so far cannot fit the limit.
  constexpr size_t kEdgeBytes = sizeof(Edge) + 2 * sizeof(SparseGraph::Neighbor);
  std::atomic<size_t> collected{0};
  std::atomic<bool> over{false};
  ParallelFor(tiles.size(), 1, workers, [&](size_t begin, size_t end, int worker) {
    Scratch& s = scratch[static_cast<size_t>(worker)];
    if (over.load(std::memory_order_relaxed)) return;
    const size_t before = s.edges.size();
    s.xa.resize(kBlock * dim);
    s.xb.resize(kBlock * dim);
    s.gram.resize(kBlock * kBlock);
    for (size_t t = begin; t < end; ++t) {
      const size_t a0 = tiles[t].first * kBlock, b0 = tiles[t].second * kBlock;
      const size_t ma = std::min(kBlock, n - a0), mb = std::min(kBlock, n - b0);
      for (size_t r = 0; r < ma; ++r) metric.RowAsFloat(a0 + r, s.xa.data() + r * dim);
      for (size_t r = 0; r < mb; ++r) metric.RowAsFloat(b0 + r, s.xb.data() + r * dim);
      cblas_sgemm(blas::kRowMajor, blas::kNoTrans, blas::kTrans, static_cast<int>(ma),
                  static_cast<int>(mb), static_cast<int>(dim), 1.0f, s.xa.data(),
                  static_cast<int>(dim), s.xb.data(), static_cast<int>(dim), 0.0f, s.gram.data(),
                  static_cast<int>(mb));
      for (size_t r = 0; r < ma; ++r) {
        const size_t i = a0 + r;
        const double ni = metric.SquaredNorm(i);
        for (size_t c = 0; c < mb; ++c) {
          const size_t j = b0 + c;
          if (j >= i) break;
          const double sum = ni + metric.SquaredNorm(j);
          const double sq = sum - 2.0 * static_cast<double>(s.gram[r * mb + c]);
          const double margin = margin_factor * sum + 1e-300;
          if (default_threshold) {
            const double lo = std::max(sq - margin, 0.0), hi = sq + margin;
            s.row_lo[i] = std::max(s.row_lo[i], lo);
            s.row_lo[j] = std::max(s.row_lo[j], lo);
            s.row_hi[i] = std::max(s.row_hi[i], hi);
            s.row_hi[j] = std::max(s.row_hi[j], hi);
          }
          const double mu = scale * std::min(lambda[i], lambda[j]);
          const double cut = std::min(metric.ToChord((2 + epsilon) * mu), bound_chord);
          if (sq - margin > cut * cut) continue;
          const float w = CjsWeight(metric.Distance(i, j), mu, epsilon);
          if (w <= bound && w != kInf) {
            s.edges.push_back(Edge{static_cast<uint32_t>(i), static_cast<uint32_t>(j), w});
          }
        }
      }
    }
    const size_t total = collected.fetch_add(s.edges.size() - before) + s.edges.size() - before;
    if (total * kEdgeBytes > memory_limit_bytes) over = true;
  });
  if (over) return SparseEdgesOverLimit(n, collected.load(), memory_limit_bytes);
  SparseGraphResult out;
  out.threshold = static_cast<float>(bound);
  if (default_threshold) {
    // The enclosing radius, exactly (on these distances): only rows whose lower bound
    // is within the smallest upper bound can attain the minimum; their maxima are
    // computed directly, the rows in order of their lower bounds.
    std::vector<double> lo(n, 0.0), hi(n, 0.0);
    for (const Scratch& s : scratch) {
      for (size_t i = 0; i < n; ++i) {
        lo[i] = std::max(lo[i], s.row_lo[i]);
        hi[i] = std::max(hi[i], s.row_hi[i]);
      }
    }
    const double best_hi = n > 1 ? *std::min_element(hi.begin(), hi.end()) : 0.0;
    std::vector<std::pair<double, size_t>> rows;
    for (size_t i = 0; i < n; ++i) {
      if (lo[i] <= best_hi) rows.emplace_back(lo[i], i);
    }
    std::sort(rows.begin(), rows.end());
    float radius = n > 1 ? kInf : 0.0f;
    for (const auto& [low, i] : rows) {
      if (metric.FromChord(std::sqrt(low)) > radius) break;
      float m = 0;
      for (size_t j = 0; j < n; ++j) m = std::max(m, j == i ? 0.0f : metric.Distance(i, j));
      radius = std::min(radius, m);
    }
    out.enclosing_radius = radius;
    out.threshold = std::nextafter(static_cast<float>((1 + epsilon) * radius), kInf);
  }
  std::vector<std::vector<Edge>> parts;
  for (Scratch& s : scratch) parts.push_back(std::move(s.edges));
  return SparseGraphFromEdges(n, parts, out.enclosing_radius, out.threshold, workers,
                              memory_limit_bytes);
}

Status SparseEdgesOverLimit(size_t n, size_t edges, size_t memory_limit_bytes) {
  constexpr size_t kEdgeBytes = sizeof(Edge) + 2 * sizeof(SparseGraph::Neighbor);
  return Status::InvalidArgument(
      "n: the sparse filtration of " + std::to_string(n) + " points keeps more than " +
      std::to_string(edges) + " edges, whose lists need more than " +
      Bytes(static_cast<double>(edges * kEdgeBytes)) + ", more than the memory limit of " +
      Bytes(static_cast<double>(memory_limit_bytes)) +
      "; raise epsilon, subsample the cloud or raise the limit");
}

Result<SparseGraphResult> SparseGraphFromEdges(size_t n, std::vector<std::vector<SparseEdge>>& parts,
                                               float enclosing_radius, float threshold,
                                               int threads, size_t memory_limit_bytes) {
  const int workers = std::max(threads, 1);
  SparseGraphResult out;
  out.enclosing_radius = enclosing_radius;
  out.threshold = threshold;
  // The CSR lists, both directions, within the threshold.
  size_t kept = 0;
  for (const std::vector<Edge>& part : parts) {
    for (const Edge& e : part) kept += e.length <= out.threshold;
  }
  const size_t need = (n + 1) * sizeof(uint64_t) + 2 * kept * sizeof(SparseGraph::Neighbor);
  if (need > memory_limit_bytes) {
    return Status::InvalidArgument(
        "n: the sparse filtration of " + std::to_string(n) + " points keeps " +
        std::to_string(kept) + " edges, whose lists need " + Bytes(static_cast<double>(need)) +
        ", more than the memory limit of " + Bytes(static_cast<double>(memory_limit_bytes)) +
        "; raise epsilon, subsample the cloud or raise the limit");
  }
  SparseGraph& g = out.graph;
  g.n = n;
  g.offsets.assign(n + 1, 0);
  for (const std::vector<Edge>& part : parts) {
    for (const Edge& e : part) {
      if (e.length > out.threshold) continue;
      ++g.offsets[e.i + 1];
      ++g.offsets[e.j + 1];
    }
  }
  for (size_t v = 0; v < n; ++v) g.offsets[v + 1] += g.offsets[v];
  g.neighbors.resize(g.offsets[n]);
  {
    std::vector<uint64_t> fill(g.offsets.begin(), g.offsets.end() - 1);
    for (std::vector<Edge>& part : parts) {
      for (const Edge& e : part) {
        if (e.length > out.threshold) continue;
        g.neighbors[fill[e.i]++] = SparseGraph::Neighbor{e.j, e.length};
        g.neighbors[fill[e.j]++] = SparseGraph::Neighbor{e.i, e.length};
      }
      std::vector<Edge>().swap(part);
    }
  }
  ParallelFor(n, 256, workers, [&](size_t begin, size_t end, int) {
    for (size_t v = begin; v < end; ++v) {
      std::sort(g.neighbors.begin() + static_cast<ptrdiff_t>(g.offsets[v]),
                g.neighbors.begin() + static_cast<ptrdiff_t>(g.offsets[v + 1]),
                [](const SparseGraph::Neighbor& a, const SparseGraph::Neighbor& b) {
                  return a.vertex < b.vertex;
                });
    }
  });
  return out;
}

}  // namespace panic::tda::internal