// The pipeline of DESIGN.md §3 for one experiment: the stages of the StageRegistry
// (runs → embeddings → diagrams), in order. The only code that drives stages: it plans,
// executes and commits each stage's units, and owns progress, ETA, cancellation, timing
// and completion (completion.h). Every stage computes only what is missing, so resuming
// is running the pipeline again.
#pragma once

#include <set>
#include <string>
#include <vector>

#include "panic/engine/progress.h"
#include "panic/engine/stage_registry.h"
#include "panic/engine/stage_timing.h"
#include "panic/engine/unit_executor.h"
#include "panic/models/registry.h"
#include "panic/store/database.h"

namespace panic::engine {

// The options every stage gets, and which stages to run.
struct PipelineOptions : StageOptions {
  std::set<std::string> stages;             // names from the registry; empty: every stage
  const StageRegistry* registry = nullptr;  // null: StageRegistry::Default()
  // Stages that declare follows_runs run for the runs that stopped at each release point
  // of the runs stage (when they are selected too), not only after every run stopped.
  bool follow_runs = true;
  // When set, the units of stages with independent_units execute there (unit_executor.h).
  UnitExecutor* executor = nullptr;
};

// What one stage did in this process.
struct StageReport {
  std::string name;
  std::string unit;
  bool ran = false;
  int64_t written = 0;
  int64_t failed = 0;
  StageTiming timing;
};

struct PipelineResult {
  std::vector<StageReport> stages;  // every registered stage, in order
  bool completed = false;           // every stage is done (completion.h): completed_at is set

  // The report of the named stage (a zero report when unknown).
  const StageReport& stage(const std::string& name) const;
  int64_t written(const std::string& name) const { return stage(name).written; }
  int64_t failed(const std::string& name) const { return stage(name).failed; }
  int64_t total_failed() const;
};

// Runs the chosen stages of the experiment. Cancelled when `cancel` was set; what was
// committed stays.
Result<PipelineResult> ExecuteExperiment(store::Database& db, models::ModelRegistry& registry,
                                         const std::string& experiment_id, const PipelineOptions& options);

}  // namespace panic::engine
