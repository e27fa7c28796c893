// What `experiment show` reports, computed from the database: progress against what the
// experiment expects, timing and failures.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "panic/models/registry.h"
#include "panic/store/store.h"

namespace panic::engine {

struct FailedRun {
  std::string run_id;
  int64_t run_number = 0;
  std::string error;
};

// Progress of one embedding model: vectors and diagrams, done against expected.
struct EmbeddingModelProgress {
  std::string model;
  int64_t embeddings = 0;
  int64_t embeddings_expected = 0;  // the invocations of the model's modality
  int64_t diagrams = 0;
  int64_t diagrams_expected = 0;    // runs with ≥ 2 outputs of the model's modality
  int64_t diagram_failures = 0;
};

struct ExperimentSummary {
  store::ExperimentRecord experiment;
  store::ExperimentCounts counts;
  // Σ over runs: the steps it has when stopped, max_length while running.
  int64_t invocations_expected = 0;
  double elapsed_s = 0;           // started → completed (or now)
  std::optional<double> eta_s;    // from the invocation rate so far; absent when unknown or done
  std::vector<FailedRun> failed_runs;
  std::vector<EmbeddingModelProgress> models;
  std::string status;             // "not started", "running", "incomplete", "completed"

  // Every run stopped without failing, every output has its vector under every model of
  // its modality, and every run with ≥ 2 outputs has its diagrams: the experiment is complete.
  bool AllWorkDone() const;
};

// `registry` tells each embedding model's modality; a model it does not know counts as text.
Result<ExperimentSummary> SummarizeExperiment(store::Store& store, const models::ModelRegistry& registry,
                                              const std::string& experiment_id);

}  // namespace panic::engine
