// The pipeline of DESIGN.md §3 for one experiment: runs → embeddings → persistence
// diagrams. The only code that knows the order of the stages. Every stage computes only
// what is missing, so resuming is running the pipeline again.
#pragma once

#include <set>
#include <string>
#include <vector>

#include "panic/engine/progress.h"
#include "panic/engine/stage_timing.h"
#include "panic/models/registry.h"
#include "panic/store/store.h"

namespace panic::engine {

enum class Stage { kRuns, kEmbeddings, kDiagrams };

// All stages, in pipeline order.
const std::vector<Stage>& AllStages();
const char* StageName(Stage stage);
// "runs,embeddings" → stages; InvalidArgument naming an unknown stage.
Result<std::set<Stage>> ParseStages(const std::string& list);

// The options every stage gets, and which stages to run.
struct PipelineOptions : StageOptions {
  std::set<Stage> stages{Stage::kRuns, Stage::kEmbeddings, Stage::kDiagrams};
};

struct PipelineResult {
  int64_t invocations_written = 0;
  int64_t runs_failed = 0;
  int64_t embeddings_written = 0;
  int64_t diagrams_written = 0;
  int64_t diagrams_failed = 0;
  StageTiming runs_timing, embeddings_timing, diagrams_timing;
  bool completed = false;  // every stage ran and nothing failed: completed_at is set
};

// Runs the chosen stages of the experiment. Failed runs are reopened first (resume
// retries them). Cancelled when `cancel` was set; what was committed stays.
Result<PipelineResult> ExecuteExperiment(store::Store& store, models::ModelRegistry& registry,
                                         const std::string& experiment_id, const PipelineOptions& options);

}  // namespace panic::engine
