// Statistics over cluster label sequences: one sequence per run, the cluster label of
// each of the run's embeddings (under one embedding model and one clustering result) in
// step order; −1 (kOutlierLabel) marks an outlier, as in embedding_clusters.
//
// Outliers are handled one of three ways, the same way by every function here and by the
// Markov chain (markov_chain.h):
//   kInclude  −1 is a label like any other (the "outlier state").
//   kSkip     outlier steps are deleted and the rest closed up: A −1 B counts the
//             transition A→B and A −1 A is one visit of length 2 to A. This is what the
//             Python reference did (it filtered outliers out before shifting).
//   kBreak    outlier steps cut the sequence: A −1 B counts no transition, A −1 A is two
//             visits of length 1; nothing involving −1 is counted.
//
// Thread safety: pure functions.
#pragma once

#include <cstddef>
#include <cstdint>
#include <limits>
#include <span>
#include <vector>

namespace panic::analysis {

inline constexpr int64_t kOutlierLabel = -1;

enum class OutlierHandling { kInclude, kSkip, kBreak };
const char* OutlierHandlingName(OutlierHandling outliers);  // "include", "skip", "break"

// A run's label sequence.
using LabelSequence = std::span<const int64_t>;

// A maximal stretch of one label. `length` counts the labelled steps it holds; `start` is
// the index in the original sequence of its first step (with kSkip a stretch may span
// deleted outlier steps, so start + length need not be where it ends).
struct LabelRun {
  int64_t label = 0;
  size_t length = 0;
  size_t start = 0;
  friend bool operator==(const LabelRun&, const LabelRun&) = default;
};
// Run-length encoding of one run, in step order.
std::vector<LabelRun> RunLengths(LabelSequence labels, OutlierHandling outliers);

// Consecutive label pairs (from, to) with their count, sorted by (from, to).
struct Bigram {
  int64_t from = 0;
  int64_t to = 0;
  uint64_t count = 0;
  friend bool operator==(const Bigram&, const Bigram&) = default;
};
// The bigrams of one run (self pairs A→A included unless `self_transitions` is false).
std::vector<Bigram> CountBigrams(LabelSequence labels, OutlierHandling outliers,
                                 bool self_transitions = true);
// Summed over runs: the transition counts of a group.
std::vector<Bigram> CountBigrams(std::span<const LabelSequence> runs, OutlierHandling outliers,
                                 bool self_transitions = true);

// The most frequent labels of a group of runs, by number of steps. Ranks are dense over
// counts (equal counts share a rank, the next count gets the next rank, as polars'
// rank("dense") in the reference), and every label of rank ≤ n is kept, so ties can
// return more than n labels. Sorted by rank, then label. With kSkip and kBreak outliers
// are not counted (and not in `total`).
struct RankedLabel {
  int64_t label = 0;
  uint64_t count = 0;
  size_t rank = 0;     // 1 = most frequent
  double share = 0;    // count / total labelled steps of the group
};
std::vector<RankedLabel> TopLabels(std::span<const LabelSequence> runs, size_t n,
                                   OutlierHandling outliers);

// Whether a run comes back to the cluster it started in. The initial cluster is the
// label of the first step that counts (the first non-outlier step with kSkip and kBreak,
// which behave alike here); the run "left" when a later counted step has another label,
// and "returned" when, after leaving, a counted step has the initial label again.
enum class InitialReturn { kNoLabels, kStayed, kLeft, kReturned };
const char* InitialReturnName(InitialReturn r);  // "no_labels", "stayed", "left", "returned"
InitialReturn ClassifyInitialReturn(LabelSequence labels, OutlierHandling outliers);

struct ReturnSummary {
  size_t runs = 0;        // all runs given
  size_t labelled = 0;    // runs with at least one counted step
  size_t stayed = 0;      // never left the initial cluster
  size_t left = 0;        // left and did not come back
  size_t returned = 0;    // left and came back
  // returned / labelled: the share of runs that return to their initial cluster.
  double share_returned = std::numeric_limits<double>::quiet_NaN();
  // returned / (left + returned): the same among the runs that left at all.
  double share_returned_of_left = std::numeric_limits<double>::quiet_NaN();
};
ReturnSummary SummarizeInitialReturns(std::span<const LabelSequence> runs,
                                      OutlierHandling outliers);

namespace internal {
// The stretches of `labels` that the statistics see under `outliers`, as index lists
// into `labels`: one piece for kInclude and kSkip (outlier indices removed for kSkip),
// the maximal outlier-free stretches for kBreak. Empty pieces are dropped.
std::vector<std::vector<size_t>> CountedPieces(LabelSequence labels, OutlierHandling outliers);
}  // namespace internal

}  // namespace panic::analysis
