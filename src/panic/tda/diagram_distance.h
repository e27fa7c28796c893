// Distances between the bars of one dimension of two persistence diagrams.
//
// Bottleneck and p-Wasserstein use the standard definitions (Cohen-Steiner, Edelsbrunner,
// Harer 2007; Mileyko, Mukherjee, Harer 2011): a partial matching of the bars, each
// unmatched bar going to its nearest diagonal point, ground metric L∞:
//   d((b,d), (b',d')) = max(|b − b'|, |d − d'|),  d((b,d), diagonal) = (d − b) / 2.
// Essential bars (death = +inf) can only be matched with essential bars, at cost
// |b − b'|; if the two diagrams have different numbers of them the distance is +inf.
// Both are computed exactly: bottleneck by a binary search over the candidate values
// with a matching test (Hopcroft–Karp, Mendelsohn–Dulmage for the diagonal),
// Wasserstein by the Hungarian algorithm, O((n+m)³).
//
// Sorted-persistence L1 is the Python reference's comparison: the finite persistences
// of each diagram sorted descending, the shorter list padded with zeros, the L1 norm
// of their difference (essential bars ignored); both empty → 0.
#pragma once

#include "panic/core/status.h"
#include "panic/tda/diagram.h"

namespace panic::tda {

double BottleneckDistance(const Bars& a, const Bars& b);
// Errors: InvalidArgument naming `p` when p < 1 or not finite.
Result<double> WassersteinDistance(const Bars& a, const Bars& b, double p);
double SortedPersistenceL1(const Bars& a, const Bars& b);

}  // namespace panic::tda
