// The bounded (saturating) form of a divergence curve:
//
//   d(t) ≈ d∞ − (d∞ − d₀)·e^(−t/τ),   t = 0, 1, …, T−1 (steps)
//
// fitted by least squares on d(t) itself. Embeddings live on a bounded set (the unit
// sphere: distances ≤ 2), so pairwise divergence saturates and ln d(t) is not a straight
// line; τ is the time constant (mixing time) of the approach to the plateau d∞.
//
// Method (variable projection, Golub & Pereyra 1973): for a fixed τ the model is linear
// in (a, b) = (d∞, d₀ − d∞) with basis {1, e^(−t/τ)}, so those two are solved exactly and
// the residual sum of squares becomes a function of τ alone, RSS(τ). Its minimum is found
// without any starting guess: RSS is evaluated on a log-spaced grid of τ from kTauMin to
// kTauMaxFactor·(T−1) steps (kGridPerDecade points a decade), and the best grid point is
// refined by golden-section search on ln τ between its two neighbours. A curve rising to
// its plateau (d₀ < d∞) and one falling to it (d₀ > d∞) are fitted alike.
//
// Outcomes (BoundedFitStatus):
//   kOk          the minimum is inside the grid: d∞, d₀, τ, R² all reported.
//   kBelowRange  the minimum is at τ = kTauMin: the curve is at its plateau from t = 1 on;
//                τ is reported as 0 (meaning "< kTauMin"), d₀ and d∞ from that fit.
//   kAboveRange  the minimum is at the largest τ: no saturation within the window (the
//                curve is straight or still accelerating); τ = +∞ and d∞ = NaN (not
//                identifiable), d₀ and R² from the fit at the largest τ.
//   kDegenerate  fewer than 4 points (3 parameters need a residual degree of freedom) or
//                a constant curve: τ and R² NaN; for a constant curve d₀ = d∞ = that value.
// A curve with a non-finite value is kDegenerate with everything NaN.
//
// Thread safety: pure function.
#pragma once

#include <cstddef>
#include <limits>
#include <span>

namespace panic::analysis {

enum class BoundedFitStatus { kOk, kBelowRange, kAboveRange, kDegenerate };
// "ok", "below_range", "above_range", "degenerate" (the form tables store).
const char* BoundedFitStatusName(BoundedFitStatus status);

struct BoundedFit {
  BoundedFitStatus status = BoundedFitStatus::kDegenerate;
  double d_inf = std::numeric_limits<double>::quiet_NaN();  // plateau
  double d0 = std::numeric_limits<double>::quiet_NaN();     // fitted value at t = 0
  double tau = std::numeric_limits<double>::quiet_NaN();    // steps
  double r_squared = std::numeric_limits<double>::quiet_NaN();  // 1 − RSS / Σ(d − d̄)²
  double rss = std::numeric_limits<double>::quiet_NaN();        // Σ residual²
};

inline constexpr double kTauMin = 0.05;         // steps: e^(−1/τ) = 2e−9 at the first step
inline constexpr double kTauMaxFactor = 100.0;  // largest τ = 100·(T − 1) steps
inline constexpr int kGridPerDecade = 40;

// `curve` holds d(0), …, d(T−1).
BoundedFit FitBoundedApproach(std::span<const double> curve);

}  // namespace panic::analysis
