// Cluster medoids: the member with the least summed distance to the other members.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "panic/cluster/unit_rows.h"
#include "panic/core/status.h"

namespace panic::cluster::internal {

struct MedoidSet {
  std::vector<uint32_t> medoids;  // per cluster label 0..clusters−1, a point index
  bool exact = true;              // false when a cluster past the exact cap was sampled
};

// Members larger than this are summed against an evenly spaced sample of this many
// members (the result is then flagged as not exact).
inline constexpr size_t kExactMedoidMembers = 20000;

// For each label 0..clusters−1 (labels < 0 are noise), the member i minimising
// Σ_j d(i, j), ties to the smaller index. Exact by pruning, not by approximation:
// summing one candidate b gives, for every member i, the bound
//   Σ_j d(i, j) ≥ |Σ_j d(b, j) − s · d(b, i)|   (triangle inequality; s members),
// so candidates whose bound exceeds the best sum are never summed (Newling & Fleuret's
// trimed, in blocks). Candidates go in order of closeness to the mean direction.
// Every label must be below `clusters` and every cluster needs at least one member;
// otherwise an Internal error naming the label (the caller's labelling is inconsistent).
Result<MedoidSet> Medoids(const UnitRows& rows, std::span<const int32_t> labels, size_t clusters,
                  int threads);

}  // namespace panic::cluster::internal
