// Kernel change-point detection on a run's embedding trajectory: the Python reference's
// settings through ruptures' KernelCPD — RBF kernel with γ = 0.01, minimum segment length
// 5, penalty dim·ln(n) — solved exactly. What is matched to ruptures (1.1.x: the CostRbf
// documentation, and detection/_detection/ekcpd_pelt_computation.c and kernels.c, read for
// the details the documentation leaves out) is in docs/ANALYSIS.md §5:
//
//   kernel   k(x, y) = exp(−clip(γ‖x − y‖², 0.01, 100)), with γ‖x − y‖² rounded to float
//            before the clip as ruptures' clip() does; so k(x, x) = e^(−0.01), not 1.
//            ‖x − y‖² is summed in double from the float32 inputs.
//   cost     c([s, t)) = Σ_{i∈[s,t)} k(x_i, x_i) − (1/(t − s))·Σ_{i,j∈[s,t)} k(x_i, x_j)
//            (CostRbf: the within-segment scatter in the kernel's feature space).
//   penalty  minimise Σ_segments c + β·(number of segments), β = dim·ln(n) by default
//            (natural log, n = number of points): the same optimum as β per change point.
//   segments every segment has at least min_size points; a change point is the index of
//            the first point of a new segment, so candidates are min_size … n − min_size.
//   search   the PELT recursion F(t) = min over candidates s of F(s) + c([s, t)) + β,
//            candidates in increasing s, a strictly smaller value replacing the best (ties
//            go to the earliest s).
//
// Unlike ruptures, no candidate is pruned. PELT's pruning rule (drop s once
// F(s) + c([s, t)) ≥ F(t)) is exact only for a cost that splitting never raises, and the
// clipped kernel is not positive definite (all pairs closer than √(0.01/γ) look alike),
// so this cost can violate that; ruptures also prunes without waiting min_size steps.
// Both make ruptures miss the optimum on some inputs with a small penalty (an exhaustive
// search finds lower penalised costs: tests/analysis/change_points_test.cpp checks ours
// against one). ruptures prunes only from the smallest candidate up, and s = 0 goes only
// once some segmentation of [0, t) beats a single segment by β; where no change point is
// worth β (as at the reference penalty on 768-d embeddings, §5) it never prunes at all,
// examines every candidate too, and the two agree.
//
// Fewer than 2·min_size points: no change point (the reference returned [n] then).
// Time O(n²·dim) (n²/2 kernel evaluations), memory O(n): kernel values are computed when
// needed, never stored as an n × n matrix.
//
// Thread safety: pure function.
#pragma once

#include <cstddef>
#include <limits>
#include <span>
#include <vector>

#include "panic/core/status.h"

namespace panic::analysis {

struct KernelCpdOptions {
  double gamma = 0.01;
  size_t min_size = 5;
  // β; NaN means the reference's dim·ln(n).
  double penalty = std::numeric_limits<double>::quiet_NaN();
};

struct ChangePoints {
  // Index of the first point of each segment after the first, ascending: the segments are
  // [0, c₁), [c₁, c₂), …, [c_k, n). ruptures' breakpoint list is this plus n at the end.
  std::vector<size_t> change_points;
  double penalty = 0;         // β used
  double cost = 0;            // Σ c(segment) of the chosen segmentation
  double penalized_cost = 0;  // cost + β·change_points.size()
};

// `points` is n × dim, row-major, in step order.
Result<ChangePoints> DetectChangePoints(std::span<const float> points, size_t dim,
                                        const KernelCpdOptions& options = {});

// The clipped RBF kernel value for a squared distance, as ruptures computes it.
double ClippedRbfKernel(double squared_distance, double gamma);

}  // namespace panic::analysis
