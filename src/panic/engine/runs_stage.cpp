#include "panic/engine/runs_stage.h"

#include <algorithm>
#include <chrono>
#include <map>
#include <set>

#include "panic/core/log.h"
#include "panic/core/parallel.h"
#include "panic/core/time.h"
#include "panic/core/uuid.h"
#include "panic/engine/loop_key.h"
#include "panic/engine/run_state.h"
#include "panic/store/image_codec.h"

namespace panic::engine {
namespace {

// One output of a step, on its way to the database.
struct PendingOutput {
  RunState* state;
  models::Payload output;
  std::string model;
  std::string started_at;
  std::string completed_at;
  store::InvocationRecord record;  // filled by Encode
  std::string loop_key;            // filled by Encode when the run detects loops
  Status status;
};

int BatchCap(const models::ModelInfo& info, const ExperimentOptions& options) {
  for (const auto& [name, cap] : options.max_batch) {
    if (name == info.name) return cap;
  }
  return info.max_batch;  // 0: unlimited
}

// Encodes the output for storage and computes its loop key. When images are stored
// lossy, the output is replaced by its decoded form so the next step sees what resume
// would see.
void Encode(PendingOutput& p, const ExperimentOptions& options) {
  store::InvocationRecord& r = p.record;
  r.id = NewUuidV7();
  r.run_id = p.state->run.id;
  r.sequence_number = p.state->next_sequence;
  r.model = p.model;
  r.seed = p.state->run.seed;
  r.input_invocation_id = p.state->last_invocation_id;
  r.started_at = p.started_at;
  r.completed_at = p.completed_at;
  if (auto* text = std::get_if<std::string>(&p.output)) {
    r.type = store::OutputType::kText;
    r.output_text = *text;
  } else {
    r.type = store::OutputType::kImage;
    const RgbImage& img = std::get<RgbImage>(p.output);
    auto bytes = options.webp_quality ? store::EncodeWebp(img, false, *options.webp_quality)
                                      : store::EncodeWebp(img, true);
    if (!bytes.ok()) {
      p.status = bytes.status();
      return;
    }
    r.output_image = std::move(bytes).value();
    if (options.webp_quality) {
      auto decoded = store::DecodeImage(r.output_image);
      if (!decoded.ok()) {
        p.status = decoded.status();
        return;
      }
      p.output = std::move(decoded).value();
    }
  }
  if (p.state->detects_loops(options.loop_detection)) {
    auto key = LoopKey(p.output, options.loop_detection);
    if (!key.ok()) {
      p.status = key.status();
      return;
    }
    p.loop_key = std::move(key).value();
  }
}

class GroupRunner {
 public:
  GroupRunner(store::Store& store, models::ModelRegistry& registry, const ExperimentOptions& options,
              const StageOptions& stage_options, RunsStageResult& result, ProgressEvent& progress)
      : store_(store), registry_(registry), options_(options), stage_(stage_options), result_(result),
        progress_(progress) {}

  // Advances the group's runs until each has stopped or failed.
  Status Run(std::vector<RunState> active) {
    PANIC_RETURN_IF_ERROR(CompleteFinishedOnLoad(active));
    while (!active.empty()) {
      if (stage_.cancel && stage_.cancel->load()) return Status::Cancelled("interrupted");
      PANIC_RETURN_IF_ERROR(Step(active));
    }
    return Status::Ok();
  }

 private:
  // A run whose stored steps already reach max_length (only possible if a crash hit
  // between rows and completion in an older version) is completed without new steps.
  Status CompleteFinishedOnLoad(std::vector<RunState>& active) {
    std::vector<store::RunCompletion> done;
    for (const auto& s : active) {
      if (s.next_sequence >= s.run.max_length) {
        done.push_back({s.run.id, store::kStopLength, std::nullopt, std::nullopt, NowIso()});
      }
    }
    if (done.empty()) return Status::Ok();
    PANIC_RETURN_IF_ERROR(store_.CommitStep({}, done));
    std::erase_if(active, [](const RunState& s) { return s.next_sequence >= s.run.max_length; });
    return Status::Ok();
  }

  // One lockstep step: every active run produces its next invocation.
  Status Step(std::vector<RunState>& active) {
    // Runs may stand at different steps after a crash, so group by the model each needs.
    std::map<std::string, std::vector<RunState*>> by_model;
    for (auto& s : active) {
      const auto& net = s.run.network;
      by_model[net[static_cast<size_t>(s.next_sequence) % net.size()]].push_back(&s);
    }
    std::vector<PendingOutput> pending;
    std::map<std::string, std::string> failed;  // run id → error
    for (auto& [model_name, states] : by_model) {
      InvokeModel(model_name, states, pending, failed);
    }

    ParallelFor(pending.size(), stage_.threads, [&](size_t i) { Encode(pending[i], options_); });

    std::vector<store::InvocationRecord> records;
    std::vector<store::RunCompletion> completions;
    const std::string now = NowIso();
    for (auto& p : pending) {
      if (!p.status.ok()) {
        failed[p.state->run.id] = p.status.ToString();
        continue;
      }
      RunState& s = *p.state;
      const int64_t seq = s.next_sequence;
      std::optional<store::RunCompletion> completion;
      if (!p.loop_key.empty()) {
        auto [it, inserted] = s.seen.emplace(p.loop_key, seq);
        if (!inserted) {
          completion = store::RunCompletion{s.run.id, store::kStopDuplicate, seq - it->second, std::nullopt, now};
        }
      }
      if (!completion && seq + 1 >= s.run.max_length) {
        completion = store::RunCompletion{s.run.id, store::kStopLength, std::nullopt, std::nullopt, now};
      }
      if (completion) completions.push_back(*completion);
      records.push_back(p.record);
    }
    PANIC_RETURN_IF_ERROR(store_.CommitStep(records, completions));

    if (!failed.empty()) {
      // Group identical errors so each gets one UPDATE transaction.
      std::map<std::string, std::vector<std::string>> by_error;
      for (const auto& [run_id, error] : failed) by_error[error].push_back(run_id);
      for (const auto& [error, ids] : by_error) PANIC_RETURN_IF_ERROR(store_.MarkRunsFailed(ids, error, now));
      result_.runs_failed += static_cast<int64_t>(failed.size());
    }

    // Advance the survivors.
    for (auto& p : pending) {
      if (!p.status.ok()) continue;
      RunState& s = *p.state;
      s.last_invocation_id = p.record.id;
      s.next_input = std::move(p.output);
      ++s.next_sequence;
    }
    std::set<std::string> ended;
    for (const auto& c : completions) ended.insert(c.run_id);
    for (const auto& [id, e] : failed) ended.insert(id);
    for (const auto& s : active) {
      // A run that stopped early or failed will not produce its remaining steps.
      if (ended.count(s.run.id)) progress_.total -= s.run.max_length - s.next_sequence;
    }
    std::erase_if(active, [&](const RunState& s) { return ended.count(s.run.id) > 0; });

    result_.invocations_written += static_cast<int64_t>(records.size());
    progress_.done += static_cast<int64_t>(records.size());
    progress_.done_this_session += static_cast<int64_t>(records.size());
    if (stage_.progress) stage_.progress(progress_);
    return Status::Ok();
  }

  // Calls the model on the runs' inputs in batches no larger than its cap.
  void InvokeModel(const std::string& model_name, const std::vector<RunState*>& states,
                   std::vector<PendingOutput>& pending, std::map<std::string, std::string>& failed) {
    auto model = registry_.GetGenAI(model_name);
    if (!model.ok()) {
      for (auto* s : states) failed[s->run.id] = model.status().ToString();
      return;
    }
    const models::ModelInfo& info = (*model)->info();
    const size_t cap = BatchCap(info, options_) > 0 ? static_cast<size_t>(BatchCap(info, options_)) : states.size();
    for (size_t begin = 0; begin < states.size(); begin += cap) {
      const size_t end = std::min(states.size(), begin + cap);
      std::vector<models::Payload> inputs;
      std::vector<int64_t> seeds;
      for (size_t i = begin; i < end; ++i) {
        inputs.push_back(states[i]->next_input);
        seeds.push_back(states[i]->run.seed);
      }
      // Backends that retry log each attempt; this says which step and runs it was for.
      LogScope scope("experiment " + states[begin]->run.experiment_id + " step " +
                     std::to_string(states[begin]->next_sequence) + " " + model_name + " batch of " +
                     std::to_string(inputs.size()) + " runs from #" + std::to_string(states[begin]->run.run_number));
      const std::string started = NowIso();
      auto call_start = std::chrono::steady_clock::now();
      auto outputs = (*model)->InvokeBatch(inputs, seeds);
      result_.model_s += std::chrono::duration<double>(std::chrono::steady_clock::now() - call_start).count();
      const std::string completed = NowIso();
      Status bad = outputs.status();
      if (bad.ok() && outputs->size() != inputs.size()) {
        bad = Status::ModelFailed(model_name + " returned " + std::to_string(outputs->size()) + " outputs for " +
                                  std::to_string(inputs.size()) + " inputs");
      }
      for (size_t i = 0; bad.ok() && i < outputs->size(); ++i) {
        if (models::PayloadModality((*outputs)[i]) != info.output) {
          bad = Status::ModelFailed(model_name + " returned " + models::ModalityName(models::PayloadModality((*outputs)[i])) +
                                    " where " + models::ModalityName(info.output) + " was expected");
        }
      }
      if (!bad.ok()) {
        Log(LogLevel::kError, "marking " + std::to_string(end - begin) + " run(s) failed: " + bad.ToString());
        for (size_t i = begin; i < end; ++i) failed[states[i]->run.id] = bad.ToString();
        continue;
      }
      for (size_t i = begin; i < end; ++i) {
        pending.push_back(PendingOutput{states[i], std::move((*outputs)[i - begin]), model_name, started, completed,
                                        {}, {}, Status::Ok()});
      }
    }
  }

  store::Store& store_;
  models::ModelRegistry& registry_;
  const ExperimentOptions& options_;
  const StageOptions& stage_;
  RunsStageResult& result_;
  ProgressEvent& progress_;
};

}  // namespace

Result<RunsStageResult> ExecuteRunsStage(store::Store& store, models::ModelRegistry& registry,
                                         const store::ExperimentRecord& experiment, const ExperimentOptions& options,
                                         const StageOptions& stage_options) {
  PANIC_ASSIGN_OR_RETURN(auto runs, store.ListRuns(experiment.id));
  PANIC_ASSIGN_OR_RETURN(auto counts, store.InvocationCountsByRun(experiment.id));

  ProgressEvent progress{"runs", "invocations", 0, 0, 0, false};
  // Groups by network, in the order networks appear in the experiment.
  std::vector<std::pair<std::vector<std::string>, std::vector<const store::RunRecord*>>> groups;
  for (const auto& r : runs) {
    int64_t have = counts.count(r.id) ? counts[r.id] : 0;
    progress.done += have;
    progress.total += r.stop_reason ? have : r.max_length;
    if (r.stop_reason) continue;  // finished, or failed and not reopened
    auto it = std::find_if(groups.begin(), groups.end(), [&](const auto& g) { return g.first == r.network; });
    if (it == groups.end()) {
      groups.push_back({r.network, {}});
      it = groups.end() - 1;
    }
    it->second.push_back(&r);
  }
  if (stage_options.progress) stage_options.progress(progress);

  RunsStageResult result;
  GroupRunner runner(store, registry, options, stage_options, result, progress);
  for (const auto& [network, group_runs] : groups) {
    std::vector<RunState> states;
    for (const auto* r : group_runs) {
      PANIC_ASSIGN_OR_RETURN(RunState s, LoadRunState(store, *r, options.loop_detection));
      states.push_back(std::move(s));
    }
    PANIC_RETURN_IF_ERROR(runner.Run(std::move(states)));
    registry.ReleaseAll();  // GPU-heavy models make room for the next group's
  }
  progress.finished = true;
  if (stage_options.progress) stage_options.progress(progress);
  return result;
}

}  // namespace panic::engine
