#include "panic/analysis/bounded_fit.h"

#include <algorithm>
#include <cmath>
#include <vector>

namespace panic::analysis {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr double kInf = std::numeric_limits<double>::infinity();

// The exact linear least-squares fit d ≈ a + b·e^(−t/τ) for one τ.
struct LinearPart {
  double a = kNaN, b = kNaN, rss = kInf;
};

class Profile {
 public:
  explicit Profile(std::span<const double> d) : d_(d), basis_(d.size()) {
    for (double v : d_) mean_ += v;
    mean_ /= static_cast<double>(d_.size());
  }

  // The best (a, b) for τ = e^u and its residual sum of squares.
  LinearPart At(double u) {
    const size_t n = d_.size();
    const double rate = std::exp(-u);  // 1/τ
    double basis_mean = 0;
    for (size_t t = 0; t < n; ++t) {
      basis_[t] = std::exp(-rate * static_cast<double>(t));
      basis_mean += basis_[t];
    }
    basis_mean /= static_cast<double>(n);
    double sxx = 0, sxy = 0;
    for (size_t t = 0; t < n; ++t) {
      double x = basis_[t] - basis_mean;
      sxx += x * x;
      sxy += x * (d_[t] - mean_);
    }
    LinearPart fit;
    if (!(sxx > 0)) return fit;  // the basis is numerically constant: no fit at this τ
    fit.b = sxy / sxx;
    fit.a = mean_ - fit.b * basis_mean;
    double rss = 0;
    for (size_t t = 0; t < n; ++t) {
      double r = d_[t] - fit.a - fit.b * basis_[t];
      rss += r * r;
    }
    fit.rss = rss;
    return fit;
  }

  double mean() const { return mean_; }

 private:
  std::span<const double> d_;
  std::vector<double> basis_;
  double mean_ = 0;
};

}  // namespace

const char* BoundedFitStatusName(BoundedFitStatus status) {
  switch (status) {
    case BoundedFitStatus::kOk: return "ok";
    case BoundedFitStatus::kBelowRange: return "below_range";
    case BoundedFitStatus::kAboveRange: return "above_range";
    case BoundedFitStatus::kDegenerate: return "degenerate";
  }
  return "unknown";
}

BoundedFit FitBoundedApproach(std::span<const double> curve) {
  BoundedFit out;
  const size_t n = curve.size();
  if (n < 4) return out;
  for (double v : curve) {
    if (!std::isfinite(v)) return out;
  }
  if (std::all_of(curve.begin(), curve.end(), [&](double v) { return v == curve[0]; })) {
    out.d_inf = out.d0 = curve[0];
    return out;
  }
  Profile profile(curve);
  double ss_tot = 0;
  for (double v : curve) ss_tot += (v - profile.mean()) * (v - profile.mean());

  // Log-spaced grid of u = ln τ.
  const double u_lo = std::log(kTauMin);
  const double u_hi = std::log(kTauMaxFactor * static_cast<double>(n - 1));
  const double du = std::log(10.0) / kGridPerDecade;
  const size_t points = static_cast<size_t>(std::ceil((u_hi - u_lo) / du)) + 1;
  auto grid_u = [&](size_t i) { return i + 1 == points ? u_hi : u_lo + du * static_cast<double>(i); };
  size_t best = 0;
  double best_rss = kInf;
  for (size_t i = 0; i < points; ++i) {
    double rss = profile.At(grid_u(i)).rss;
    if (rss < best_rss) {  // first minimum on ties: the smaller τ
      best_rss = rss;
      best = i;
    }
  }
  if (!std::isfinite(best_rss)) return out;

  double u_best = grid_u(best);
  if (best > 0 && best + 1 < points) {
    // Golden-section search for the minimum of RSS(u) between the neighbours.
    const double inv_phi = (std::sqrt(5.0) - 1) / 2;
    double lo = grid_u(best - 1), hi = grid_u(best + 1);
    double x1 = hi - inv_phi * (hi - lo), x2 = lo + inv_phi * (hi - lo);
    double f1 = profile.At(x1).rss, f2 = profile.At(x2).rss;
    while (hi - lo > 1e-10) {
      if (f1 <= f2) {
        hi = x2;
        x2 = x1;
        f2 = f1;
        x1 = hi - inv_phi * (hi - lo);
        f1 = profile.At(x1).rss;
      } else {
        lo = x1;
        x1 = x2;
        f1 = f2;
        x2 = lo + inv_phi * (hi - lo);
        f2 = profile.At(x2).rss;
      }
    }
    double u_mid = (lo + hi) / 2;
    if (profile.At(u_mid).rss <= best_rss) u_best = u_mid;
  }

  LinearPart fit = profile.At(u_best);
  out.rss = fit.rss;
  out.r_squared = 1.0 - fit.rss / ss_tot;
  out.d0 = fit.a + fit.b;
  if (best == 0) {
    out.status = BoundedFitStatus::kBelowRange;
    out.tau = 0;
    out.d_inf = fit.a;
  } else if (best + 1 == points) {
    out.status = BoundedFitStatus::kAboveRange;
    out.tau = kInf;
  } else {
    out.status = BoundedFitStatus::kOk;
    out.tau = std::exp(u_best);
    out.d_inf = fit.a;
  }
  return out;
}

}  // namespace panic::analysis
