// The rows of a cloud as the sparse-graph backend of ComputeApproximateRips (rips.h) sees
// them: distances computed point by point in double and rounded to float (the dense
// matrix uses a BLAS Gram matrix; the two agree to an ulp or so, not bit for bit).
// Internal to panic::tda.
#pragma once

#include <cstddef>
#include <span>
#include <vector>

#include "panic/tda/rips.h"

namespace panic::tda::internal {

// The rows of a cloud with the distance of a metric. For the cosine metric the
// greedy permutation and the searches run on the chordal metric ‖x̂ − ŷ‖ (a true
// metric, which the pruning's triangle inequality needs); 1 − cos = chord²/2 is an
// increasing function of it, so the farthest-point order is the same.
class CloudMetric {
 public:
  // REQUIRES: rows validated (finite; non-zero under cosine).
  CloudMetric(std::span<const float> points, size_t n, size_t dim, Metric metric);

  size_t n() const { return n_; }
  size_t dim() const { return dim_; }
  // The metric's distance (Euclidean, or 1 − cos), rounded to float.
  float Distance(size_t i, size_t j) const { return FromChord(Chord(i, j)); }
  // The Euclidean distance of the rows (normalised under cosine), in double.
  double Chord(size_t i, size_t j) const;
  float FromChord(double chord) const;
  // The chord length whose distance is d (the inverse of FromChord, in double).
  double ToChord(double d) const;
  // Row i as the chordal metric sees it (scaled to unit length under cosine), in float:
  // the GEMM filter's input. The scale is applied in double before rounding.
  void RowAsFloat(size_t i, float* out) const;
  double SquaredNorm(size_t i) const { return squared_norm_[i]; }  // of the row as Chord sees it

 private:
  const float* points_;
  size_t n_, dim_;
  Metric metric_;
  std::vector<double> scale_;         // 1, or 1/‖x‖ under cosine
  std::vector<double> squared_norm_;  // of the scaled rows
};

}  // namespace panic::tda::internal
