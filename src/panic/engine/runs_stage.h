// The runs stage (DESIGN.md §3): every run advances from its own last committed
// invocation to its end. Runs of one network advance in lockstep — one batched model
// call per step for all still-active runs of the group — and each step's invocations
// are committed in one transaction together with the completions of the runs they end.
//
// Invariants that make kill -9 + resume exact:
//  - a run's state is a pure function of its committed invocations (its last output
//    and the loop keys of all its outputs), so resuming rebuilds it from the database;
//  - models see the image as stored (a lossy WEBP setting round-trips it first), so an
//    uninterrupted run and a resumed one feed identical inputs to the next step;
//  - a run that stops (length or duplicate) is marked in the same transaction as its
//    last invocation.
// A failing model call marks the runs of that batch failed (with the error) and the
// rest of the experiment goes on; resume reopens failed runs.
#pragma once

#include "panic/core/experiment_config.h"
#include "panic/engine/progress.h"
#include "panic/models/registry.h"
#include "panic/store/store.h"

namespace panic::engine {

struct RunsStageResult {
  int64_t invocations_written = 0;
  int64_t runs_failed = 0;
  double model_s = 0;  // inside InvokeBatch
};

// Cancelled when `cancel` was set (everything committed so far stays).
Result<RunsStageResult> ExecuteRunsStage(store::Store& store, models::ModelRegistry& registry,
                                         const store::ExperimentRecord& experiment, const ExperimentOptions& options,
                                         const StageOptions& stage_options);

}  // namespace panic::engine
