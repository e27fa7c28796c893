// Semantic drift: how far each embedding of a run has moved from a reference embedding,
// measured on the unit sphere so that the vectors' lengths do not matter:
//
//   drift(v, r) = ‖ v/‖v‖ − r/‖r‖ ‖₂  ∈ [0, 2]
//
// (0: same direction, √2: orthogonal, 2: opposite; drift² = 2 − 2·cos(v, r)). The
// reference is the same embedding model's vector of the run's initial prompt for text
// models, and of the run's first image for image models (docs/ANALYSIS.md §1).
//
// Computed in double from float32 inputs, directly as the norm of the difference of the
// normalised vectors (not as √(2 − 2cos), which loses all precision for small drifts).
// A zero or non-finite vector (or reference) has no direction: its drift is NaN.
//
// Thread safety: pure functions.
#pragma once

#include <cstddef>
#include <span>
#include <vector>

#include "panic/core/status.h"

namespace panic::analysis {

// Drift of each row of `vectors` (row-major, rows × dim) from `reference` (dim values).
Result<std::vector<double>> SemanticDrift(std::span<const float> vectors, size_t dim,
                                          std::span<const float> reference, int threads = 1);

// Many runs in one call: row i is compared with reference reference_of[i], a row of
// `references` (row-major, references × dim). Each reference is normalised once.
Result<std::vector<double>> SemanticDrift(std::span<const float> vectors, size_t dim,
                                          std::span<const float> references,
                                          std::span<const size_t> reference_of, int threads = 1);

}  // namespace panic::analysis
