// Agreement between two labellings of the same points.
#pragma once

#include <cstdint>
#include <span>

namespace panic::cluster {

// The adjusted Rand index (Hubert & Arabie 1985): 1 for the same partition up to a
// permutation of labels, about 0 for independent ones. Every distinct value is one
// class, the noise label −1 included. Two partitions that are both trivial (one class,
// or one point each) give 1. REQUIRES: a.size() == b.size().
double AdjustedRandIndex(std::span<const int32_t> a, std::span<const int32_t> b);

}  // namespace panic::cluster
