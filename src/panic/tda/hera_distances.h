// The two calls into Hera (Debian's header-only libhera-dev, BSD-3-Clause), each in its
// own translation unit: Hera's bottleneck and Wasserstein headers both define
// hera::DiagramTraits and cannot be included together.
//
// Inputs are finite off-diagonal points (birth, death) with death > birth; essential bars
// are handled by the caller. Both functions use the L∞ ground metric.
#pragma once

#include <utility>
#include <vector>

#include "panic/core/status.h"

namespace panic::tda::internal {

using PlanePoints = std::vector<std::pair<double, double>>;

// Exact bottleneck distance (hera::bt::bottleneckDistExact, 14 decimal digits).
double HeraBottleneckExact(const PlanePoints& a, const PlanePoints& b);

// Σ over the optimal matching of cost^p (the p-th power of W_p), within relative error
// `delta` of the optimum (Hera's auction). REQUIRES: p ≥ 1, delta > 0.
// Errors: Internal with Hera's message when its auction throws.
Result<double> HeraWassersteinCost(const PlanePoints& a, const PlanePoints& b, double p,
                                   double delta);

}  // namespace panic::tda::internal
