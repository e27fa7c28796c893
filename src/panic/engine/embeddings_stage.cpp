#include "panic/engine/embeddings_stage.h"

#include <algorithm>
#include <chrono>
#include <cmath>

#include "panic/core/log.h"
#include "panic/core/parallel.h"
#include "panic/core/time.h"
#include "panic/core/uuid.h"
#include "panic/engine/completion.h"
#include "panic/engine/stage_timing.h"
#include "panic/store/embeddings_table.h"
#include "panic/store/experiments_table.h"
#include "panic/store/image_codec.h"
#include "panic/store/invocations_table.h"

namespace panic::engine {
namespace {

Result<models::Payload> Decode(const EmbeddingItem& item) {
  if (item.type == store::OutputType::kText) return models::Payload(item.output_text);
  auto img = store::DecodeImage(item.output_image);
  if (!img.ok()) return img.status().WithContext("invocation " + item.invocation_id);
  return models::Payload(std::move(img).value());
}

// Validates one vector; the reason it is unusable, or empty.
std::string Check(const models::ModelInfo& info, const std::vector<float>& v) {
  if (static_cast<int>(v.size()) != info.dimension) {
    return info.name + " returned a vector of " + std::to_string(v.size()) + " values (expected " +
           std::to_string(info.dimension) + ")";
  }
  if (!std::all_of(v.begin(), v.end(), [](float x) { return std::isfinite(x); })) {
    return info.name + " returned a non-finite value";
  }
  return "";
}

// Embeds a slice, splitting a failing call in halves until failures stand alone. Fills
// records (successes) and errors (one per failed output).
void EmbedSlice(models::EmbeddingModel& model, std::span<const EmbeddingItem> items,
                std::vector<store::EmbeddingRecord>& records, std::vector<std::string>& errors,
                std::atomic<int64_t>* model_ns) {
  const models::ModelInfo& info = model.info();
  std::vector<std::pair<size_t, size_t>> todo{{0, items.size()}};
  while (!todo.empty()) {
    auto [begin, end] = todo.back();
    todo.pop_back();
    std::vector<models::Payload> inputs;
    std::vector<size_t> positions;  // item of each input
    for (size_t i = begin; i < end; ++i) {
      auto p = Decode(items[i]);
      if (!p.ok()) {
        errors.push_back("invocation " + items[i].invocation_id + ": " + p.status().ToString());
        continue;
      }
      inputs.push_back(std::move(p).value());
      positions.push_back(i);
    }
    if (inputs.empty()) continue;
    const std::string started = NowIso();
    Result<std::vector<std::vector<float>>> vectors = Status::Internal("not called");
    {
      const auto t0 = std::chrono::steady_clock::now();
      vectors = model.EmbedBatch(inputs);
      if (model_ns) {
        *model_ns +=
            std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now() - t0).count();
      }
    }
    const std::string completed = NowIso();
    Status bad = vectors.status();
    if (bad.ok() && vectors->size() != inputs.size()) {
      bad = Status::ModelFailed(info.name + " returned " + std::to_string(vectors->size()) + " vectors for " +
                                std::to_string(inputs.size()) + " inputs");
    }
    if (!bad.ok()) {
      if (positions.size() == 1) {
        errors.push_back("invocation " + items[positions[0]].invocation_id + ": " + bad.ToString());
      } else {
        Log(LogLevel::kWarning, info.name + " failed on a batch of " + std::to_string(positions.size()) +
                                    "; retrying its halves to find the failing output(s): " + bad.ToString());
        const size_t mid = begin + (end - begin) / 2;
        todo.push_back({mid, end});
        todo.push_back({begin, mid});
      }
      continue;
    }
    for (size_t k = 0; k < positions.size(); ++k) {
      const EmbeddingItem& item = items[positions[k]];
      std::string why = Check(info, (*vectors)[k]);
      if (!why.empty()) {
        errors.push_back("invocation " + item.invocation_id + ": " + why);
        continue;
      }
      records.push_back({NewUuidV7(), item.invocation_id, info.name, std::move((*vectors)[k]), started, completed});
    }
  }
}

}  // namespace

const std::vector<OptionField<EmbeddingOptions>>& EmbeddingOptionFields() {
  static const std::vector<OptionField<EmbeddingOptions>> kFields = {
      {"embedding_batch_size",
       [](const nlohmann::json& v, const std::string& field, EmbeddingOptions& out) -> Status {
         PANIC_ASSIGN_OR_RETURN(int64_t b, option_values::Int(v, field, 1, 1 << 20, option_values::IntRange(1, 1 << 20)));
         out.embedding_batch_size = static_cast<int>(b);
         return Status::Ok();
       }},
  };
  return kFields;
}

const StageInfo& EmbeddingsStage::info() const {
  static const StageInfo kInfo{"embeddings", "embeddings",
                               "embed every output under each embedding model of its modality", true,
                               DeclareOptions("embeddings stage", EmbeddingOptionFields()), true};
  return kInfo;
}

Result<StagePlan> EmbeddingsStage::Plan(StageContext& ctx) {
  PANIC_ASSIGN_OR_RETURN(options_, ReadOptions(ctx.options, EmbeddingOptionFields()));
  model_index_ = 0;
  cursor_ = {};
  PANIC_ASSIGN_OR_RETURN(store::ExperimentCounts counts, ctx.db.Read([&](store::SqliteDb& c) {
    return store::experiments::Count(c, ctx.experiment.id);
  }));
  StagePlan plan;
  for (const auto& name : ctx.experiment.embedding_models) {
    const models::ModelInfo* info = ctx.registry.Find(name);
    if (!info) return Status::NotFound("embedding model '" + name + "' is not available in this build");
    const bool text = info->kind == models::ModelKind::kTextEmbedding;
    plan.total += text ? counts.text_invocations : counts.image_invocations;
    plan.done += counts.embeddings.count(name) ? counts.embeddings.at(name) : 0;
  }
  return plan;
}

Result<std::optional<EmbeddingUnit>> EmbeddingsStage::Next(StageContext& ctx) {
  const size_t threads = static_cast<size_t>(std::max(1, ctx.stage_options.threads));
  const size_t batch = static_cast<size_t>(std::max(1, options_.embedding_batch_size));
  while (model_index_ < ctx.experiment.embedding_models.size()) {
    const std::string& name = ctx.experiment.embedding_models[model_index_];
    const store::OutputType type = EmbeddingInputType(ctx.registry, name);
    store::InvocationFilter filter;
    filter.experiment_id = ctx.experiment.id;
    filter.type = type;
    filter.without_embedding = name;
    PANIC_ASSIGN_OR_RETURN(auto todo, store::invocations::Scan(ctx.db.connection(), filter,
                                                               static_cast<int64_t>(batch * threads), &cursor_));
    if (todo.empty()) {
      ++model_index_;
      cursor_ = {};
      continue;
    }
    EmbeddingUnit unit{name, {}, batch};
    unit.items.reserve(todo.size());
    for (auto& inv : todo) {
      unit.items.push_back({std::move(inv.id), type, std::move(inv.output_text), std::move(inv.output_image)});
    }
    return std::optional<EmbeddingUnit>(std::move(unit));
  }
  return std::optional<EmbeddingUnit>();
}

Result<EmbeddingOutput> EmbeddingsStage::Run(const EmbeddingUnit& unit, ExecuteContext& ctx) {
  std::shared_ptr<models::EmbeddingModel> model;
  {
    const auto t0 = std::chrono::steady_clock::now();  // loading counts as model time
    auto loaded = ctx.registry.GetEmbedding(unit.model);
    if (ctx.model_ns) {
      *ctx.model_ns +=
          std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now() - t0).count();
    }
    if (!loaded.ok()) return loaded.status().WithContext("embeddings stage, model " + unit.model);
    model = std::move(loaded).value();
  }
  const size_t slices = (unit.items.size() + unit.batch_size - 1) / unit.batch_size;
  std::vector<std::vector<store::EmbeddingRecord>> records(slices);
  std::vector<std::vector<std::string>> errors(slices);
  ParallelFor(slices, ctx.threads, [&](size_t s) {
    const size_t begin = s * unit.batch_size, end = std::min(unit.items.size(), begin + unit.batch_size);
    EmbedSlice(*model, std::span(unit.items).subspan(begin, end - begin), records[s], errors[s], ctx.model_ns);
  });
  EmbeddingOutput out;
  for (size_t s = 0; s < slices; ++s) {
    for (auto& r : records[s]) out.records.push_back(std::move(r));
    for (auto& e : errors[s]) out.errors.push_back(std::move(e));
  }
  return out;
}

Result<UnitOutcome> EmbeddingsStage::Write(StageContext& ctx, EmbeddingOutput& output) {
  if (!output.records.empty()) {
    PANIC_RETURN_IF_ERROR(
        ctx.db.Write([&](store::SqliteDb& c) { return store::embeddings::Insert(c, output.records); }));
  }
  for (const auto& e : output.errors) Log(LogLevel::kError, "embeddings stage: " + e + " (resume retries it)");
  UnitOutcome outcome;
  outcome.written = static_cast<int64_t>(output.records.size());
  outcome.failed = static_cast<int64_t>(output.errors.size());
  return outcome;
}

Status EmbeddingsStage::Finish(StageContext& ctx) {
  ctx.registry.ReleaseAll();  // embedding models leave the GPU to whatever runs next
  return Status::Ok();
}

std::vector<StageCount> EmbeddingsStage::Count(const ExperimentFacts& facts) const {
  std::vector<StageCount> out;
  for (const auto& m : facts.models) {
    StageCount c{m.model};
    for (size_t i = 0; i < facts.runs.size(); ++i) {
      c.done += m.per_run[i].embeddings;
      c.expected += facts.runs[i].expected_outputs(m.type);
    }
    out.push_back(c);
  }
  return out;
}

int64_t EmbeddingsStage::Remaining(const ExperimentFacts& facts) const {
  int64_t left = 0;
  for (const auto& c : Count(facts)) left += std::max<int64_t>(0, c.expected - c.done);
  return left;
}

Result<std::vector<store::WorkInterval>> EmbeddingsStage::WorkHistory(store::Database& db, const std::string& experiment_id) const {
  return db.Read([&](store::SqliteDb& c) { return store::WorkIntervals(c, experiment_id, store::WorkTable::kEmbeddings); });
}

}  // namespace panic::engine
