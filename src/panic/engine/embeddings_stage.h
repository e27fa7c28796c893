// The embeddings stage: for every embedding model of the experiment, the invocations of
// its modality that have no vector for it yet. A unit is a round of `batch_size × threads`
// outputs read in keyset order; execute embeds it as `threads` batches in parallel (the
// models are thread-safe); commit writes the round's vectors in one transaction.
// Idempotent: it only ever asks the store for what is missing.
//
// A failing batch is split in halves (bisection) until the failing outputs stand alone;
// an output that fails on its own (or gives a vector of the wrong length or with a
// non-finite value) is counted failed and left without a vector: its run's trajectory is
// incomplete, so it gets no diagram, and resume retries it. The models are released when
// the stage ends (GPU memory for whatever runs next).
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "panic/engine/stage.h"
#include "panic/store/invocations_table.h"

namespace panic::engine {

// A round: outputs of one modality to embed under one model (plain data).
// The experiment option the embeddings stage owns (declared in its StageInfo), also read
// by the prompt_embeddings stage:
//   embedding_batch_size  inputs per embedding call, 1..1048576 (default 64)
struct EmbeddingOptions {
  int embedding_batch_size = 64;
};
const std::vector<OptionField<EmbeddingOptions>>& EmbeddingOptionFields();

struct EmbeddingItem {
  std::string invocation_id;
  store::OutputType type = store::OutputType::kText;
  std::string output_text;   // when text
  std::string output_image;  // encoded, when image
};
struct EmbeddingUnit {
  std::string model;
  std::vector<EmbeddingItem> items;
  size_t batch_size = 1;
};
struct EmbeddingOutput {
  std::vector<store::EmbeddingRecord> records;
  std::vector<std::string> errors;  // "invocation ID: why", one per failed output
};

class EmbeddingsStage : public TypedStage<EmbeddingUnit, EmbeddingOutput> {
 public:
  const StageInfo& info() const override;
  Result<StagePlan> Plan(StageContext& ctx) override;
  Status Finish(StageContext& ctx) override;
  std::vector<StageCount> Count(const ExperimentFacts& facts) const override;
  int64_t Remaining(const ExperimentFacts& facts) const override;
  Result<std::vector<store::WorkInterval>> WorkHistory(store::Database& db, const std::string& experiment_id) const override;

 protected:
  Result<std::optional<EmbeddingUnit>> Next(StageContext& ctx) override;
  Result<EmbeddingOutput> Run(const EmbeddingUnit& unit, ExecuteContext& ctx) override;
  Result<UnitOutcome> Write(StageContext& ctx, EmbeddingOutput& output) override;

 private:
  EmbeddingOptions options_;  // read in Plan
  size_t model_index_ = 0;
  store::InvocationCursor cursor_;
};

}  // namespace panic::engine
