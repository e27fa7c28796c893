// A first-order Markov chain estimated from the cluster label sequences of a group of runs
// (e.g. one network under one embedding model and one clustering result): the transition
// matrix, its communicating structure, stationary distribution and spectral mixing
// measures. Definitions, edge cases and units: docs/ANALYSIS.md §3.
//
// States are the labels that occur in the counted steps (label_sequences.h explains how
// outliers are counted), ascending; index i of every vector or matrix is states[i].
// Transitions are consecutive counted steps within a run, lag 1, pooled over the runs;
// without self-transitions the diagonal is not counted (the jump chain). The matrix is
// the maximum-likelihood estimate: counts divided by row sums.
//
// Edge cases:
//   - A state with no observed exit (it only ends runs, or without self-transitions it
//     only ever stays) has an all-zero row in `transition`. For everything derived from
//     the chain it is treated as absorbing (P[i][i] = 1): the data never saw it leave.
//   - Reducible chain: `closed_classes` lists each closed communicating class (with its
//     period), `absorbing_states` the closed classes of one state, `transient_states` the
//     rest. The stationary distribution is then not unique (stationary_unique = false):
//     `stationary` is the long-run distribution of the chain started from the runs'
//     observed initial distribution μ₀, π = Σ_C P(absorbed in C | μ₀)·π_C, with π_C the
//     unique stationary distribution of class C and 0 on transient states.
//   - |λ₂| (second-largest eigenvalue modulus) is 1 exactly whenever there is more than
//     one closed class or the closed class is periodic; then the spectral gap is 0 and
//     the relaxation time and implied timescale are +∞.
//   - A single state: |λ₂| = 0, gap 1, relaxation time 1 step, implied timescale 0.
//   - No counted step at all (every label an outlier, or no runs): no states; the
//     spectral values are NaN.
//
// Thread safety: pure function.
#pragma once

#include <cstddef>
#include <cstdint>
#include <limits>
#include <span>
#include <vector>

#include "panic/analysis/label_sequences.h"
#include "panic/core/status.h"

namespace panic::analysis {

struct ChainOptions {
  OutlierHandling outliers = OutlierHandling::kSkip;
  bool self_transitions = true;
};

struct ClosedClass {
  std::vector<int64_t> labels;  // ascending
  size_t period = 1;            // gcd of its cycle lengths; 1 = aperiodic
};

struct MarkovChain {
  std::vector<int64_t> states;     // labels, ascending
  std::vector<uint64_t> counts;    // k × k row-major: transitions states[i] → states[j]
  std::vector<uint64_t> exits;     // row sums of counts
  std::vector<uint64_t> visits;    // counted steps in each state (empirical occupancy)
  std::vector<double> transition;  // k × k row-major: counts / exits; no-exit rows all zero
  std::vector<double> initial;     // μ₀: each run's first counted label, as a distribution
  std::vector<double> stationary;  // π (see the header comment for reducible chains)
  bool irreducible = false;        // one communicating class holding every state
  bool stationary_unique = false;  // exactly one closed class
  std::vector<ClosedClass> closed_classes;  // ordered by their smallest label
  std::vector<int64_t> absorbing_states;    // ascending
  std::vector<int64_t> transient_states;    // ascending
  double second_eigenvalue_modulus = std::numeric_limits<double>::quiet_NaN();  // |λ₂|
  double spectral_gap = std::numeric_limits<double>::quiet_NaN();       // 1 − |λ₂|
  double relaxation_time = std::numeric_limits<double>::quiet_NaN();    // 1/gap, steps
  double implied_timescale = std::numeric_limits<double>::quiet_NaN();  // −1/ln|λ₂|, steps

  size_t size() const { return states.size(); }
  double P(size_t i, size_t j) const { return transition[i * states.size() + j]; }
};

// Fails (Internal) only if LAPACK reports an error.
Result<MarkovChain> EstimateMarkovChain(std::span<const LabelSequence> runs,
                                        const ChainOptions& options = {});

// The stationary distribution of an irreducible row-stochastic k × k matrix (row-major) by
// the Grassmann–Taksar–Heyman elimination, which never subtracts and so keeps full
// relative accuracy for tiny probabilities. REQUIRES: p irreducible.
std::vector<double> StationaryDistributionGth(std::vector<double> p, size_t k);

}  // namespace panic::analysis
