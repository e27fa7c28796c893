#include "panic/analysis/change_points.h"

#include <algorithm>
#include <cmath>
#include <string>

#include "panic/analysis/vector_math.h"

namespace panic::analysis {

double ClippedRbfKernel(double squared_distance, double gamma) {
  // ruptures' clip() takes and returns float: the scaled distance is rounded to float and
  // clipped to [0.01f, 100f] before exp.
  float scaled = static_cast<float>(gamma * squared_distance);
  scaled = std::max(0.01f, std::min(scaled, 100.0f));
  return std::exp(-static_cast<double>(scaled));
}

Result<ChangePoints> DetectChangePoints(std::span<const float> points, size_t dim,
                                        const KernelCpdOptions& options) {
  if (dim == 0) return Status::InvalidArgument("change points: dim must be positive");
  if (points.size() % dim != 0) {
    return Status::InvalidArgument("change points: " + std::to_string(points.size()) +
                                   " floats are not a multiple of dim = " + std::to_string(dim));
  }
  if (!(options.gamma > 0) || !std::isfinite(options.gamma)) {
    return Status::InvalidArgument("change points: gamma = " + std::to_string(options.gamma) +
                                   "; it must be positive and finite");
  }
  if (options.min_size < 1) return Status::InvalidArgument("change points: min_size must be at least 1");
  const size_t n = points.size() / dim;
  const size_t m = options.min_size;
  for (size_t i = 0; i < points.size(); ++i) {
    if (!std::isfinite(points[i])) {
      return Status::InvalidArgument("change points: point " + std::to_string(i / dim) +
                                     " has a non-finite value");
    }
  }
  ChangePoints out;
  out.penalty = std::isnan(options.penalty)
                    ? static_cast<double>(dim) * std::log(static_cast<double>(std::max<size_t>(n, 1)))
                    : options.penalty;
  if (n >= 2 * m && !(out.penalty > 0 && std::isfinite(out.penalty))) {
    return Status::InvalidArgument("change points: penalty = " + std::to_string(out.penalty) +
                                   "; it must be positive and finite");
  }
  if (n == 0) return out;
  const double beta = out.penalty;
  auto kernel = [&](size_t i, size_t j) {
    return ClippedRbfKernel(internal::SquaredDistance(points.data() + i * dim, points.data() + j * dim, dim),
                            options.gamma);
  };

  // After step t (the prefix [0, t) seen):
  //   diag[u]    = Σ_{i<u} k(x_i, x_i)
  //   within[s]  = Σ_{i,j∈[s,t)} k(x_i, x_j)
  //   best[u]    = F(u), the least penalised cost of [0, u) (β per segment); best[0] = 0
  //   last[u]    = the start of the last segment in that optimum
  // Every admissible candidate is examined at every t: no pruning (see the header).
  std::vector<double> diag(n + 1, 0.0), within(n + 1, 0.0), best(n + 1, 0.0);
  std::vector<size_t> last(n + 1, 0);
  auto cost = [&](size_t s, size_t t) {
    return diag[t] - diag[s] - within[s] / static_cast<double>(t - s);
  };
  for (size_t t = 1; t <= n; ++t) {
    const double self = kernel(t - 1, t - 1);
    diag[t] = diag[t - 1] + self;
    // Adding point t−1 to [s, t−1) adds its row and column: 2·Σ_{i∈[s,t)} k(x_i, x_{t−1})
    // minus the diagonal term counted twice.
    double column = 0;
    for (size_t s = t; s-- > 0;) {
      column += kernel(s, t - 1);
      within[s] += 2 * column - self;
    }
    // Candidates in increasing s: 0 (one segment), then m … t − m. Only a strictly
    // smaller value replaces the best, so ties go to the earliest s.
    best[t] = cost(0, t) + beta;
    last[t] = 0;
    for (size_t s = m; s + m <= t; ++s) {
      double total = best[s] + cost(s, t) + beta;
      if (total < best[t]) {
        best[t] = total;
        last[t] = s;
      }
    }
  }

  for (size_t u = last[n]; u > 0; u = last[u]) out.change_points.push_back(u);
  std::reverse(out.change_points.begin(), out.change_points.end());
  const double segments = static_cast<double>(out.change_points.size() + 1);
  out.cost = best[n] - beta * segments;
  out.penalized_cost = out.cost + beta * static_cast<double>(out.change_points.size());
  return out;
}

}  // namespace panic::analysis
