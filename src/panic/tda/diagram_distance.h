// Distances between the bars of one dimension of two persistence diagrams.
//
// Bottleneck and p-Wasserstein use the standard definitions (Cohen-Steiner, Edelsbrunner,
// Harer 2007; Mileyko, Mukherjee, Harer 2011): a partial matching of the bars, each
// unmatched bar going to its nearest diagonal point, ground metric L∞:
//   d((b,d), (b',d')) = max(|b − b'|, |d − d'|),  d((b,d), diagonal) = (d − b) / 2,
//   W_p = (min over matchings of Σ d^p)^(1/p),  bottleneck = min over matchings of max d.
// Both come from Hera (Kerber, Morozov, Nigmetov; Debian's header-only libhera-dev,
// BSD-3-Clause), the library GUDHI also wraps:
//   - bottleneck: exact (hera::bt::bottleneckDistExact, relative error 0: the result is one
//     of the candidate point-to-point or point-to-diagonal distances, found by a binary
//     search over them after an approximate bracket);
//   - Wasserstein: Hera's auction, with a guaranteed relative error `delta`:
//     W ≤ result ≤ (1 + delta)·W (default 0.01, GUDHI's default).
// Essential bars (death = +inf) are matched only with essential bars: their births, sorted,
// are paired in order at cost |b − b'| (optimal in one dimension). If the two diagrams have
// different numbers of essential bars the distance is +inf. Bars with death = birth lie
// on the diagonal and are ignored; a NaN coordinate, an infinite birth, death = −inf or
// death < birth is an error (InvalidArgument naming the bar).
//
// Sorted-persistence L1 is the Python reference's comparison (panic_tda.tda.
// compute_wasserstein_distance, which its analysis called "Wasserstein"): the persistences
// d − b of the finite bars of each diagram, each list sorted descending, the shorter padded
// with zeros, then Σ |p_i − q_i|; essential bars are left out; both empty → 0.
//
// Thread safety: pure functions; PreparedBars is immutable after construction, so one
// can be shared by any number of threads.
#pragma once

#include <utility>
#include <vector>

#include "panic/core/status.h"
#include "panic/tda/diagram.h"

namespace panic::tda {

// GUDHI's default relative error for Hera's Wasserstein distance.
inline constexpr double kDefaultWassersteinDelta = 0.01;

// One dimension of a diagram in the form the distances use, built once so that a
// distance matrix converts each diagram once rather than once per pair.
struct PreparedBars {
  std::vector<std::pair<double, double>> finite;  // (birth, death), death > birth, sorted
  std::vector<double> essential_births;           // sorted ascending
  std::vector<double> persistence_descending;     // d − b of `finite`, sorted descending
};
// Errors: InvalidArgument naming the first malformed bar (see above).
Result<PreparedBars> PrepareBars(const Bars& bars);

double BottleneckDistance(const PreparedBars& a, const PreparedBars& b);
// Errors: those of PrepareBars.
Result<double> BottleneckDistance(const Bars& a, const Bars& b);

// Errors: InvalidArgument naming `order` when p < 1 or not finite, or `delta` when it is not
// in (0, 1]; Internal if Hera's auction fails (it throws past its iteration cap); for
// Bars, those of PrepareBars.
Result<double> WassersteinDistance(const PreparedBars& a, const PreparedBars& b, double p,
                                   double delta = kDefaultWassersteinDelta);
Result<double> WassersteinDistance(const Bars& a, const Bars& b, double p,
                                   double delta = kDefaultWassersteinDelta);
// The checks WassersteinDistance makes on its parameters, for callers that validate once.
Status CheckWassersteinParameters(double order, double delta);

double SortedPersistenceL1(const PreparedBars& a, const PreparedBars& b);
// Errors: those of PrepareBars.
Result<double> SortedPersistenceL1(const Bars& a, const Bars& b);

}  // namespace panic::tda
