// Exact k nearest neighbours of every unit row, by blocked all-pairs distances.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "panic/cluster/unit_rows.h"

namespace panic::cluster::internal {

// Each row's k nearest other rows (itself excluded), ascending by (distance, index):
// ties are broken by the smaller index, so the lists do not depend on the thread count.
struct Neighbors {
  size_t n = 0;
  size_t k = 0;
  std::vector<uint32_t> index;  // n × k
  std::vector<float> distance;  // n × k

  const uint32_t* indices(size_t i) const { return index.data() + i * k; }
  const float* distances(size_t i) const { return distance.data() + i * k; }
};

// k is clamped to n − 1. Parallel over fixed row blocks; O(n · (k + block)) memory.
Neighbors ExactNeighbors(const UnitRows& rows, size_t k, int threads);

// The core distance of each point: the distance to its min_samples-th nearest point,
// counting the point itself (scikit-learn's and the hdbscan library's convention), so
// min_samples = 1 gives 0. REQUIRES: 1 ≤ min_samples ≤ neighbors.k + 1.
std::vector<float> CoreDistances(const Neighbors& neighbors, size_t min_samples);

}  // namespace panic::cluster::internal
