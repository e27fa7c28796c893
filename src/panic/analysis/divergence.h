// Finite-time divergence of a group of runs (the "Lyapunov" analysis): do trajectories
// that start alike move apart, and how fast?
//
// Input: the trajectories of a group of runs under one embedding model, each a row-major
// steps × dim array of float32 in step order (the run's embeddings ordered by sequence
// number). All are truncated to the shortest, T steps. Then, per step t = 0 … T−1:
//
//   within a group:   d(t) = mean over the m(m−1)/2 pairs i < j of ‖x_i(t) − x_j(t)‖₂
//   across two groups: d(t) = mean over the |A|·|B| pairs (i ∈ A, j ∈ B)   (no within pairs)
//
// with x the unit vector v/‖v‖ (DivergenceMetric::kUnitSphere, the default: distances in
// [0, 2], the same geometry as semantic drift) or the vector as stored (kRaw). The Python
// reference used the stored vectors, which its embedding models had already normalised,
// so on such models both metrics give its numbers.
//
// Fits on the curve:
//   - log-linear (the finite-time Lyapunov exponent, as the reference computed it):
//     least squares of ln max(d(t), log_floor) on t over all T steps; the slope λ is per
//     step, with the intercept and R² = 1 − SS_res/SS_tot (NaN when ln d is constant);
//   - bounded: d(t) ≈ d∞ − (d∞ − d₀)·e^(−t/τ) (bounded_fit.h).
// A "step" is one embedded output of the run under this model (for a text model on a
// two-model network, every second invocation), so λ is per such step and τ in such steps.
//
// Errors (InvalidArgument): fewer than 2 runs in a group (within) or an empty group
// (across), a trajectory whose size is not a multiple of dim, T < 2, or a zero or
// non-finite vector among the first T steps (named by run index and step).
//
// Thread safety: pure functions. `threads` workers split the steps; the result does not
// depend on their number (each d(t) is summed in a fixed pair order).
#pragma once

#include <cstddef>
#include <limits>
#include <span>
#include <vector>

#include "panic/analysis/bounded_fit.h"
#include "panic/core/status.h"

namespace panic::analysis {

// One run's trajectory: steps × dim floats, row-major.
using Trajectory = std::span<const float>;

enum class DivergenceMetric { kUnitSphere, kRaw };

struct DivergenceOptions {
  DivergenceMetric metric = DivergenceMetric::kUnitSphere;
  // d(t) is clamped below at this before the logarithm (the reference's epsilon), so a
  // step where all trajectories coincide gives ln(1e−10) ≈ −23 rather than −∞.
  double log_floor = 1e-10;
  int threads = 1;
};

struct LogLinearFit {
  double exponent = std::numeric_limits<double>::quiet_NaN();   // slope λ, per step
  double intercept = std::numeric_limits<double>::quiet_NaN();  // fitted ln d at t = 0
  double r_squared = std::numeric_limits<double>::quiet_NaN();
};

struct DivergenceResult {
  std::vector<double> curve;  // d(t), t = 0 … num_timesteps − 1
  size_t num_pairs = 0;
  size_t num_timesteps = 0;
  LogLinearFit log_linear;
  BoundedFit bounded;
};

// Within one group of runs (≥ 2).
Result<DivergenceResult> GroupDivergence(std::span<const Trajectory> runs, size_t dim,
                                         const DivergenceOptions& options = {});

// Across two groups (e.g. two prompts' runs on one network): all pairs (a, b), a ∈ A, b ∈ B,
// truncated to the shortest run of either group.
Result<DivergenceResult> CrossGroupDivergence(std::span<const Trajectory> a,
                                              std::span<const Trajectory> b, size_t dim,
                                              const DivergenceOptions& options = {});

// The log-linear fit alone, on t = 0 … curve.size() − 1. Fewer than 2 points: all NaN.
LogLinearFit FitLogLinear(std::span<const double> curve, double log_floor = 1e-10);

}  // namespace panic::analysis
