// What `experiment show` reports, computed from the database: progress against what the
// experiment expects, timing and failures.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "panic/store/store.h"

namespace panic::engine {

struct FailedRun {
  std::string run_id;
  int64_t run_number = 0;
  std::string error;
};

struct ExperimentSummary {
  store::ExperimentRecord experiment;
  store::ExperimentCounts counts;
  // Σ over runs: the steps it has when stopped, max_length while running.
  int64_t invocations_expected = 0;
  double elapsed_s = 0;           // started → completed (or now)
  std::optional<double> eta_s;    // from the invocation rate so far; absent when unknown or done
  std::vector<FailedRun> failed_runs;
  std::string status;             // "not started", "running", "incomplete", "completed"
};

Result<ExperimentSummary> SummarizeExperiment(store::Store& store, const std::string& experiment_id);

}  // namespace panic::engine
