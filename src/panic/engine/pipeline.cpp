#include "panic/engine/pipeline.h"

#include <chrono>
#include <sstream>

#include "panic/core/experiment_config.h"
#include "panic/core/time.h"
#include "panic/engine/diagrams_stage.h"
#include "panic/engine/embeddings_stage.h"
#include "panic/engine/experiment_summary.h"
#include "panic/engine/runs_stage.h"

namespace panic::engine {

const std::vector<Stage>& AllStages() {
  static const std::vector<Stage> kStages = {Stage::kRuns, Stage::kEmbeddings, Stage::kDiagrams};
  return kStages;
}

const char* StageName(Stage stage) {
  switch (stage) {
    case Stage::kRuns: return "runs";
    case Stage::kEmbeddings: return "embeddings";
    case Stage::kDiagrams: return "diagrams";
  }
  return "?";
}

Result<std::set<Stage>> ParseStages(const std::string& list) {
  std::set<Stage> out;
  std::stringstream ss(list);
  std::string item;
  while (std::getline(ss, item, ',')) {
    bool found = false;
    for (Stage s : AllStages()) {
      if (item == StageName(s)) {
        out.insert(s);
        found = true;
      }
    }
    if (!found) {
      return Status::InvalidArgument("--stages: unknown stage '" + item + "' (allowed: runs, embeddings, diagrams)");
    }
  }
  if (out.empty()) return Status::InvalidArgument("--stages: empty (allowed: runs, embeddings, diagrams)");
  return out;
}

namespace {

double SecondsSince(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

}  // namespace

Result<PipelineResult> ExecuteExperiment(store::Store& store, models::ModelRegistry& registry,
                                         const std::string& experiment_id, const PipelineOptions& options) {
  PANIC_ASSIGN_OR_RETURN(store::ExperimentRecord experiment, store.GetExperiment(experiment_id));
  PANIC_ASSIGN_OR_RETURN(ExperimentOptions exp_options, ParseExperimentOptions(experiment.options_json));
  // Backends configured per experiment (the Python worker's interpreter, timeouts) see the
  // stored options, so that a resume runs them as the first run did.
  PANIC_RETURN_IF_ERROR(registry.ApplyExperimentOptions(exp_options));
  PipelineResult result;

  PANIC_RETURN_IF_ERROR(store.SetExperimentStarted(experiment.id, NowIso()));
  const StageOptions& stage_options = options;
  if (options.stages.count(Stage::kRuns)) {
    PANIC_ASSIGN_OR_RETURN(int64_t reopened, store.ReopenFailedRuns(experiment.id));
    (void)reopened;
    const auto start = std::chrono::steady_clock::now();
    PANIC_ASSIGN_OR_RETURN(RunsStageResult runs, ExecuteRunsStage(store, registry, experiment, exp_options, stage_options));
    result.runs_timing = {SecondsSince(start), runs.model_s, 0};
    result.invocations_written = runs.invocations_written;
    result.runs_failed = runs.runs_failed;
  }
  if (options.stages.count(Stage::kEmbeddings)) {
    const auto start = std::chrono::steady_clock::now();
    PANIC_ASSIGN_OR_RETURN(EmbeddingsStageResult emb,
                           ExecuteEmbeddingsStage(store, registry, experiment, exp_options, stage_options));
    result.embeddings_timing = {SecondsSince(start), emb.model_s, 0};
    result.embeddings_written = emb.written;
  }
  if (options.stages.count(Stage::kDiagrams)) {
    const auto start = std::chrono::steady_clock::now();
    PANIC_ASSIGN_OR_RETURN(DiagramsStageResult pd, ExecuteDiagramsStage(store, experiment, exp_options, stage_options));
    result.diagrams_timing = {SecondsSince(start), 0, pd.kernel_s};
    result.diagrams_written = pd.written;
    result.diagrams_failed = pd.failed;
  }

  for (const auto& model : experiment.embedding_models) {
    if (!registry.Find(model)) return Status::NotFound("embedding model '" + model + "' is not available in this build");
  }
  PANIC_ASSIGN_OR_RETURN(ExperimentSummary summary, SummarizeExperiment(store, registry, experiment.id));
  result.completed = summary.AllWorkDone();
  PANIC_RETURN_IF_ERROR(store.SetExperimentCompleted(experiment.id, result.completed ? NowIso() : ""));
  return result;
}

}  // namespace panic::engine
