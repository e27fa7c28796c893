// The one definition of "done", used by the pipeline (whether an experiment is completed)
// and by `experiment show` (each stage's done/expected). Each stage states its share
// through Stage::Count() over the same ExperimentFacts:
//
//  - runs: a run is done when it stopped by length or duplicate; a failed run is not done
//    (resume retries it).
//  - a run's trajectory under an embedding model is the outputs of the model's modality.
//    It is complete when the run is done and every one of those outputs has its vector.
//    Until a run stops, its expected outputs are projected to max_length (so expected
//    counts do not depend on how far the runs have come).
//  - a diagram is done when it was computed from the run's complete trajectory: its
//    stored point count and last step equal the trajectory's. Otherwise it is stale (or,
//    for rows of older versions without provenance, unknown = stale) and is recomputed.
#pragma once

#include <string>
#include <vector>

#include "panic/engine/stage.h"
#include "panic/models/registry.h"
#include "panic/store/database.h"
#include "panic/store/records.h"
#include "panic/store/run_progress.h"

namespace panic::engine {

struct RunFacts {
  std::string id;
  int64_t run_number = 0;
  int64_t max_length = 0;
  std::optional<std::string> stop_reason;
  int64_t text = 0, image = 0;     // outputs so far
  int64_t projected_text = 0;      // outputs of each type at max_length
  int64_t projected_image = 0;
  int64_t last_sequence = -1;

  bool done() const { return stop_reason && *stop_reason != store::kStopFailed; }
  bool failed() const { return stop_reason && *stop_reason == store::kStopFailed; }
  int64_t outputs(store::OutputType t) const { return t == store::OutputType::kText ? text : image; }
  int64_t invocations() const { return last_sequence + 1; }
  // What the run will have: its outputs once stopped, the projection until then.
  int64_t expected_outputs(store::OutputType t) const {
    if (done()) return outputs(t);
    return t == store::OutputType::kText ? projected_text : projected_image;
  }
};

struct ModelFacts {
  std::string model;
  store::OutputType type = store::OutputType::kText;
  std::vector<store::RunModelStats> per_run;  // parallel to ExperimentFacts::runs
  // Whether diagrams carry their provenance (schema migration 2). Without it a diagram
  // with data counts as fresh once its run's trajectory is complete.
  bool provenance = true;
};

struct ExperimentFacts {
  store::ExperimentRecord experiment;
  std::vector<RunFacts> runs;  // by run number
  std::vector<ModelFacts> models;
};

// The output type of an embedding model (text unless the registry knows it as an image model).
store::OutputType EmbeddingInputType(const models::ModelRegistry& registry, const std::string& model);

Result<ExperimentFacts> LoadExperimentFacts(store::Database& db, const models::ModelRegistry& registry,
                                            const std::string& experiment_id);

// Whether the run's trajectory under the model is complete (run done, every output of
// the model's modality embedded).
bool TrajectoryComplete(const RunFacts& run, const ModelFacts& model, size_t run_index);
// Whether the run's diagram under the model is stored with data and computed from the
// run's complete trajectory.
bool DiagramFresh(const RunFacts& run, const ModelFacts& model, size_t run_index);

}  // namespace panic::engine
