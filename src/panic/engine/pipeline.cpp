#include "panic/engine/pipeline.h"

#include <algorithm>
#include <chrono>
#include <typeinfo>

#include "panic/core/experiment_config.h"
#include "panic/core/time.h"
#include "panic/engine/completion.h"
#include "panic/engine/option_schema.h"
#include "panic/store/experiments_table.h"

namespace panic::engine {

const StageReport& PipelineResult::stage(const std::string& name) const {
  static const StageReport kNone;
  for (const auto& s : stages) {
    if (s.name == name) return s;
  }
  return kNone;
}

int64_t PipelineResult::total_failed() const {
  int64_t n = 0;
  for (const auto& s : stages) n += s.failed;
  return n;
}

namespace {

using Clock = std::chrono::steady_clock;

double SecondsSince(Clock::time_point start) { return std::chrono::duration<double>(Clock::now() - start).count(); }

// One registered stage during a pipeline execution.
struct StageSlot {
  std::unique_ptr<Stage> stage;
  bool selected = false;
  int64_t remaining_at_start = 0;  // from the facts before the first pass
  int64_t done_this_session = 0;   // units committed by this process (all passes)
  double busy_s = 0;               // time spent in its own units (all passes)
  std::atomic<int64_t> model_ns{0};
  std::atomic<int64_t> kernel_ns{0};

  double rate() const { return busy_s > 0 && done_this_session > 0 ? done_this_session / busy_s : 0; }
  int64_t left() const { return std::max<int64_t>(0, remaining_at_start - done_this_session); }
};

class Driver {
 public:
  Driver(store::Database& db, models::ModelRegistry& registry, const store::ExperimentRecord& experiment,
         const nlohmann::json& exp_options, const PipelineOptions& options, std::vector<StageSlot>& slots,
         PipelineResult& result)
      : db_(db), registry_(registry), experiment_(experiment), exp_options_(exp_options), options_(options),
        slots_(slots), result_(result) {}

  // One pass of stage k over everything it finds missing, or (a follower) over `only`.
  // Followers emit no progress of their own: the pass they interrupt goes on after them.
  Status Pass(size_t k, const std::vector<std::string>* only) {
    StageSlot& slot = slots_[k];
    Stage& stage = *slot.stage;
    StageReport& report = result_.stages[k];
    report.ran = true;
    const auto pass_start = Clock::now();
    StageContext ctx{db_, registry_, experiment_, exp_options_, options_, only};
    ExecuteContext exec{registry_, std::max(1, options_.threads), &slot.model_ns, &slot.kernel_ns};
    const bool emit = only == nullptr && options_.progress;

    auto busy_start = Clock::now();
    PANIC_ASSIGN_OR_RETURN(StagePlan plan, stage.Plan(ctx));
    ProgressEvent event{stage.info().name, stage.info().unit, plan.done, plan.total, 0, false};
    if (only == nullptr) slot.remaining_at_start = slot.done_this_session + std::max<int64_t>(0, plan.total - plan.done);
    slot.busy_s += SecondsSince(busy_start);
    if (emit) Emit(k, event);

    std::vector<std::string> stopped;
    double followers_s = 0;  // passes of followers inside this pass: their time, not ours
    // After each commit: counts, progress, and the followers at a release point.
    auto committed = [&](const UnitOutcome& outcome) -> Status {
      report.written += outcome.written;
      report.failed += outcome.failed;
      slot.done_this_session += outcome.written;
      event.done += outcome.written;
      event.done_this_session += outcome.written;
      event.total += outcome.total_delta;
      slot.remaining_at_start += outcome.total_delta;
      if (emit) Emit(k, event);
      if (options_.follow_runs && only == nullptr) {
        stopped.insert(stopped.end(), outcome.stopped_runs.begin(), outcome.stopped_runs.end());
        if (outcome.release_point && !stopped.empty()) {
          const auto followers_start = Clock::now();
          PANIC_RETURN_IF_ERROR(RunFollowers(k, stopped));
          followers_s += SecondsSince(followers_start);
          stopped.clear();
        }
      }
      return Status::Ok();
    };
    UnitExecutor* remote = options_.executor;
    const bool concurrent = stage.info().independent_units || stage.info().concurrent_units;
    const size_t capacity = remote && concurrent ? remote->Capacity(stage) : 0;
    if (capacity > 0) ctx.units_in_flight = capacity;
    if (capacity > 0) {
      // Units out at once, up to the executor's capacity; each is committed when it comes
      // back. A stage with independent_units allows both (stage.h).
      uint64_t next_ticket = 0;
      size_t out = 0;
      bool exhausted = false;
      // Independent units: the next unit is read (NextUnit: the store's reads) while the
      // units out compute, and handed to the slot that frees before that slot's output is
      // committed, so that no rank waits for rank 0's reads and commit between two units.
      // One unit more than the capacity is then held in memory.
      const bool read_ahead = stage.info().independent_units;
      std::any ahead;
      busy_start = Clock::now();
      while (true) {
        if (options_.cancel && options_.cancel->load()) return Status::Cancelled("interrupted");
        while (!exhausted && out < capacity) {
          std::any unit = std::move(ahead);
          ahead.reset();
          if (!unit.has_value()) {
            PANIC_ASSIGN_OR_RETURN(unit, stage.NextUnit(ctx));
          }
          if (!unit.has_value()) {
            exhausted = true;
            break;
          }
          if (unit.type() == typeid(PendingUnit)) {
            // Its next unit needs a commit first (a concurrent_units stage).
            if (out == 0) return Status::Internal(stage.info().name + ": a unit is pending while none is out");
            break;
          }
          PANIC_RETURN_IF_ERROR(remote->Submit(stage, next_ticket++, std::move(unit), exec));
          ++out;
        }
        if (read_ahead && !exhausted && !ahead.has_value()) {
          PANIC_ASSIGN_OR_RETURN(ahead, stage.NextUnit(ctx));
          if (!ahead.has_value()) exhausted = true;
        }
        if (out == 0) break;
        PANIC_ASSIGN_OR_RETURN(auto done, remote->Collect(stage, exec));
        --out;
        if (ahead.has_value()) {
          PANIC_RETURN_IF_ERROR(remote->Submit(stage, next_ticket++, std::move(ahead), exec));
          ahead.reset();
          ++out;
        }
        PANIC_ASSIGN_OR_RETURN(UnitOutcome outcome, stage.Commit(ctx, done.second));
        if (outcome.release_point) {
          // Its Execute released the models of the process that ran it; the others too.
          if (out > 0) return Status::Internal(stage.info().name + ": a release point while units are out");
          PANIC_RETURN_IF_ERROR(remote->ReleaseModels());
        }
        PANIC_RETURN_IF_ERROR(committed(outcome));
      }
      slot.busy_s += SecondsSince(busy_start);
    }
    while (capacity == 0) {
      if (options_.cancel && options_.cancel->load()) return Status::Cancelled("interrupted");
      busy_start = Clock::now();
      PANIC_ASSIGN_OR_RETURN(std::any unit, stage.NextUnit(ctx));
      if (!unit.has_value()) {
        slot.busy_s += SecondsSince(busy_start);
        break;
      }
      if (unit.type() == typeid(PendingUnit)) {
        return Status::Internal(stage.info().name + ": a unit is pending while none is out");
      }
      PANIC_ASSIGN_OR_RETURN(std::any output, stage.Execute(unit, exec));
      unit.reset();
      PANIC_ASSIGN_OR_RETURN(UnitOutcome outcome, stage.Commit(ctx, output));
      slot.busy_s += SecondsSince(busy_start);
      PANIC_RETURN_IF_ERROR(committed(outcome));
    }
    busy_start = Clock::now();
    PANIC_RETURN_IF_ERROR(stage.Finish(ctx));
    slot.busy_s += SecondsSince(busy_start);
    report.timing.wall_s += SecondsSince(pass_start) - followers_s;
    report.timing.model_s = Seconds(slot.model_ns);
    report.timing.kernel_s = Seconds(slot.kernel_ns);
    if (emit) {
      event.finished = true;
      Emit(k, event);
    }
    return Status::Ok();
  }

 private:
  // The selected stages after k that follow runs, for the runs that stopped.
  Status RunFollowers(size_t k, const std::vector<std::string>& stopped) {
    for (size_t j = k + 1; j < slots_.size(); ++j) {
      if (!slots_[j].selected || !slots_[j].stage->info().follows_runs) continue;
      // Its time is its own: stage k's busy time is measured per unit, around it.
      PANIC_RETURN_IF_ERROR(Pass(j, &stopped));
    }
    return Status::Ok();
  }

  // Fills rate and ETA: the stage's own left work at its rate, plus every later selected
  // stage's left work at its rate (partial when one has none yet).
  void Emit(size_t k, ProgressEvent& event) {
    const StageSlot& slot = slots_[k];
    event.rate = slot.rate();
    event.eta_partial = false;
    double eta = 0;
    bool known = false;
    const int64_t own_left = std::max<int64_t>(0, event.total - event.done);
    if (own_left == 0) {
      known = true;
    } else if (event.rate > 0) {
      eta += own_left / event.rate;
      known = true;
    }
    for (size_t j = k + 1; j < slots_.size(); ++j) {
      if (!slots_[j].selected || slots_[j].left() == 0) continue;
      if (slots_[j].rate() > 0) eta += slots_[j].left() / slots_[j].rate();
      else event.eta_partial = true;
    }
    event.eta_s = known ? eta : -1;
    options_.progress(event);
  }

  store::Database& db_;
  models::ModelRegistry& registry_;
  const store::ExperimentRecord& experiment_;
  const nlohmann::json& exp_options_;
  const PipelineOptions& options_;
  std::vector<StageSlot>& slots_;
  PipelineResult& result_;
};

}  // namespace

Result<PipelineResult> ExecuteExperiment(store::Database& db, models::ModelRegistry& registry,
                                         const std::string& experiment_id, const PipelineOptions& options) {
  const StageRegistry& stages = options.registry ? *options.registry : StageRegistry::Default();
  PANIC_ASSIGN_OR_RETURN(store::ExperimentRecord experiment, store::experiments::Get(db.connection(), experiment_id));
  PANIC_ASSIGN_OR_RETURN(nlohmann::json exp_options, ParseExperimentOptions(experiment.options_json));
  // The stored options were checked when the experiment was created; checking them again
  // against this build's stages and backends catches options from elsewhere (an import).
  PANIC_ASSIGN_OR_RETURN(OptionSchema schema, JoinOptionSchema(stages, registry));
  if (Status valid = schema.Validate(exp_options); !valid.ok()) {
    return valid.WithContext("the stored options of experiment " + experiment.id);
  }
  // Backends configured per experiment (the Python worker's interpreter, timeouts) see the
  // stored options, so that a resume runs them as the first run did.
  PANIC_RETURN_IF_ERROR(registry.ApplyExperimentOptions(exp_options));
  if (options.executor) PANIC_RETURN_IF_ERROR(options.executor->Begin(exp_options, std::max(1, options.threads)));
  for (const auto& name : options.stages) {
    const auto names = stages.Names();
    if (std::find(names.begin(), names.end(), name) == names.end()) {
      return Status::InvalidArgument("stage '" + name + "' is not registered (allowed: " + stages.NameList() + ")");
    }
  }

  PipelineResult result;
  std::vector<StageSlot> slots(stages.infos().size());
  auto instances = stages.Instantiate();
  PANIC_ASSIGN_OR_RETURN(ExperimentFacts before, LoadExperimentFacts(db, registry, experiment_id));
  for (size_t k = 0; k < slots.size(); ++k) {
    slots[k].stage = std::move(instances[k]);
    const StageInfo& info = slots[k].stage->info();
    slots[k].selected = options.stages.empty() || options.stages.count(info.name) > 0;
    slots[k].remaining_at_start = slots[k].selected ? slots[k].stage->Remaining(before) : 0;
    result.stages.push_back(StageReport{info.name, info.unit, false, 0, 0, {}});
  }

  PANIC_RETURN_IF_ERROR(
      db.Write([&](store::SqliteDb& c) { return store::experiments::SetStarted(c, experiment.id, NowIso()); }));
  Driver driver(db, registry, experiment, exp_options, options, slots, result);
  for (size_t k = 0; k < slots.size(); ++k) {
    if (slots[k].selected) PANIC_RETURN_IF_ERROR(driver.Pass(k, nullptr));
  }

  for (const auto& model : experiment.embedding_models) {
    if (!registry.Find(model)) return Status::NotFound("embedding model '" + model + "' is not available in this build");
  }
  PANIC_ASSIGN_OR_RETURN(ExperimentFacts after, LoadExperimentFacts(db, registry, experiment_id));
  result.completed = true;
  for (const auto& slot : slots) {
    for (const StageCount& c : slot.stage->Count(after)) result.completed = result.completed && c.complete();
  }
  PANIC_RETURN_IF_ERROR(db.Write([&](store::SqliteDb& c) {
    return store::experiments::SetCompleted(c, experiment.id, result.completed ? NowIso() : "");
  }));
  return result;
}

}  // namespace panic::engine
