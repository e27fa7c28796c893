// Boost (through Hera) otherwise prints a deprecation note for its global placeholders.
#define BOOST_BIND_GLOBAL_PLACEHOLDERS
#include <hera/bottleneck/bottleneck.h>

#include "panic/tda/hera_distances.h"

namespace panic::tda::internal {

double HeraBottleneckExact(const PlanePoints& a, const PlanePoints& b) {
  if (a.empty() && b.empty()) return 0.0;
  // Hera adds the diagonal projections to these sets, so they are built per call.
  hera::bt::DiagramPointSet<double> set_a(a.begin(), a.end());
  hera::bt::DiagramPointSet<double> set_b(b.begin(), b.end());
  hera::bt::MatchingEdge<double> unused_edge;
  return hera::bt::bottleneckDistExact(set_a, set_b, /*decPrecision=*/14, unused_edge,
                                       /*compute_longest_edge=*/false);
}

}  // namespace panic::tda::internal
