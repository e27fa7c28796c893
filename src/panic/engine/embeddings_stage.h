// The embeddings stage: for every embedding model of the experiment, the invocations of
// its modality that have no vector for it yet, in batches. Each round loads
// `batch_size × threads` outputs, embeds them as `threads` batches in parallel (the
// models are thread-safe), and writes the round in one transaction. Idempotent: it
// only ever asks the store for what is missing.
#pragma once

#include "panic/core/experiment_config.h"
#include "panic/engine/progress.h"
#include "panic/models/registry.h"
#include "panic/store/store.h"

namespace panic::engine {

struct EmbeddingsStageResult {
  int64_t written = 0;
  double model_s = 0;  // inside EmbedBatch, summed over threads
};

// A model error or a vector of the wrong size or with a non-finite value stops the
// stage with ModelFailed; what was written stays, and resume continues.
Result<EmbeddingsStageResult> ExecuteEmbeddingsStage(store::Store& store, models::ModelRegistry& registry,
                                       const store::ExperimentRecord& experiment, const ExperimentOptions& options,
                                       const StageOptions& stage_options);

}  // namespace panic::engine
