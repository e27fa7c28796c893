// The prompt-embeddings stage (issue 12 §1): every initial prompt of the experiment
// embedded once under each of its text embedding models, into prompt_embeddings
// (store/analysis_tables.h). These are the reference points of semantic drift; image
// embedding models have none (their drift is measured from the run's first image).
//
// A unit is one model's missing prompts; commit writes them in one transaction. Plan asks
// the store for what is missing, so a killed pass resumes where it stopped and a second
// pass writes nothing. A prompt whose embedding fails (or has the wrong length or a
// non-finite value) is counted failed and retried on resume.
//
// Its rows are not part of the experiment's "done" (completion.h): drift is computed on
// demand and says which references are missing.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "panic/engine/stage.h"
#include "panic/store/analysis_tables.h"

namespace panic::engine {

struct PromptEmbeddingUnit {
  std::string experiment_id;
  std::string model;
  std::vector<std::string> prompts;
  size_t batch_size = 1;
};
struct PromptEmbeddingOutput {
  std::vector<store::PromptEmbeddingRecord> records;
  std::vector<std::string> errors;  // "prompt '…': why"
};

class PromptEmbeddingsStage : public TypedStage<PromptEmbeddingUnit, PromptEmbeddingOutput> {
 public:
  const StageInfo& info() const override;
  Result<StagePlan> Plan(StageContext& ctx) override;
  Status Finish(StageContext& ctx) override;
  std::vector<StageCount> Count(const ExperimentFacts&) const override { return {}; }
  int64_t Remaining(const ExperimentFacts&) const override { return 0; }

 protected:
  Result<std::optional<PromptEmbeddingUnit>> Next(StageContext& ctx) override;
  Result<PromptEmbeddingOutput> Run(const PromptEmbeddingUnit& unit, ExecuteContext& ctx) override;
  Result<UnitOutcome> Write(StageContext& ctx, PromptEmbeddingOutput& output) override;

 private:
  std::vector<PromptEmbeddingUnit> units_;  // planned, handed out in order
  size_t next_ = 0;
};

}  // namespace panic::engine
