// Run statistics as a pure aggregation over plain records the caller read from the store:
// run length, stop reason and loop length by (prompt, network), by prompt, by network and
// overall, and invocation durations per model.
//
// Percentiles (median, p95) use linear interpolation between closest ranks, numpy's
// default: for sorted x₀ ≤ … ≤ x_{n−1} and q ∈ [0, 1], h = (n − 1)·q and
// P(q) = x_⌊h⌋ + (h − ⌊h⌋)·(x_⌊h⌋+1 − x_⌊h⌋).
//
// Thread safety: pure functions.
#pragma once

#include <cstddef>
#include <cstdint>
#include <limits>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <vector>

namespace panic::analysis {

struct RunRecord {
  std::string initial_prompt;
  std::string network;                     // as tables write it, e.g. "SDXLTurbo→Moondream"
  std::optional<std::string> stop_reason;  // "length", "duplicate", "failed"; none while running
  size_t length = 0;                       // invocations the run holds
  std::optional<int64_t> loop_length;      // set for runs stopped as "duplicate"
};

struct InvocationTiming {
  std::string model;
  double seconds = 0;  // completed_at − started_at; NaN when either is missing
};

// Summary statistics of a sample; all NaN when it is empty.
struct Summary {
  size_t count = 0;
  double mean = std::numeric_limits<double>::quiet_NaN();
  double median = std::numeric_limits<double>::quiet_NaN();
  double p95 = std::numeric_limits<double>::quiet_NaN();
  double min = std::numeric_limits<double>::quiet_NaN();
  double max = std::numeric_limits<double>::quiet_NaN();
  double total = 0;
};
Summary Summarize(std::vector<double> sample);
// Linear-interpolation percentile of a sorted, non-empty sample; q ∈ [0, 1].
double Percentile(std::span<const double> sorted, double q);

struct DurationSummary {
  std::string model;
  Summary seconds;     // over the invocations with a duration
  size_t missing = 0;  // invocations without one (NaN or infinite)
};
// One entry per model, sorted by model name.
std::vector<DurationSummary> SummarizeDurations(std::span<const InvocationTiming> timings);

// Runs of one group. For by-prompt rows `network` is empty, for by-network rows
// `initial_prompt` is, and both are for the overall row.
struct RunGroupSummary {
  std::string initial_prompt;
  std::string network;
  size_t runs = 0;
  std::map<std::string, size_t> stop_reasons;  // runs per stop reason; "running" = none yet
  Summary length;                              // invocations per run
  Summary loop_length;                         // over the runs with a loop length
};

struct RunSummary {
  std::vector<RunGroupSummary> by_prompt_and_network;  // sorted by (prompt, network)
  std::vector<RunGroupSummary> by_prompt;              // sorted by prompt
  std::vector<RunGroupSummary> by_network;             // sorted by network
  RunGroupSummary all;
};
RunSummary SummarizeRuns(std::span<const RunRecord> runs);

}  // namespace panic::analysis
