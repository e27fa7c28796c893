#include "panic/tda/sparse_rips_graph.h"

#include <immintrin.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstdio>
#include <limits>
#include <queue>
#include <string>
#include <tuple>

#include "panic/core/blas.h"
#include "panic/core/parallel.h"
#include "panic/tda/distance_matrix.h"

namespace panic::tda::internal {
namespace {

constexpr float kInf = std::numeric_limits<float>::infinity();
// Relative slack on every pruning test of the greedy permutation: the chords are
// computed in double (relative error ≲ dim · 1e-16), so a test that holds in exact
// arithmetic holds with this slack in floating point.
constexpr double kSlack = 1 + 1e-9;

// Σ_k (a·x_k − b·y_k)² in double, in a fixed order (four lanes, two accumulators per
// lane set), so that a pair gives the same value every time and in either order (the
// squares of t and −t are equal). The AVX2 version is used where the CPU has it.
double SumSquaredDifference(const float* x, const float* y, size_t dim, double a, double b) {
  double acc[8] = {0, 0, 0, 0, 0, 0, 0, 0};
  size_t k = 0;
  for (; k + 8 <= dim; k += 8) {
    for (size_t q = 0; q < 8; ++q) {
      const double t = static_cast<double>(x[k + q]) * a - static_cast<double>(y[k + q]) * b;
      acc[q] += t * t;
    }
  }
  double tail = 0;
  for (; k < dim; ++k) {
    const double t = static_cast<double>(x[k]) * a - static_cast<double>(y[k]) * b;
    tail += t * t;
  }
  double s = 0;
  for (double v : acc) s += v;
  return s + tail;
}

__attribute__((target("avx2,fma"))) double SumSquaredDifferenceAvx2(const float* x,
                                                                    const float* y, size_t dim,
                                                                    double a, double b) {
  const __m256d va = _mm256_set1_pd(a), vb = _mm256_set1_pd(b);
  __m256d acc0 = _mm256_setzero_pd(), acc1 = _mm256_setzero_pd();
  size_t k = 0;
  for (; k + 8 <= dim; k += 8) {
    const __m256d x0 = _mm256_cvtps_pd(_mm_loadu_ps(x + k));
    const __m256d y0 = _mm256_cvtps_pd(_mm_loadu_ps(y + k));
    const __m256d x1 = _mm256_cvtps_pd(_mm_loadu_ps(x + k + 4));
    const __m256d y1 = _mm256_cvtps_pd(_mm_loadu_ps(y + k + 4));
    const __m256d t0 = _mm256_sub_pd(_mm256_mul_pd(x0, va), _mm256_mul_pd(y0, vb));
    const __m256d t1 = _mm256_sub_pd(_mm256_mul_pd(x1, va), _mm256_mul_pd(y1, vb));
    acc0 = _mm256_fmadd_pd(t0, t0, acc0);
    acc1 = _mm256_fmadd_pd(t1, t1, acc1);
  }
  alignas(32) double lanes[4];
  _mm256_store_pd(lanes, _mm256_add_pd(acc0, acc1));
  double tail = 0;
  for (; k < dim; ++k) {
    const double t = static_cast<double>(x[k]) * a - static_cast<double>(y[k]) * b;
    tail += t * t;
  }
  return ((lanes[0] + lanes[1]) + (lanes[2] + lanes[3])) + tail;
}

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

CloudMetric::CloudMetric(std::span<const float> points, size_t n, size_t dim, Metric metric)
    : points_(points.data()), n_(n), dim_(dim), metric_(metric), scale_(n, 1.0),
      squared_norm_(n, 0.0) {
  for (size_t i = 0; i < n; ++i) {
    double s = 0;
    for (size_t k = 0; k < dim; ++k) {
      const double x = points_[i * dim + k];
      s += x * x;
    }
    if (metric == Metric::kCosine) {
      scale_[i] = 1.0 / std::sqrt(s);
      s *= scale_[i] * scale_[i];
    }
    squared_norm_[i] = s;
  }
}

double CloudMetric::Chord(size_t i, size_t j) const {
  if (i > j) std::swap(i, j);  // one order for both, whatever the compiler contracts
  const float* x = points_ + i * dim_;
  const float* y = points_ + j * dim_;
  const double a = scale_[i], b = scale_[j];  // 1 under the Euclidean metric: exact
  static const bool avx2 = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
  const double sq = avx2 ? SumSquaredDifferenceAvx2(x, y, dim_, a, b)
                         : SumSquaredDifference(x, y, dim_, a, b);
  if (metric_ == Metric::kCosine && sq < 1e-12 && PositivelyParallel(x, y, dim_)) return 0;
  return std::sqrt(sq);
}

float CloudMetric::FromChord(double chord) const {
  return static_cast<float>(metric_ == Metric::kEuclidean ? chord
                                                          : std::min(0.5 * chord * chord, 2.0));
}

double CloudMetric::ToChord(double d) const {
  return metric_ == Metric::kEuclidean ? d : std::sqrt(2.0 * std::max(d, 0.0));
}

void CloudMetric::RowAsFloat(size_t i, float* out) const {
  for (size_t k = 0; k < dim_; ++k) {
    out[k] = static_cast<float>(static_cast<double>(points_[i * dim_ + k]) * scale_[i]);
  }
}

// ---- the greedy permutation ---------------------------------------------------------

std::vector<double> GreedyInsertionRadii(const CloudMetric& metric, std::vector<uint32_t>* order,
                                         size_t* evaluations, GreedyTree* tree) {
  const size_t n = metric.n();
  size_t evals = 0;
  auto chord = [&](size_t i, size_t j) {
    ++evals;
    return metric.Chord(i, j);
  };
  std::vector<double> lambda(n, 0.0);
  lambda[0] = std::numeric_limits<double>::infinity();
  if (order) order->assign(1, 0);
  if (tree) {
    tree->order.assign(1, 0);
    tree->parent.assign(n, 0);
    tree->parent_chord.assign(n, 0.0);
  }
  // Per point: the float distance to its nearest centre (the value the dense version
  // keeps; 0 for a centre), its chord to the centre of its cell, and that cell.
  // Invariant: nearest[x] == metric.FromChord(to_center[x]) — a point moves to a new
  // centre only when that float strictly decreases, so the value is always the one of
  // its own cell's centre.
  std::vector<float> nearest(n, 0.0f);
  std::vector<double> to_center(n, 0.0);
  std::vector<uint32_t> cell_of(n, 0);
  struct Cell {
    uint32_t center;
    std::vector<uint32_t> points;  // not the centre itself
    double radius = 0;             // max chord from the centre to its points (0 if none)
    float far_value = -1;          // max nearest[] of its points, and which (smallest index)
    uint32_t far_point = 0;
    uint32_t stamp = 0;
    // Neighbour cells and the chord between the centres. Invariant (Clarkson): every
    // two cells a, b with chord ≤ r_a + r_b + max(r_a, r_b) list each other; radii only
    // shrink, so a pair that fails the test once never needs listing again.
    std::vector<std::pair<uint32_t, double>> nbrs;
  };
  std::vector<Cell> cells;
  cells.reserve(n);
  auto refresh = [&](Cell& c) {
    c.radius = 0;
    c.far_value = -1;
    for (uint32_t x : c.points) {
      c.radius = std::max(c.radius, to_center[x]);
      if (nearest[x] > c.far_value || (nearest[x] == c.far_value && x < c.far_point)) {
        c.far_value = nearest[x];
        c.far_point = x;
      }
    }
  };
  auto close = [](double d, double ra, double rb) {
    return d <= (ra + rb + std::max(ra, rb)) * kSlack;
  };
  // The cell holding the globally farthest point: (value, −index) largest. Lazy entries
  // are skipped when their cell's stamp moved on.
  struct Top {
    float value;
    uint32_t point, cell, stamp;
    bool operator<(const Top& o) const {
      return value != o.value ? value < o.value : point > o.point;
    }
  };
  std::priority_queue<Top> heap;
  auto push = [&](uint32_t id) {
    Cell& c = cells[id];
    ++c.stamp;
    if (!c.points.empty()) heap.push(Top{c.far_value, c.far_point, id, c.stamp});
  };

  cells.push_back(Cell{0, {}, 0, -1, 0, 0, {}});
  for (size_t i = 1; i < n; ++i) {
    to_center[i] = chord(0, i);
    nearest[i] = metric.FromChord(to_center[i]);
    cells[0].points.push_back(static_cast<uint32_t>(i));
  }
  refresh(cells[0]);
  push(0);

  std::vector<uint32_t> mark(n, UINT32_MAX);  // per cell id: last insertion that saw it
  std::vector<double> to_new;                 // chord from each seen cell's centre to p
  std::vector<uint32_t> seen;
  std::vector<uint32_t> cand_mark(n, UINT32_MAX), candidates;
  std::vector<double> candidate_lb(n, 0.0);
  for (size_t k = 1; k < n; ++k) {
    Top top = heap.top();
    while (top.stamp != cells[top.cell].stamp) {
      heap.pop();
      top = heap.top();
    }
    heap.pop();
    const uint32_t p = top.point, parent = top.cell;
    lambda[p] = nearest[p];
    if (order) order->push_back(p);
    const double parent_chord = to_center[p];
    if (tree) {
      tree->order.push_back(p);
      tree->parent[p] = cells[parent].center;
      tree->parent_chord[p] = parent_chord;
    }
    {  // p leaves its cell and becomes a centre; the parent's radius and farthest
      // point are recomputed (it was p), which only lowers the radius
      auto& pts = cells[parent].points;
      pts.erase(std::find(pts.begin(), pts.end(), p));
    }
    nearest[p] = 0;
    to_center[p] = 0;
    const uint32_t id = static_cast<uint32_t>(cells.size());
    cell_of[p] = id;
    cells.push_back(Cell{p, {}, 0, -1, 0, 0, {}});
    to_new.resize(cells.size());
    mark.resize(cells.size(), UINT32_MAX);
    seen.clear();
    auto see = [&](uint32_t c, double d) {
      mark[c] = static_cast<uint32_t>(k);
      to_new[c] = d;
      seen.push_back(c);
    };
    auto chord_to_p = [&](uint32_t c) {
      if (mark[c] != k) see(c, chord(cells[c].center, p));
      return to_new[c];
    };
    see(parent, parent_chord);
    // The parent's neighbours (itself among them) are the only cells that can lose
    // points: a point x of cell c moves only if chord(x, p) < chord(x, c) ≤ r_c, so
    // chord(c, p) < 2 r_c, and then chord(c, parent) < 2 r_c + r_parent, which is
    // within the neighbour test. Radii are the ones before this step.
    std::vector<uint32_t> near_parent = {parent};
    for (const auto& [c, d] : cells[parent].nbrs) near_parent.push_back(c);
    for (uint32_t c : near_parent) {
      Cell& cell = cells[c];
      if (cell.points.empty() || chord_to_p(c) > 2 * cell.radius * kSlack) continue;
      size_t keep = 0;
      for (uint32_t x : cell.points) {
        const double dx = chord(x, p);
        const float fx = metric.FromChord(dx);
        if (fx < nearest[x]) {
          nearest[x] = fx;
          to_center[x] = dx;
          cell_of[x] = id;
          cells[id].points.push_back(x);
        } else {
          cell.points[keep++] = x;
        }
      }
      if (keep != cell.points.size()) {
        cell.points.resize(keep);
        refresh(cell);
        push(c);
      }
    }
    refresh(cells[parent]);
    push(parent);
    refresh(cells[id]);
    // The new cell's neighbours are among the neighbours of the parent's neighbours.
    // chord(b, p) ≥ chord(a, b) − chord(a, p) for a listed neighbour a of b: candidates
    // that this lower bound already excludes are not evaluated.
    {
      const double rp = cells[id].radius;
      for (uint32_t a : near_parent) {
        const double ap = chord_to_p(a);
        for (const auto& [b, ab] : cells[a].nbrs) {
          if (cand_mark[b] != k) {
            cand_mark[b] = static_cast<uint32_t>(k);
            candidate_lb[b] = 0;
            candidates.push_back(b);
          }
          candidate_lb[b] = std::max(candidate_lb[b], ab - ap);
        }
        if (cand_mark[a] != k) {
          cand_mark[a] = static_cast<uint32_t>(k);
          candidate_lb[a] = 0;
          candidates.push_back(a);
        }
      }
      for (uint32_t b : candidates) {
        const double rb = cells[b].radius;
        if (!close(candidate_lb[b], rp, rb)) continue;
        const double d = chord_to_p(b);
        if (close(d, rp, rb)) {
          cells[id].nbrs.emplace_back(b, d);
          cells[b].nbrs.emplace_back(id, d);
        }
      }
      candidates.clear();
    }
    // Prune the parent's neighbourhood: pairs no longer close (radii shrank) are dropped
    // from both lists.
    for (uint32_t a : near_parent) {
      auto& list = cells[a].nbrs;
      for (size_t q = 0; q < list.size();) {
        const auto [b, d] = list[q];
        if (close(d, cells[a].radius, cells[b].radius)) {
          ++q;
          continue;
        }
        list[q] = list.back();
        list.pop_back();
        auto& other = cells[b].nbrs;
        for (size_t t = 0; t < other.size(); ++t) {
          if (other[t].first == a) {
            other[t] = other.back();
            other.pop_back();
            break;
          }
        }
      }
    }
    push(id);
  }
  if (evaluations) *evaluations = evals;
  return lambda;
}

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
