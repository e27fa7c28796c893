#include "panic/engine/prompt_embeddings_stage.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <set>

#include "panic/core/log.h"
#include "panic/core/time.h"
#include "panic/core/uuid.h"
#include "panic/engine/embeddings_stage.h"

namespace panic::engine {

const StageInfo& PromptEmbeddingsStage::info() const {
  static const StageInfo kInfo{"prompt_embeddings", "prompts",
                               "embed each initial prompt under each text embedding model (drift references)",
                               false, {}};
  return kInfo;
}

Result<StagePlan> PromptEmbeddingsStage::Plan(StageContext& ctx) {
  units_.clear();
  next_ = 0;
  // The batch size is the embeddings stage's option (it declares embedding_batch_size).
  PANIC_ASSIGN_OR_RETURN(EmbeddingOptions options, ReadOptions(ctx.options, EmbeddingOptionFields()));
  store::Database& db = ctx.db;
  PANIC_ASSIGN_OR_RETURN(auto stored, db.Read([&](store::SqliteDb& c) {
    return store::prompt_embeddings::List(c, ctx.experiment.id);
  }));
  std::set<std::pair<std::string, std::string>> have;  // (model, prompt)
  for (const auto& r : stored) have.insert({r.embedding_model, r.initial_prompt});
  // Prompts once each, in the experiment's order (a prompt may be listed twice).
  std::vector<std::string> prompts;
  for (const auto& p : ctx.experiment.prompts) {
    if (std::find(prompts.begin(), prompts.end(), p) == prompts.end()) prompts.push_back(p);
  }
  StagePlan plan;
  for (const auto& model : ctx.experiment.embedding_models) {
    const models::ModelInfo* info = ctx.registry.Find(model);
    if (!info) return Status::NotFound("embedding model '" + model + "' is not available in this build");
    if (info->kind != models::ModelKind::kTextEmbedding) continue;
    PromptEmbeddingUnit unit{ctx.experiment.id, model, {},
                             static_cast<size_t>(std::max(1, options.embedding_batch_size))};
    for (const auto& p : prompts) {
      ++plan.total;
      if (have.count({model, p})) ++plan.done;
      else unit.prompts.push_back(p);
    }
    if (!unit.prompts.empty()) units_.push_back(std::move(unit));
  }
  return plan;
}

Result<std::optional<PromptEmbeddingUnit>> PromptEmbeddingsStage::Next(StageContext&) {
  if (next_ >= units_.size()) return std::optional<PromptEmbeddingUnit>();
  return std::optional<PromptEmbeddingUnit>(std::move(units_[next_++]));
}

Result<PromptEmbeddingOutput> PromptEmbeddingsStage::Run(const PromptEmbeddingUnit& unit, ExecuteContext& ctx) {
  PromptEmbeddingOutput out;
  const auto t0 = std::chrono::steady_clock::now();
  auto model = ctx.registry.GetEmbedding(unit.model);
  if (!model.ok()) return model.status().WithContext("prompt_embeddings stage, model " + unit.model);
  const models::ModelInfo& info = (*model)->info();
  for (size_t begin = 0; begin < unit.prompts.size(); begin += unit.batch_size) {
    const size_t end = std::min(unit.prompts.size(), begin + unit.batch_size);
    std::vector<models::Payload> inputs;
    for (size_t i = begin; i < end; ++i) inputs.emplace_back(unit.prompts[i]);
    const std::string started = NowIso();
    auto vectors = (*model)->EmbedBatch(inputs);
    const std::string completed = NowIso();
    for (size_t i = begin; i < end; ++i) {
      std::string why;
      if (!vectors.ok()) {
        why = vectors.status().ToString();
      } else if (vectors->size() != inputs.size()) {
        why = info.name + " returned " + std::to_string(vectors->size()) + " vectors for " +
              std::to_string(inputs.size()) + " prompts";
      } else {
        const auto& v = (*vectors)[i - begin];
        if (static_cast<int>(v.size()) != info.dimension) {
          why = info.name + " returned a vector of " + std::to_string(v.size()) + " values (expected " +
                std::to_string(info.dimension) + ")";
        } else if (!std::all_of(v.begin(), v.end(), [](float x) { return std::isfinite(x); })) {
          why = info.name + " returned a non-finite value";
        }
      }
      if (!why.empty()) {
        out.errors.push_back("prompt '" + unit.prompts[i] + "' under " + unit.model + ": " + why);
        continue;
      }
      out.records.push_back({NewUuidV7(), unit.experiment_id, unit.prompts[i], unit.model,
                             std::move((*vectors)[i - begin]), started, completed});
    }
  }
  if (ctx.model_ns) {
    *ctx.model_ns +=
        std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now() - t0).count();
  }
  return out;
}

Result<UnitOutcome> PromptEmbeddingsStage::Write(StageContext& ctx, PromptEmbeddingOutput& output) {
  if (!output.records.empty()) {
    PANIC_RETURN_IF_ERROR(ctx.db.Write([&](store::SqliteDb& c) {
      return store::prompt_embeddings::Insert(c, output.records);
    }));
  }
  for (const auto& e : output.errors) Log(LogLevel::kError, "prompt_embeddings stage: " + e + " (resume retries it)");
  UnitOutcome outcome;
  outcome.written = static_cast<int64_t>(output.records.size());
  outcome.failed = static_cast<int64_t>(output.errors.size());
  return outcome;
}

Status PromptEmbeddingsStage::Finish(StageContext& ctx) {
  ctx.registry.ReleaseAll();  // as the embeddings stage: the models leave the worker / GPU
  return Status::Ok();
}

}  // namespace panic::engine
