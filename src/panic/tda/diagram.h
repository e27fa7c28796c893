// Persistence diagrams: the value type every TDA function in panic::tda returns or takes.
//
// A Diagram holds, for each homology dimension 0..k-1, the multiset of bars
// (birth, death) with birth < death; death is +infinity for an essential class.
// Zero-length bars are never stored (ripser's convention). Bars within a dimension are
// sorted by (birth, death) ascending so that equal diagrams compare equal bar by bar.
//
// Thread safety: plain values.
#pragma once

#include <cstddef>
#include <limits>
#include <vector>

#include "panic/core/status.h"

namespace panic::tda {

struct Bar {
  float birth = 0.0f;
  float death = std::numeric_limits<float>::infinity();

  bool IsEssential() const { return death == std::numeric_limits<float>::infinity(); }
  // death − birth; +inf for an essential bar.
  float Persistence() const { return death - birth; }
  bool operator==(const Bar&) const = default;
};

using Bars = std::vector<Bar>;

struct Diagram {
  std::vector<Bars> dimensions;  // dimensions[d]: the bars of H_d

  size_t num_dimensions() const { return dimensions.size(); }
  // The bars of H_d, or an empty list when d is past the last dimension.
  const Bars& bars(size_t d) const;
  bool operator==(const Diagram&) const = default;
};

// Sorts the bars of every dimension by (birth, death) ascending.
void SortBars(Diagram& diagram);

// Checks a diagram that came from outside (a file, a stored blob) before any distance
// or statistic sees it: every birth is finite, every death is not NaN and ≥ its birth
// (+inf for an essential bar). Zero-length bars are allowed (other tools write them).
// Sorting is not required. InvalidArgument naming the dimension, the bar and the values.
Status ValidateDiagram(const Diagram& diagram);

}  // namespace panic::tda
