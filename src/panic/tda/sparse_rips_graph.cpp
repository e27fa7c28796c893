#include "panic/tda/sparse_rips_graph.h"

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstdio>
#include <limits>
#include <string>

#include "panic/core/blas.h"
#include "panic/core/parallel.h"
#include "panic/core/byte_text.h"
#include "panic/tda/distance_matrix.h"

namespace panic::tda::internal {
namespace {

constexpr float kInf = std::numeric_limits<float>::infinity();

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

}  // namespace

float CjsWeight(float d, double mu, double epsilon) {
  if (d <= 2 * mu) return d;
  if (d <= (2 + epsilon) * mu) {
    return std::nextafter(static_cast<float>(2 * (d - mu)), kInf);
  }
  return kInf;
}

size_t SparseGraphBytes(size_t n, size_t edges) {
  return (n + 1) * sizeof(uint64_t) + 2 * edges * sizeof(SparseGraph::Neighbor);
}

namespace {

// The Gram screen. Each pass screens all pairs; `keep(i, j, w, worker)` is called for
// every pair (i > j) whose re-weighted length w is finite and within `bound`.
class Screen final : public KeptEdgeSearch {
 public:
  Screen(const CloudMetric& metric, const std::vector<double>& lambda, double epsilon,
         float threshold, int threads)
      : metric_(metric), lambda_(lambda), epsilon_(epsilon), threshold_(threshold),
        workers_(std::max(threads, 1)) {}

  KeptEdgeCount Count() override {
    const size_t n = metric_.n();
    const bool default_threshold = std::isnan(threshold_);
    KeptEdgeCount count;
    count.degree.assign(n, 0);
    // An upper bound of the threshold before the pass: the enclosing radius is at most
    // the largest distance from any one point, here the minimum over a few sample rows.
    // The count is taken within it (the threshold itself is known after the pass).
    double bound = threshold_;
    if (default_threshold) {
      double r0 = std::numeric_limits<double>::infinity();
      const size_t samples = std::min<size_t>(n, 16);
      for (size_t s = 0; s < samples; ++s) {
        const size_t i = s * n / samples;
        float m = 0;
        for (size_t j = 0; j < n; ++j) m = std::max(m, j == i ? 0.0f : metric_.Distance(i, j));
        r0 = std::min(r0, static_cast<double>(m));
      }
      bound = std::nextafter(static_cast<float>((1 + epsilon_) * r0), kInf);
      count.exact = false;
    }
    std::vector<std::vector<double>> row_lo(static_cast<size_t>(workers_)), row_hi(row_lo.size());
    if (default_threshold) {
      for (size_t w = 0; w < row_lo.size(); ++w) {
        row_lo[w].assign(n, 0.0);
        row_hi[w].assign(n, 0.0);
      }
    }
    Pass(bound, default_threshold ? &row_lo : nullptr, default_threshold ? &row_hi : nullptr,
         [&](size_t i, size_t j, float, int) {
           std::atomic_ref<uint32_t>(count.degree[i]).fetch_add(1, std::memory_order_relaxed);
           std::atomic_ref<uint32_t>(count.degree[j]).fetch_add(1, std::memory_order_relaxed);
         });
    count.threshold = static_cast<float>(bound);
    if (default_threshold) {
      count.enclosing_radius = EnclosingRadius(row_lo, row_hi);
      count.threshold = std::nextafter(static_cast<float>((1 + epsilon_) * count.enclosing_radius), kInf);
    }
    count.Tally();
    return count;
  }

  SparseGraphResult Fill(KeptEdgeCount count) override {
    const float threshold = count.threshold, enclosing = count.enclosing_radius;
    SparseGraphFiller filler(count);
    Pass(threshold, nullptr, nullptr, [&](size_t i, size_t j, float w, int) {
      filler.Add(static_cast<uint32_t>(i), static_cast<uint32_t>(j), w);
    });
    return filler.Finish(enclosing, threshold, workers_);
  }

  size_t ScratchBytes() const override {
    // Per worker two row tiles and the Gram tile; in the count also the row bounds.
    const size_t tiles = (2 * kBlock * metric_.dim() + kBlock * kBlock) * sizeof(float);
    const size_t bounds = std::isnan(threshold_) ? 2 * metric_.n() * sizeof(double) : 0;
    return static_cast<size_t>(workers_) * (tiles + bounds);
  }

 private:
  template <class Keep>
  void Pass(double bound, std::vector<std::vector<double>>* row_lo,
            std::vector<std::vector<double>>* row_hi, Keep keep) const {
    blas::UseSingleThreadedBlas();
    const size_t n = metric_.n(), dim = metric_.dim();
    const double scale = (1 + epsilon_) / epsilon_;
    // The filter's rounding margin on a squared chord is (dim + 8) · 2⁻²⁴ · (‖x‖² + ‖y‖²):
    // the float dot product's error is at most dim · 2⁻²⁴ · Σ|x_k y_k| ≤ dim · 2⁻²⁴ ·
    // ‖x‖‖y‖ (and it enters twice), the rounding of scaled rows to float adds
    // 2 · 2⁻²⁴ · ‖x‖‖y‖, and the norms are exact to 2⁻⁵⁰.
    const size_t blocks = (n + kBlock - 1) / kBlock;
    std::vector<std::pair<size_t, size_t>> tiles;
    for (size_t a = 0; a < blocks; ++a) {
      for (size_t b = 0; b <= a; ++b) tiles.emplace_back(a, b);
    }
    const double margin_factor = (static_cast<double>(dim) + 8) * std::ldexp(1.0, -24);
    const double bound_chord = metric_.ToChord(bound);
    struct Tiles {
      std::vector<float> xa, xb, gram;
    };
    std::vector<Tiles> scratch(static_cast<size_t>(workers_));
    ParallelFor(tiles.size(), 1, workers_, [&](size_t begin, size_t end, int worker) {
      Tiles& s = scratch[static_cast<size_t>(worker)];
      s.xa.resize(kBlock * dim);
      s.xb.resize(kBlock * dim);
      s.gram.resize(kBlock * kBlock);
      float* xa = s.xa.data();
      float* xb = s.xb.data();
      float* gram = s.gram.data();
      double* lo = row_lo ? (*row_lo)[static_cast<size_t>(worker)].data() : nullptr;
      double* hi = row_hi ? (*row_hi)[static_cast<size_t>(worker)].data() : nullptr;
      for (size_t t = begin; t < end; ++t) {
        const size_t a0 = tiles[t].first * kBlock, b0 = tiles[t].second * kBlock;
        const size_t ma = std::min(kBlock, n - a0), mb = std::min(kBlock, n - b0);
        for (size_t r = 0; r < ma; ++r) metric_.RowAsFloat(a0 + r, xa + r * dim);
        for (size_t r = 0; r < mb; ++r) metric_.RowAsFloat(b0 + r, xb + r * dim);
        cblas_sgemm(blas::kRowMajor, blas::kNoTrans, blas::kTrans, static_cast<int>(ma),
                    static_cast<int>(mb), static_cast<int>(dim), 1.0f, xa,
                    static_cast<int>(dim), xb, static_cast<int>(dim), 0.0f, gram,
                    static_cast<int>(mb));
        for (size_t r = 0; r < ma; ++r) {
          const size_t i = a0 + r;
          const double ni = metric_.SquaredNorm(i);
          for (size_t c = 0; c < mb; ++c) {
            const size_t j = b0 + c;
            if (j >= i) break;
            const double sum = ni + metric_.SquaredNorm(j);
            const double sq = sum - 2.0 * static_cast<double>(gram[r * mb + c]);
            const double margin = margin_factor * sum + 1e-300;
            if (lo) {
              const double l = std::max(sq - margin, 0.0), h = sq + margin;
              lo[i] = std::max(lo[i], l);
              lo[j] = std::max(lo[j], l);
              hi[i] = std::max(hi[i], h);
              hi[j] = std::max(hi[j], h);
            }
            const double mu = scale * std::min(lambda_[i], lambda_[j]);
            const double cut = std::min(metric_.ToChord((2 + epsilon_) * mu), bound_chord);
            if (sq - margin > cut * cut) continue;
            const float w = CjsWeight(metric_.Distance(i, j), mu, epsilon_);
            if (w <= bound && w != kInf) keep(i, j, w, worker);
          }
        }
      }
    });
  }

  // The enclosing radius, exactly (on these distances): only rows whose lower bound is
  // within the smallest upper bound can attain the minimum; their maxima are computed
  // directly, the rows in order of their lower bounds.
  float EnclosingRadius(const std::vector<std::vector<double>>& row_lo,
                        const std::vector<std::vector<double>>& row_hi) const {
    const size_t n = metric_.n();
    std::vector<double> lo(n, 0.0), hi(n, 0.0);
    for (size_t w = 0; w < row_lo.size(); ++w) {
      for (size_t i = 0; i < n; ++i) {
        lo[i] = std::max(lo[i], row_lo[w][i]);
        hi[i] = std::max(hi[i], row_hi[w][i]);
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
      if (metric_.FromChord(std::sqrt(low)) > radius) break;
      float m = 0;
      for (size_t j = 0; j < n; ++j) m = std::max(m, j == i ? 0.0f : metric_.Distance(i, j));
      radius = std::min(radius, m);
    }
    return radius;
  }

  const CloudMetric& metric_;
  const std::vector<double>& lambda_;
  double epsilon_;
  float threshold_;
  int workers_;
};

}  // namespace

std::unique_ptr<KeptEdgeSearch> MakeScreenSearch(const CloudMetric& metric,
                                             const std::vector<double>& lambda, double epsilon,
                                             float threshold, int threads) {
  return std::make_unique<Screen>(metric, lambda, epsilon, threshold, threads);
}

SparseGraphFiller::SparseGraphFiller(KeptEdgeCount& count) {
  const size_t n = count.degree.size();
  g_.n = n;
  g_.offsets.assign(n + 1, 0);
  for (size_t v = 0; v < n; ++v) g_.offsets[v + 1] = g_.offsets[v] + count.degree[v];
  g_.neighbors.resize(g_.offsets[n]);
  fill_ = std::move(count.degree);
  std::fill(fill_.begin(), fill_.end(), 0u);
}

void SparseGraphFiller::Add(uint32_t i, uint32_t j, float length) {
  const uint32_t at_i = std::atomic_ref<uint32_t>(fill_[i]).fetch_add(1, std::memory_order_relaxed);
  const uint32_t at_j = std::atomic_ref<uint32_t>(fill_[j]).fetch_add(1, std::memory_order_relaxed);
  g_.neighbors[g_.offsets[i] + at_i] = SparseGraph::Neighbor{j, length};
  g_.neighbors[g_.offsets[j] + at_j] = SparseGraph::Neighbor{i, length};
}

SparseGraphResult SparseGraphFiller::Finish(float enclosing_radius, float threshold, int threads) {
  const size_t n = g_.n;
  // Close up rows that got fewer entries than counted (the count's bound was above the
  // threshold); rows only move down, so one pass in order suffices.
  uint64_t out = 0;
  for (size_t v = 0; v < n; ++v) {
    const uint64_t begin = g_.offsets[v];
    if (out != begin) {
      std::copy(g_.neighbors.begin() + static_cast<ptrdiff_t>(begin),
                g_.neighbors.begin() + static_cast<ptrdiff_t>(begin + fill_[v]),
                g_.neighbors.begin() + static_cast<ptrdiff_t>(out));
    }
    g_.offsets[v] = out;
    out += fill_[v];
  }
  g_.offsets[n] = out;
  g_.neighbors.resize(out);  // no reallocation: the capacity stays the count's
  std::vector<uint32_t>().swap(fill_);
  ParallelFor(n, 256, std::max(threads, 1), [&](size_t begin, size_t end, int) {
    for (size_t v = begin; v < end; ++v) {
      std::sort(g_.neighbors.begin() + static_cast<ptrdiff_t>(g_.offsets[v]),
                g_.neighbors.begin() + static_cast<ptrdiff_t>(g_.offsets[v + 1]),
                [](const SparseGraph::Neighbor& a, const SparseGraph::Neighbor& b) {
                  return a.vertex < b.vertex;
                });
    }
  });
  SparseGraphResult r;
  r.graph = std::move(g_);
  r.enclosing_radius = enclosing_radius;
  r.threshold = threshold;
  return r;
}

Status SparseListsOverLimit(const KeptEdgeCount& count, size_t n, size_t memory_limit_bytes) {
  return Status::InvalidArgument(
      "n: the sparse filtration of " + std::to_string(n) + " points keeps " +
      (count.exact ? "" : "up to ") + std::to_string(count.edges) + " edges, whose lists need " +
      core::ByteText(static_cast<double>(SparseGraphBytes(n, count.edges))) +
      ", more than the memory limit of " + core::ByteText(static_cast<double>(memory_limit_bytes)) +
      "; raise epsilon, subsample the cloud or raise the limit");
}

Result<SparseGraphResult> BuildKeptEdges(KeptEdgeSearch& search, size_t n,
                                         size_t memory_limit_bytes) {
  KeptEdgeCount count = search.Count();
  if (SparseGraphBytes(n, count.edges) + search.ScratchBytes() > memory_limit_bytes) {
    return SparseListsOverLimit(count, n, memory_limit_bytes);
  }
  return search.Fill(std::move(count));
}

Result<SparseGraphResult> BuildSparseGraph(const CloudMetric& metric,
                                           const std::vector<double>& lambda, double epsilon,
                                           float threshold, int threads,
                                           size_t memory_limit_bytes) {
  return BuildKeptEdges(*MakeScreenSearch(metric, lambda, epsilon, threshold, threads), metric.n(),
                        memory_limit_bytes);
}

}  // namespace panic::tda::internal
