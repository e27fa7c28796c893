#include "panic/engine/experiment_summary.h"

#include "panic/core/time.h"

namespace panic::engine {

bool ExperimentSummary::AllWorkDone() const {
  if (counts.runs_failed != 0 || counts.runs_finished != counts.runs_total) return false;
  for (const auto& m : models) {
    if (m.embeddings != m.embeddings_expected || m.diagrams != m.diagrams_expected) return false;
  }
  return true;
}

Result<ExperimentSummary> SummarizeExperiment(store::Store& store, const models::ModelRegistry& registry,
                                              const std::string& experiment_id) {
  ExperimentSummary s;
  PANIC_ASSIGN_OR_RETURN(s.experiment, store.GetExperiment(experiment_id));
  PANIC_ASSIGN_OR_RETURN(s.counts, store.CountExperiment(experiment_id));
  PANIC_ASSIGN_OR_RETURN(auto runs, store.ListRuns(experiment_id));
  PANIC_ASSIGN_OR_RETURN(auto per_run, store.InvocationCountsByRun(experiment_id));
  for (const auto& r : runs) {
    int64_t have = per_run.count(r.id) ? per_run.at(r.id) : 0;
    s.invocations_expected += r.finished() ? have : r.max_length;
    if (r.stop_reason && *r.stop_reason == store::kStopFailed) {
      s.failed_runs.push_back({r.id, r.run_number, r.error.value_or("")});
    }
  }
  for (const auto& model : s.experiment.embedding_models) {
    const models::ModelInfo* info = registry.Find(model);
    const bool image = info && info->kind == models::ModelKind::kImageEmbedding;
    EmbeddingModelProgress m{model};
    const auto& c = s.counts;
    m.embeddings = c.embeddings.count(model) ? c.embeddings.at(model) : 0;
    m.embeddings_expected = image ? c.image_invocations : c.text_invocations;
    m.diagrams = c.diagrams.count(model) ? c.diagrams.at(model) : 0;
    m.diagram_failures = c.diagram_failures.count(model) ? c.diagram_failures.at(model) : 0;
    PANIC_ASSIGN_OR_RETURN(m.diagrams_expected, store.CountRunsWithOutputs(
        experiment_id, image ? store::OutputType::kImage : store::OutputType::kText, 2));
    s.models.push_back(m);
  }
  const auto& e = s.experiment;
  if (!e.started_at) {
    s.status = "not started";
    return s;
  }
  PANIC_ASSIGN_OR_RETURN(int64_t start, ParseIsoMicros(*e.started_at));
  int64_t end = NowMicros();
  if (e.completed_at) {
    PANIC_ASSIGN_OR_RETURN(end, ParseIsoMicros(*e.completed_at));
    s.status = "completed";
  } else {
    // Without a live writer we cannot tell running from interrupted; the updated_at
    // of a writing process moves with each stage.
    s.status = s.counts.runs_failed > 0 ? "incomplete" : "running or interrupted";
  }
  s.elapsed_s = static_cast<double>(end - start) / 1e6;
  const int64_t left = s.invocations_expected - s.counts.invocations;
  if (!e.completed_at && left > 0 && s.counts.invocations > 0 && s.elapsed_s > 0) {
    s.eta_s = left / (s.counts.invocations / s.elapsed_s);
  }
  return s;
}

}  // namespace panic::engine
