#include "panic/engine/embeddings_stage.h"

#include <algorithm>
#include <cmath>

#include "panic/core/parallel.h"
#include "panic/core/time.h"
#include "panic/core/uuid.h"
#include "panic/engine/run_state.h"
#include "panic/engine/stage_timing.h"

namespace panic::engine {
namespace {

// Embeds one slice of a round; fills `out` (one record per input) or returns the error.
Status EmbedSlice(models::EmbeddingModel& model, std::span<const store::InvocationRecord> invocations,
                  std::vector<store::EmbeddingRecord>& out, std::atomic<int64_t>& model_ns) {
  const models::ModelInfo& info = model.info();
  std::vector<models::Payload> inputs;
  inputs.reserve(invocations.size());
  for (const auto& inv : invocations) {
    PANIC_ASSIGN_OR_RETURN(models::Payload p, DecodeOutput(inv));
    inputs.push_back(std::move(p));
  }
  const std::string started = NowIso();
  Result<std::vector<std::vector<float>>> embedded = Status::Internal("not called");
  {
    ScopedTimer timer(model_ns);
    embedded = model.EmbedBatch(inputs);
  }
  PANIC_ASSIGN_OR_RETURN(auto vectors, std::move(embedded));
  const std::string completed = NowIso();
  if (vectors.size() != invocations.size()) {
    return Status::ModelFailed(info.name + " returned " + std::to_string(vectors.size()) + " vectors for " +
                               std::to_string(invocations.size()) + " inputs");
  }
  for (size_t i = 0; i < vectors.size(); ++i) {
    if (static_cast<int>(vectors[i].size()) != info.dimension) {
      return Status::ModelFailed(info.name + " returned a vector of " + std::to_string(vectors[i].size()) +
                                 " values for invocation " + invocations[i].id + " (expected " +
                                 std::to_string(info.dimension) + ")");
    }
    if (!std::all_of(vectors[i].begin(), vectors[i].end(), [](float x) { return std::isfinite(x); })) {
      return Status::ModelFailed(info.name + " returned a non-finite value for invocation " + invocations[i].id);
    }
    out.push_back({NewUuidV7(), invocations[i].id, info.name, std::move(vectors[i]), started, completed});
  }
  return Status::Ok();
}

}  // namespace

Result<EmbeddingsStageResult> ExecuteEmbeddingsStage(store::Store& store, models::ModelRegistry& registry,
                                       const store::ExperimentRecord& experiment, const ExperimentOptions& options,
                                       const StageOptions& stage_options) {
  PANIC_ASSIGN_OR_RETURN(store::ExperimentCounts counts, store.CountExperiment(experiment.id));
  ProgressEvent progress{"embeddings", "embeddings", 0, 0, 0, false};
  for (const auto& name : experiment.embedding_models) {
    const models::ModelInfo* info = registry.Find(name);
    if (!info) return Status::NotFound("embedding model '" + name + "' is not available in this build");
    const bool text = info->kind == models::ModelKind::kTextEmbedding;
    progress.total += text ? counts.text_invocations : counts.image_invocations;
    progress.done += counts.embeddings.count(name) ? counts.embeddings.at(name) : 0;
  }
  if (stage_options.progress) stage_options.progress(progress);

  const size_t threads = static_cast<size_t>(std::max(1, stage_options.threads));
  const size_t batch = static_cast<size_t>(options.embedding_batch_size);
  int64_t written = 0;
  std::atomic<int64_t> model_ns{0};
  for (const auto& name : experiment.embedding_models) {
    const models::ModelInfo* info = registry.Find(name);
    const auto type = info->kind == models::ModelKind::kTextEmbedding ? store::OutputType::kText
                                                                        : store::OutputType::kImage;
    std::shared_ptr<models::EmbeddingModel> model;  // loaded only if something is missing
    store::Store::InvocationCursor cursor;
    while (true) {
      if (stage_options.cancel && stage_options.cancel->load()) return Status::Cancelled("interrupted");
      PANIC_ASSIGN_OR_RETURN(auto todo, store.ListUnembedded(experiment.id, name, type,
                                                             static_cast<int64_t>(batch * threads), &cursor));
      if (todo.empty()) break;
      if (!model) {
        ScopedTimer timer(model_ns);  // loading counts as model time
        PANIC_ASSIGN_OR_RETURN(model, registry.GetEmbedding(name));
      }
      const size_t slices = (todo.size() + batch - 1) / batch;
      std::vector<std::vector<store::EmbeddingRecord>> results(slices);
      std::vector<Status> statuses(slices);
      ParallelFor(slices, static_cast<int>(threads), [&](size_t s) {
        const size_t begin = s * batch, end = std::min(todo.size(), begin + batch);
        statuses[s] = EmbedSlice(*model, std::span(todo).subspan(begin, end - begin), results[s], model_ns);
      });
      std::vector<store::EmbeddingRecord> round;
      for (size_t s = 0; s < slices; ++s) {
        if (!statuses[s].ok()) return statuses[s].WithContext("embeddings stage, model " + name);
        for (auto& r : results[s]) round.push_back(std::move(r));
      }
      PANIC_RETURN_IF_ERROR(store.InsertEmbeddings(round));
      written += static_cast<int64_t>(round.size());
      progress.done += static_cast<int64_t>(round.size());
      progress.done_this_session += static_cast<int64_t>(round.size());
      if (stage_options.progress) stage_options.progress(progress);
    }
  }
  progress.finished = true;
  if (stage_options.progress) stage_options.progress(progress);
  return EmbeddingsStageResult{written, Seconds(model_ns)};
}

}  // namespace panic::engine
