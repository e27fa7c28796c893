// What `experiment show` reports, computed from the database: progress of every stage of
// the StageRegistry against what the experiment expects (the one definition of "done",
// completion.h), timing and failures.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "panic/engine/stage.h"
#include "panic/engine/stage_rate.h"
#include "panic/engine/stage_registry.h"
#include "panic/models/registry.h"
#include "panic/store/database.h"
#include "panic/store/diagrams_table.h"

namespace panic::engine {

struct FailedRun {
  std::string run_id;
  int64_t run_number = 0;
  std::string error;
};

// One stage's share of "done": one count overall, or one per embedding model.
struct StageSummary {
  StageInfo info;
  std::vector<StageCount> counts;
};

// The longest pause between two stored results that still counts as working time (a model
// loading between stages, commits); a longer one is a stop, or nobody running.
inline constexpr double kWorkingPauseS = 60;

struct ExperimentSummary {
  store::ExperimentRecord experiment;
  store::ExperimentCounts counts;
  // Σ over runs: the steps it has when stopped, max_length while running.
  int64_t invocations_expected = 0;
  // Working time: the union of the (started_at, completed_at) intervals of every stored
  // step, vector, prompt vector and diagram of the experiment, pauses of at most
  // kWorkingPauseS between two of them included. A stop and a resume a day later add the
  // two sessions' work, not the day between them.
  double elapsed_s = 0;
  double span_s = 0;              // wall clock: started → completed (or now), pauses included
  // Each stage's remaining work at its own measured rate (stage_rate.h), for every stage.
  EtaEstimate eta;
  std::optional<double> eta_s;    // eta.total_s while work is left; absent when unknown or done
  std::vector<FailedRun> failed_runs;
  std::vector<StageSummary> stages;  // in pipeline order
  // Stored diagrams computed with `options.approximate` / `exact_up_to`, per model and ε.
  std::vector<store::diagrams::ApproximateDiagramCount> approximate_diagrams;
  std::string status;  // "not started", "running or interrupted", "incomplete", "completed"

  // Every stage's every count is complete: the experiment is complete.
  bool AllWorkDone() const;
};

// `registry` tells each model's modality (a model it does not know counts as text).
Result<ExperimentSummary> SummarizeExperiment(store::Database& db, const models::ModelRegistry& registry,
                                              const std::string& experiment_id,
                                              const StageRegistry& stages = StageRegistry::Default());

}  // namespace panic::engine
