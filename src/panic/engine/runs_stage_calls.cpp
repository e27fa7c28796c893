// The runs stage's model calls (runs_stage.h): one batched call, and the bisection of a
// failing batch down to the items that fail on their own. Pure: models only, no store.
#include <chrono>

#include "panic/core/log.h"
#include "panic/core/time.h"
#include "panic/engine/runs_stage.h"

namespace panic::engine {
namespace {

// One model call on the items; the error that makes the whole call unusable, or OK.
Status InvokeOnce(models::GenAIModel& model, std::span<const RunStepItem> items,
                  std::span<const models::Payload> inputs, std::vector<models::Payload>& out,
                  std::atomic<int64_t>* model_ns) {
  const models::ModelInfo& info = model.info();
  std::vector<int64_t> seeds;
  for (const auto& item : items) seeds.push_back(item.seed);
  Result<std::vector<models::Payload>> outputs = Status::Internal("not called");
  {
    const auto start = std::chrono::steady_clock::now();
    outputs = model.InvokeBatch(inputs, seeds);
    if (model_ns) {
      *model_ns += std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now() - start)
                       .count();
    }
  }
  if (!outputs.ok()) return outputs.status();
  if (outputs->size() != inputs.size()) {
    return Status::ModelFailed(info.name + " returned " + std::to_string(outputs->size()) + " outputs for " +
                               std::to_string(inputs.size()) + " inputs");
  }
  for (const auto& o : *outputs) {
    if (models::PayloadModality(o) != info.output) {
      return Status::ModelFailed(info.name + " returned " + models::ModalityName(models::PayloadModality(o)) +
                                 " where " + models::ModalityName(info.output) + " was expected");
    }
  }
  out = std::move(outputs).value();
  return Status::Ok();
}

}  // namespace

void InvokeWithBisection(models::GenAIModel& model, std::span<const RunStepItem> items,
                         std::span<const models::Payload> inputs, std::vector<std::optional<models::Payload>>& outputs, std::vector<ItemCall>& calls,
                         std::vector<std::string>& errors, std::atomic<int64_t>* model_ns) {
  outputs.assign(items.size(), std::nullopt);
  calls.assign(items.size(), ItemCall{});
  errors.assign(items.size(), "");
  // Ranges still to try, each as [begin, end): a failing range of two or more is split.
  std::vector<std::pair<size_t, size_t>> todo{{0, items.size()}};
  while (!todo.empty()) {
    auto [begin, end] = todo.back();
    todo.pop_back();
    std::vector<models::Payload> out;
    const std::string started = NowIso();
    Status s = InvokeOnce(model, items.subspan(begin, end - begin), inputs.subspan(begin, end - begin), out, model_ns);
    const std::string completed = NowIso();
    if (s.ok()) {
      for (size_t i = begin; i < end; ++i) {
        outputs[i] = std::move(out[i - begin]);
        calls[i] = {started, completed, static_cast<int64_t>(end - begin), static_cast<int64_t>(i - begin)};
      }
      continue;
    }
    if (end - begin == 1) {
      Log(LogLevel::kError, "run " + items[begin].run_id + " step " + std::to_string(items[begin].sequence_number) +
                                " failed on its own: " + s.ToString());
      errors[begin] = s.ToString();
      continue;
    }
    Log(LogLevel::kWarning, model.info().name + " failed on a batch of " + std::to_string(end - begin) +
                                "; retrying its halves to find the failing item(s): " + s.ToString());
    const size_t mid = begin + (end - begin) / 2;
    todo.push_back({mid, end});
    todo.push_back({begin, mid});  // the first half is tried first
  }
}

}  // namespace panic::engine
