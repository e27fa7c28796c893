#include "panic/engine/runs_stage.h"

#include <algorithm>
#include <chrono>
#include <map>
#include <set>

#include "panic/core/log.h"
#include "panic/core/parallel.h"
#include "panic/core/time.h"
#include "panic/core/uuid.h"
#include "panic/engine/completion.h"
#include "panic/engine/loop_key.h"
#include "panic/engine/stage_timing.h"
#include "panic/store/image_codec.h"
#include "panic/store/invocations_table.h"
#include "panic/store/runs_table.h"

namespace panic::engine {
namespace {

int BatchCap(const models::ModelInfo& info, const models::ModelOptions& options) {
  auto it = options.max_batch.find(info.name);
  return it != options.max_batch.end() ? it->second : info.max_batch;  // 0: unlimited
}

// Encodes an output for storage and computes its loop key. When images are stored lossy,
// the output is replaced by its decoded form so the next step sees what resume would see.
void Encode(RunStepItemResult& r, const RunStepItem& item, const RunsOptions& options) {
  store::InvocationRecord& rec = r.record;
  if (auto* text = std::get_if<std::string>(&r.output)) {
    rec.type = store::OutputType::kText;
    rec.output_text = *text;
  } else {
    rec.type = store::OutputType::kImage;
    const RgbImage& img = std::get<RgbImage>(r.output);
    auto bytes = options.webp_quality ? store::EncodeWebp(img, false, *options.webp_quality)
                                      : store::EncodeWebp(img, true);
    if (!bytes.ok()) {
      r.error = bytes.status().ToString();
      return;
    }
    rec.output_image = std::move(bytes).value();
    if (options.webp_quality) {
      auto decoded = store::DecodeImage(rec.output_image);
      if (!decoded.ok()) {
        r.error = decoded.status().ToString();
        return;
      }
      r.output = std::move(decoded).value();
    }
  }
  if (item.detects_loops) {
    auto key = LoopKey(r.output, options.loop_detection);
    if (!key.ok()) {
      r.error = key.status().ToString();
      return;
    }
    r.loop_key = std::move(key).value();
  }
}

}  // namespace

const std::vector<OptionField<RunsOptions>>& RunsOptionFields() {
  using nlohmann::json;
  static const std::vector<OptionField<RunsOptions>> kFields = {
      {"loop_detection",
       [](const json& v, const std::string& field, RunsOptions& out) -> Status {
         const std::string s = v.is_string() ? v.get<std::string>() : "";
         if (s == "jpeg-q30") out.loop_detection = LoopDetection::kJpegQ30;
         else if (s == "exact") out.loop_detection = LoopDetection::kExact;
         else if (s == "off") out.loop_detection = LoopDetection::kOff;
         else return option_values::Invalid(field, v, "one of \"jpeg-q30\", \"exact\", \"off\"");
         return Status::Ok();
       }},
      {"webp_quality",
       [](const json& v, const std::string& field, RunsOptions& out) -> Status {
         if (v.is_null()) return Status::Ok();
         PANIC_ASSIGN_OR_RETURN(int64_t q, option_values::Int(v, field, 0, 100,
                                                              "null for lossless, or an integer 0..100 for lossy"));
         out.webp_quality = static_cast<int>(q);
         return Status::Ok();
       }},
  };
  return kFields;
}

const StageInfo& RunsStage::info() const {
  // concurrent_units: one step per open chunk may be out at once (runs_stage.h).
  static const StageInfo kInfo{"runs", "invocations", "advance every run to its end (batched model calls)", false,
                               DeclareOptions("runs stage", RunsOptionFields()), false, true};
  return kInfo;
}

Result<StagePlan> RunsStage::Plan(StageContext& ctx) {
  PANIC_ASSIGN_OR_RETURN(options_, ReadOptions(ctx.options, RunsOptionFields()));
  PANIC_ASSIGN_OR_RETURN(model_options_, models::ReadModelOptions(ctx.options));
  // Failed runs are reopened so that this pass retries them.
  PANIC_ASSIGN_OR_RETURN(int64_t reopened, ctx.db.Write([&](store::SqliteDb& c) {
    return store::runs::ReopenFailed(c, ctx.experiment.id);
  }));
  (void)reopened;
  PANIC_ASSIGN_OR_RETURN(auto runs, store::runs::List(ctx.db.connection(), ctx.experiment.id));
  PANIC_ASSIGN_OR_RETURN(auto counts, store::invocations::CountsByRun(ctx.db.connection(), ctx.experiment.id));
  StagePlan plan;
  groups_.clear();
  chunks_.clear();
  draining_ = false;
  release_out_ = false;
  completions_out_ = 0;
  pending_ = false;
  // Groups by network, in the order networks appear in the experiment.
  for (auto& r : runs) {
    const int64_t have = counts.count(r.id) ? counts[r.id] : 0;
    plan.done += have;
    plan.total += r.stop_reason ? have : r.max_length;
    if (r.stop_reason) continue;
    auto it = std::find_if(groups_.begin(), groups_.end(), [&](const Group& g) { return g.network == r.network; });
    if (it == groups_.end()) {
      groups_.push_back(Group{r.network, {}, 0, groups_.size() + 1, false});
      it = groups_.end() - 1;
    }
    it->runs.push_back(std::move(r));
  }
  return plan;
}

Status RunsStage::LoadChunk(StageContext& ctx, Group& g, Chunk& c, std::vector<std::string>& complete_at_length) {
  g.started = true;
  c.group = g.id;
  size_t cap = 0;
  bool chosen = false;  // a max_batch of the experiment's options applies
  for (const auto& name : g.network) {
    const models::ModelInfo* info = ctx.registry.Find(name);
    if (info && BatchCap(*info, model_options_) > 0) cap = std::max(cap, static_cast<size_t>(BatchCap(*info, model_options_)));
    chosen = chosen || model_options_.max_batch.count(name) > 0;
  }
  // Several chunks open at once (see runs_stage.h). With a max_batch set, one call's worth
  // of runs each: the calls one process makes. Without, the group's share of one slot
  // (at most the models' own cap, or kChunkRuns), so that every rank gets work.
  size_t chunk = std::max(kChunkRuns, cap);
  if (ctx.units_in_flight > 1) {
    const size_t share = (g.runs.size() + ctx.units_in_flight - 1) / ctx.units_in_flight;  // ≥ 1
    chunk = chosen ? cap : std::min(cap > 0 ? cap : kChunkRuns, std::max<size_t>(1, share));
  }
  c.id = ++last_chunk_id_;
  const size_t end = std::min(g.runs.size(), g.next + chunk);
  for (; g.next < end; ++g.next) {
    PANIC_ASSIGN_OR_RETURN(RunState s, LoadRunState(ctx.db, g.runs[g.next], options_.loop_detection));
    // A run whose stored steps already reach max_length (a crash between its last step and
    // its completion in an older version) is completed without new steps.
    if (s.next_sequence >= s.run.max_length) {
      complete_at_length.push_back(s.run.id);
      continue;
    }
    c.active.push_back(std::move(s));
    g.runs[g.next] = store::RunRecord{};  // the chunk holds it now
  }
  c.index.clear();
  for (size_t i = 0; i < c.active.size(); ++i) c.index[c.active[i].run.id] = i;
  return Status::Ok();
}

RunStepUnit RunsStage::StepUnit(const StageContext& ctx, Chunk& chunk) {
  // Runs may stand at different steps after a crash, so group by the model each needs.
  // Inputs are moved into the unit: a run's next input is replaced by its output when the
  // unit commits, and a run whose item fails leaves the chunk.
  std::map<std::string, std::vector<RunState*>> by_model;
  for (auto& s : chunk.active) {
    const auto& net = s.run.network;
    by_model[net[static_cast<size_t>(s.next_sequence) % net.size()]].push_back(&s);
  }
  RunStepUnit unit;
  unit.chunk = chunk.id;
  unit.group = chunk.group;
  unit.options = options_;
  chunk.out = true;
  for (const auto& [model, states] : by_model) {
    const models::ModelInfo* info = ctx.registry.Find(model);
    const int cap = info ? BatchCap(*info, model_options_) : 0;
    const size_t size = cap > 0 ? static_cast<size_t>(cap) : states.size();
    for (size_t begin = 0; begin < states.size(); begin += size) {
      RunStepBatch batch{model, {}, {}, {}};
      for (size_t i = begin; i < std::min(states.size(), begin + size); ++i) {
        RunState& s = *states[i];
        batch.items.push_back(RunStepItem{s.run.id, s.run.seed, s.next_sequence, s.last_invocation_id,
                                          s.detects_loops(options_.loop_detection)});
        batch.inputs.push_back(std::move(s.next_input));
        batch.encoded_inputs.push_back(std::move(s.next_input_webp));
        s.next_input_webp.clear();
      }
      unit.batches.push_back(std::move(batch));
    }
  }
  return unit;
}

Result<std::optional<RunStepUnit>> RunsStage::Next(StageContext& ctx) {
  pending_ = false;
  const auto wait_for_a_commit = [this] {
    pending_ = true;
    return std::optional<RunStepUnit>();
  };
  if (release_out_) return wait_for_a_commit();
  const size_t slots = std::max<size_t>(1, ctx.units_in_flight);
  while (true) {
    // An open chunk whose last step is committed steps again (a chunk with no active run
    // is closed in Write), unless a done group waits for the steps out to drain.
    if (!draining_) {
      for (auto& c : chunks_) {
        if (!c.out) return std::optional<RunStepUnit>(StepUnit(ctx, c));
      }
    }
    // A started group with every run loaded and none of its chunks open is done: release
    // its models (GPU-heavy models make room for the next group's, or for the embedding
    // models of the stages that follow runs) once no unit at all is out.
    for (auto g = groups_.begin(); g != groups_.end(); ++g) {
      const bool open = std::any_of(chunks_.begin(), chunks_.end(), [&](const Chunk& c) { return c.group == g->id; });
      if (!g->started || g->next < g->runs.size() || open) continue;
      const bool out = completions_out_ > 0 || std::any_of(chunks_.begin(), chunks_.end(), [](const Chunk& c) { return c.out; });
      if (out) {
        draining_ = true;
        return wait_for_a_commit();
      }
      draining_ = false;
      RunStepUnit release;
      release.release = true;
      release.group = g->id;
      groups_.erase(g);
      release_out_ = true;
      return std::optional<RunStepUnit>(std::move(release));
    }
    draining_ = false;
    // A free slot opens a chunk of the first group with runs left to load: the front
    // group's until all are loaded, then the next group's on the idle slots.
    auto g = std::find_if(groups_.begin(), groups_.end(), [](const Group& x) { return x.next < x.runs.size(); });
    if (g != groups_.end() && chunks_.size() < slots) {
      RunStepUnit unit;
      Chunk c;
      PANIC_RETURN_IF_ERROR(LoadChunk(ctx, *g, c, unit.complete_at_length));
      if (!c.active.empty()) chunks_.push_back(std::move(c));
      if (!unit.complete_at_length.empty()) {
        ++completions_out_;
        return std::optional<RunStepUnit>(std::move(unit));
      }
      continue;
    }
    if (groups_.empty() && chunks_.empty() && completions_out_ == 0) return std::optional<RunStepUnit>();
    // Every open chunk's step is out, or a completion is.
    return wait_for_a_commit();
  }
}

Result<RunStepOutput> RunsStage::Run(const RunStepUnit& unit, ExecuteContext& ctx) {
  RunStepOutput out;
  out.complete_at_length = unit.complete_at_length;
  out.release = unit.release;
  out.chunk = unit.chunk;
  if (unit.release && !unit.keep_models) ctx.registry.ReleaseAll();
  std::vector<const RunStepItem*> items;
  for (const auto& batch : unit.batches) {
    std::vector<std::optional<models::Payload>> outputs;
    std::vector<ItemCall> calls;
    std::vector<std::string> errors;
    // Images held as their stored WEBP only (they came from another rank) are decoded here,
    // on the rank that calls the model; lossless WEBP gives the pixels back exactly, and a
    // lossy output was already replaced by its decoded form where it was made.
    std::vector<models::Payload> decoded;
    std::span<const models::Payload> inputs = batch.inputs;
    for (size_t i = 0; i < batch.encoded_inputs.size() && i < batch.inputs.size(); ++i) {
      if (batch.encoded_inputs[i].empty()) continue;
      if (decoded.empty()) decoded = batch.inputs;
      PANIC_ASSIGN_OR_RETURN(decoded[i], store::DecodeImage(batch.encoded_inputs[i]));
      inputs = decoded;
    }
    auto model = ctx.registry.GetGenAI(batch.model);
    if (model.ok()) {
      const RunStepItem& first = batch.items.front();
      // Backends that retry log each attempt; this says which step and runs it was for.
      LogScope scope("step " + std::to_string(first.sequence_number) + " " + batch.model + " batch of " +
                     std::to_string(batch.items.size()) + " runs from " + first.run_id);
      InvokeWithBisection(**model, batch.items, inputs, outputs, calls, errors, ctx.model_ns);
    } else {
      outputs.assign(batch.items.size(), std::nullopt);
      errors.assign(batch.items.size(), model.status().ToString());
    }
    for (size_t i = 0; i < batch.items.size(); ++i) {
      const RunStepItem& item = batch.items[i];
      RunStepItemResult r;
      r.run_id = item.run_id;
      if (!outputs[i]) {
        r.error = errors[i];
      } else {
        r.output = std::move(*outputs[i]);
        store::InvocationRecord& rec = r.record;
        rec.id = NewUuidV7();
        rec.run_id = item.run_id;
        rec.sequence_number = item.sequence_number;
        rec.model = batch.model;
        rec.seed = item.seed;
        rec.input_invocation_id = item.input_invocation_id;
        rec.started_at = calls[i].started_at;
        rec.completed_at = calls[i].completed_at;
        rec.batch_size = calls[i].batch_size;
        rec.batch_position = calls[i].batch_position;
      }
      out.items.push_back(std::move(r));
      items.push_back(&item);
    }
  }
  ParallelFor(out.items.size(), ctx.threads, [&](size_t i) {
    if (!out.items[i].error) Encode(out.items[i], *items[i], unit.options);
  });
  return out;
}

Result<UnitOutcome> RunsStage::Write(StageContext& ctx, RunStepOutput& output) {
  UnitOutcome outcome;
  outcome.release_point = output.release;
  if (output.release) release_out_ = false;
  if (output.chunk == 0 && !output.release) --completions_out_;
  const std::string now = NowIso();
  // The chunk whose step this is (none for a release or a completion of runs at length).
  auto chunk_it = std::find_if(chunks_.begin(), chunks_.end(), [&](const Chunk& c) { return c.id == output.chunk; });
  if (output.chunk != 0 && chunk_it == chunks_.end()) {
    return Status::Internal("runs stage: a step of chunk " + std::to_string(output.chunk) + ", which is not open");
  }
  if (chunk_it == chunks_.end() && !output.items.empty()) {
    return Status::Internal("runs stage: a step's output without its chunk");
  }
  Chunk* chunk = chunk_it == chunks_.end() ? nullptr : &*chunk_it;
  std::vector<store::InvocationRecord> records;
  std::vector<store::RunCompletion> completions;
  for (const auto& id : output.complete_at_length) {
    completions.push_back({id, store::kStopLength, std::nullopt, std::nullopt, now});
  }
  std::map<std::string, std::string> failed;  // run id → error
  for (auto& r : output.items) {
    if (r.error) {
      failed[r.run_id] = *r.error;
      continue;
    }
    RunState& s = chunk->active[chunk->index.at(r.run_id)];
    const int64_t seq = s.next_sequence;
    std::optional<store::RunCompletion> completion;
    if (!r.loop_key.empty()) {
      auto [it, inserted] = s.seen.emplace(r.loop_key, seq);
      if (!inserted) {
        completion = store::RunCompletion{s.run.id, store::kStopDuplicate, seq - it->second, std::nullopt, now};
      }
    }
    if (!completion && seq + 1 >= s.run.max_length) {
      completion = store::RunCompletion{s.run.id, store::kStopLength, std::nullopt, std::nullopt, now};
    }
    if (completion) completions.push_back(*completion);
    records.push_back(r.record);
  }
  // One transaction per step: its invocations, the completions of the runs it ended and the
  // runs that failed in it (identical errors share one UPDATE). A crash leaves the step
  // either whole or absent; resume retries absent steps as it retries failed runs.
  std::map<std::string, std::vector<std::string>> failed_by_error;
  for (const auto& [run_id, error] : failed) failed_by_error[error].push_back(run_id);
  if (!records.empty() || !completions.empty() || !failed.empty()) {
    Status written = ctx.db.Write([&](store::SqliteDb& c) -> Status {
      if (!records.empty() || !completions.empty()) {
        PANIC_RETURN_IF_ERROR(store::invocations::InsertStep(c, records, completions));
      }
      for (const auto& [error, ids] : failed_by_error) {
        PANIC_RETURN_IF_ERROR(store::runs::MarkFailed(c, ids, error, now));
      }
      return Status::Ok();
    });
    if (!written.ok()) return written;
  }
  outcome.failed = static_cast<int64_t>(failed.size());

  // Advance the survivors.
  for (auto& r : output.items) {
    if (r.error) continue;
    RunState& s = chunk->active[chunk->index.at(r.run_id)];
    s.last_invocation_id = r.record.id;
    s.next_input = std::move(r.output);
    // An image that came back from another rank without its pixels: keep the stored bytes.
    // With several ranks (ctx.units_in_flight > 1) an image that this rank computed itself
    // is kept as its stored bytes too, so that the next step travels as WEBP wherever it
    // runs; the rank that runs it decodes the pixels (exact for lossless WEBP; a lossy
    // output was already replaced by its decoded form, which decoding the same bytes gives).
    auto* image = std::get_if<RgbImage>(&s.next_input);
    if (image && ctx.units_in_flight > 1 && !r.record.output_image.empty()) {
      s.next_input = RgbImage{image->width, image->height, {}};
    }
    s.next_input_webp = image && std::get<RgbImage>(s.next_input).pixels.empty() ? r.record.output_image : std::string();
    ++s.next_sequence;
  }
  std::set<std::string> ended;
  for (const auto& c : completions) {
    ended.insert(c.run_id);
    outcome.stopped_runs.push_back(c.run_id);
  }
  for (const auto& [id, e] : failed) ended.insert(id);
  if (chunk) {
    for (const auto& s : chunk->active) {
      // A run that stopped early or failed will not produce its remaining steps.
      if (ended.count(s.run.id)) outcome.total_delta -= s.run.max_length - s.next_sequence;
    }
    if (!ended.empty()) {
      std::erase_if(chunk->active, [&](const RunState& s) { return ended.count(s.run.id) > 0; });
      chunk->index.clear();
      for (size_t i = 0; i < chunk->active.size(); ++i) chunk->index[chunk->active[i].run.id] = i;
    }
    chunk->out = false;
    if (chunk->active.empty()) chunks_.erase(chunk_it);
  }
  outcome.written = static_cast<int64_t>(records.size());
  return outcome;
}

std::vector<StageCount> RunsStage::Count(const ExperimentFacts& facts) const {
  StageCount c;
  for (const auto& r : facts.runs) {
    ++c.expected;
    c.done += r.done() ? 1 : 0;
    c.failed += r.failed() ? 1 : 0;
  }
  return {c};
}

int64_t RunsStage::Remaining(const ExperimentFacts& facts) const {
  int64_t left = 0;
  for (const auto& r : facts.runs) {
    if (!r.done()) left += std::max<int64_t>(0, r.max_length - r.invocations());
  }
  return left;
}

Result<std::vector<store::WorkInterval>> RunsStage::WorkHistory(store::Database& db, const std::string& experiment_id) const {
  return db.Read([&](store::SqliteDb& c) { return store::WorkIntervals(c, experiment_id, store::WorkTable::kInvocations); });
}

}  // namespace panic::engine
