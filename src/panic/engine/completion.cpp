#include "panic/engine/completion.h"
#include "panic/store/experiments_table.h"
#include "panic/store/runs_table.h"

namespace panic::engine {
namespace {

// Outputs of `type` among the first `length` steps of a run over `network`.
int64_t ProjectedOutputs(const std::vector<std::string>& network, int64_t length, store::OutputType type,
                         const models::ModelRegistry& registry) {
  if (network.empty()) return 0;
  const auto n = static_cast<int64_t>(network.size());
  int64_t per_cycle = 0, in_remainder = 0;
  for (int64_t i = 0; i < n; ++i) {
    const models::ModelInfo* info = registry.Find(network[static_cast<size_t>(i)]);
    const bool image = info && info->output == models::Modality::kImage;
    const bool match = image == (type == store::OutputType::kImage);
    if (match) {
      ++per_cycle;
      if (i < length % n) ++in_remainder;
    }
  }
  return length / n * per_cycle + in_remainder;
}

}  // namespace

store::OutputType EmbeddingInputType(const models::ModelRegistry& registry, const std::string& model) {
  const models::ModelInfo* info = registry.Find(model);
  return info && info->kind == models::ModelKind::kImageEmbedding ? store::OutputType::kImage
                                                                  : store::OutputType::kText;
}

Result<ExperimentFacts> LoadExperimentFacts(store::Database& db, const models::ModelRegistry& registry,
                                            const std::string& experiment_id) {
  ExperimentFacts facts;
  PANIC_ASSIGN_OR_RETURN(facts.experiment, store::experiments::Get(db.connection(), experiment_id));
  PANIC_ASSIGN_OR_RETURN(auto runs, store::runs::List(db.connection(), experiment_id));
  PANIC_ASSIGN_OR_RETURN(auto outputs, store::RunOutputStatsByRun(db.connection(), experiment_id));
  facts.runs.reserve(runs.size());
  for (const auto& r : runs) {
    RunFacts f;
    f.id = r.id;
    f.run_number = r.run_number;
    f.max_length = r.max_length;
    f.stop_reason = r.stop_reason;
    if (auto it = outputs.find(r.id); it != outputs.end()) {
      f.text = it->second.text;
      f.image = it->second.image;
      f.last_sequence = it->second.last_sequence;
    }
    f.projected_text = ProjectedOutputs(r.network, r.max_length, store::OutputType::kText, registry);
    f.projected_image = ProjectedOutputs(r.network, r.max_length, store::OutputType::kImage, registry);
    facts.runs.push_back(std::move(f));
  }
  for (const auto& model : facts.experiment.embedding_models) {
    ModelFacts m;
    m.model = model;
    m.type = EmbeddingInputType(registry, model);
    PANIC_ASSIGN_OR_RETURN(m.provenance, store::DiagramsHaveProvenance(db.connection()));
    PANIC_ASSIGN_OR_RETURN(auto stats, store::RunModelStatsByRun(db.connection(), experiment_id, model));
    m.per_run.resize(facts.runs.size());
    for (size_t i = 0; i < facts.runs.size(); ++i) {
      if (auto it = stats.find(facts.runs[i].id); it != stats.end()) m.per_run[i] = it->second;
    }
    facts.models.push_back(std::move(m));
  }
  return facts;
}

bool TrajectoryComplete(const RunFacts& run, const ModelFacts& model, size_t run_index) {
  return run.done() && model.per_run[run_index].embeddings == run.outputs(model.type);
}

bool DiagramFresh(const RunFacts& run, const ModelFacts& model, size_t run_index) {
  const store::RunModelStats& s = model.per_run[run_index];
  if (!s.has_diagram || s.diagram_failed || !TrajectoryComplete(run, model, run_index)) return false;
  if (!model.provenance) return true;
  return s.diagram_point_count == s.embeddings && s.diagram_last_sequence == s.last_embedded_sequence;
}

}  // namespace panic::engine
