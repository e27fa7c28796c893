#include "panic/analysis/divergence.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <string>

#include "panic/analysis/vector_math.h"
#include "panic/core/parallel.h"

namespace panic::analysis {
namespace {

constexpr size_t kStepsPerTask = 8;  // steps per parallel work item

// The runs of both groups, back to back; pairs are (i < j) within, or (i < split ≤ j)
// across.
struct PairPlan {
  std::vector<Trajectory> runs;
  size_t split = 0;
  bool cross = false;

  size_t NumPairs() const {
    size_t m = runs.size();
    return cross ? split * (m - split) : m * (m - 1) / 2;
  }
};

Result<DivergenceResult> Divergence(const PairPlan& plan, size_t dim,
                                    const DivergenceOptions& options) {
  if (dim == 0) return Status::InvalidArgument("divergence: dim must be positive");
  size_t steps = SIZE_MAX;
  for (size_t r = 0; r < plan.runs.size(); ++r) {
    const Trajectory& run = plan.runs[r];
    if (run.size() % dim != 0) {
      return Status::InvalidArgument("divergence: run " + std::to_string(r) + " holds " +
                                     std::to_string(run.size()) +
                                     " floats, not a multiple of dim = " + std::to_string(dim));
    }
    steps = std::min(steps, run.size() / dim);
  }
  if (steps < 2) {
    return Status::InvalidArgument("divergence: the shortest run has " + std::to_string(steps) +
                                   " steps; at least 2 are needed");
  }
  const size_t m = plan.runs.size();
  // Scale of each (run, step): 1/‖v‖ on the unit sphere, 1 for raw vectors. Checked here
  // so that a bad vector is reported by position rather than turning d(t) into NaN.
  std::vector<double> scale(m * steps, 1.0);
  for (size_t r = 0; r < m; ++r) {
    for (size_t t = 0; t < steps; ++t) {
      double n2 = internal::SquaredNorm(plan.runs[r].data() + t * dim, dim);
      bool bad = !std::isfinite(n2) || (options.metric == DivergenceMetric::kUnitSphere && !(n2 > 0));
      if (bad) {
        return Status::InvalidArgument("divergence: run " + std::to_string(r) + " step " +
                                       std::to_string(t) + " has a " +
                                       (std::isfinite(n2) ? "zero" : "non-finite") + " vector");
      }
      if (options.metric == DivergenceMetric::kUnitSphere) scale[r * steps + t] = 1.0 / std::sqrt(n2);
    }
  }

  DivergenceResult out;
  out.num_pairs = plan.NumPairs();
  out.num_timesteps = steps;
  out.curve.assign(steps, 0.0);
  const double inv_pairs = 1.0 / static_cast<double>(out.num_pairs);
  ParallelFor((steps + kStepsPerTask - 1) / kStepsPerTask, options.threads, [&](size_t task) {
    std::vector<double> x(m * dim);  // the m vectors of one step, scaled, in double
    size_t end = std::min(steps, (task + 1) * kStepsPerTask);
    for (size_t t = task * kStepsPerTask; t < end; ++t) {
      for (size_t r = 0; r < m; ++r) {
        const float* v = plan.runs[r].data() + t * dim;
        double s = scale[r * steps + t];
        for (size_t k = 0; k < dim; ++k) x[r * dim + k] = s * static_cast<double>(v[k]);
      }
      double sum = 0;
      for (size_t i = 0; i < (plan.cross ? plan.split : m); ++i) {
        for (size_t j = plan.cross ? plan.split : i + 1; j < m; ++j) {
          sum += std::sqrt(internal::SquaredDistance(x.data() + i * dim, x.data() + j * dim, dim));
        }
      }
      out.curve[t] = sum * inv_pairs;
    }
  });
  out.log_linear = FitLogLinear(out.curve, options.log_floor);
  out.bounded = FitBoundedApproach(out.curve);
  return out;
}

}  // namespace

LogLinearFit FitLogLinear(std::span<const double> curve, double log_floor) {
  LogLinearFit fit;
  const size_t n = curve.size();
  if (n < 2) return fit;
  std::vector<double> y(n);
  double t_mean = static_cast<double>(n - 1) / 2, y_mean = 0;
  for (size_t t = 0; t < n; ++t) {
    y[t] = std::log(std::max(curve[t], log_floor));
    y_mean += y[t];
  }
  y_mean /= static_cast<double>(n);
  double stt = 0, sty = 0, syy = 0;
  for (size_t t = 0; t < n; ++t) {
    double dt = static_cast<double>(t) - t_mean, dy = y[t] - y_mean;
    stt += dt * dt;
    sty += dt * dy;
    syy += dy * dy;
  }
  fit.exponent = sty / stt;
  fit.intercept = y_mean - fit.exponent * t_mean;
  // A constant ln d(t) (computed, its deviations may round to tiny non-zeros) has no R².
  bool constant = std::all_of(y.begin(), y.end(), [&](double v) { return v == y[0]; });
  if (!constant && syy > 0) {
    double rss = 0;
    for (size_t t = 0; t < n; ++t) {
      double r = y[t] - (fit.intercept + fit.exponent * static_cast<double>(t));
      rss += r * r;
    }
    fit.r_squared = 1.0 - rss / syy;
  }
  return fit;
}

Result<DivergenceResult> GroupDivergence(std::span<const Trajectory> runs, size_t dim,
                                         const DivergenceOptions& options) {
  if (runs.size() < 2) {
    return Status::InvalidArgument("divergence: a group needs at least 2 runs, got " +
                                   std::to_string(runs.size()));
  }
  PairPlan plan{std::vector<Trajectory>(runs.begin(), runs.end()), 0, false};
  return Divergence(plan, dim, options);
}

Result<DivergenceResult> CrossGroupDivergence(std::span<const Trajectory> a,
                                              std::span<const Trajectory> b, size_t dim,
                                              const DivergenceOptions& options) {
  if (a.empty() || b.empty()) {
    return Status::InvalidArgument("divergence: both groups need at least 1 run, got " +
                                   std::to_string(a.size()) + " and " + std::to_string(b.size()));
  }
  PairPlan plan;
  plan.runs.assign(a.begin(), a.end());
  plan.runs.insert(plan.runs.end(), b.begin(), b.end());
  plan.split = a.size();
  plan.cross = true;
  return Divergence(plan, dim, options);
}

}  // namespace panic::analysis
