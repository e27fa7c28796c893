// The Stage seam: every stage of the pipeline is one unit behind this interface, and the
// pipeline (pipeline.cpp) is the only code that drives it. A stage is three steps:
//
//   plan     reads the store: what is missing, how much of it is done already;
//   execute  pure computation on one work unit, with models but no store access, so it
//            may run on another thread, process or machine (the work unit and its result
//            are plain data: strings, numbers, vectors, payloads);
//   commit   writes one unit's result in one transaction.
//
// The pipeline owns what is common to every stage: progress, ETA, cancellation (checked
// between units), timing, and the one definition of "done" (completion.h), which each stage
// states through Count().
//
// Adding a stage is one new file with a class derived from TypedStage and one
// registration line in stage_registry.cpp (tests/engine/stage_registry_test.cpp adds one).
#pragma once

#include <any>
#include <atomic>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "panic/core/option_schema.h"
#include "panic/core/status.h"
#include "panic/engine/progress.h"
#include "panic/models/registry.h"
#include "panic/store/database.h"
#include "panic/store/records.h"
#include "panic/store/work_intervals.h"

namespace panic::engine {

struct ExperimentFacts;  // completion.h

// What the registry, `--stages` and the summary know of a stage.
struct StageInfo {
  std::string name;         // in --stages and progress: "runs", "embeddings", ...
  std::string unit;         // what progress counts: "invocations", "embeddings", ...
  std::string description;  // one line for --help
  // The stage can work on a run as soon as the run has stopped: the pipeline then runs it
  // for the runs that stopped at each of the runs stage's release points (the end of a
  // network group), instead of waiting for every run of the experiment.
  bool follows_runs = false;
  // The keys of the experiment's `options` this stage reads (core/option_schema.h). The
  // engine joins them with the other stages' and the model backends' keys; no other code
  // checks or reads them.
  std::vector<OptionSpec> options;
  // NextUnit does not depend on the commit of the units before it: several units may be
  // out at once and committed in any order (engine/unit_executor.h, `--mpi`).
  bool independent_units = false;
  // Several units may be out at once, each committed in any order, but NextUnit may need a
  // commit before it can say more: it then answers PendingUnit (the runs stage: one unit
  // per open chunk of runs, each chunk's next step waits for its previous step's commit).
  // The pipeline hands such a stage to an executor too, and tells it how many units may be
  // out at once through StageContext::units_in_flight.
  bool concurrent_units = false;
};

// What NextUnit of a concurrent_units stage answers when every unit it could give depends
// on a unit that is still out: the pipeline collects and commits one, then asks again. It
// is an error to answer it while no unit is out.
struct PendingUnit {};

// The plan side's view (plan, commit): the store and the experiment.
struct StageContext {
  store::Database& db;
  models::ModelRegistry& registry;
  const store::ExperimentRecord& experiment;
  // The experiment's options object, checked against the joined schema; a stage reads its
  // own keys (ReadOptions with the fields it declared) in Plan.
  const nlohmann::json& options;
  const StageOptions& stage_options;
  // When set, plan only these runs (a follows_runs stage called at a release point).
  const std::vector<std::string>* only_runs = nullptr;
  // How many units the pipeline may keep out at once for this pass (an executor's
  // capacity; 1 when units execute one after the other in this process). A
  // concurrent_units stage sizes its open work by it.
  size_t units_in_flight = 1;
};

// The execute side's view: models and threads, never the store.
struct ExecuteContext {
  models::ModelRegistry& registry;
  int threads = 1;
  std::atomic<int64_t>* model_ns = nullptr;   // time inside model calls (and loading)
  std::atomic<int64_t>* kernel_ns = nullptr;  // time inside the persistence kernel
};

// Progress of a stage in its own unit, as its plan finds it.
struct StagePlan {
  int64_t done = 0;   // already in the store
  int64_t total = 0;  // expected (an upper bound where work may stop early)
};

// What committing one unit changed.
struct UnitOutcome {
  int64_t written = 0;      // items committed (counts towards done)
  int64_t failed = 0;       // items that failed and were recorded as failed
  int64_t total_delta = 0;  // change of the plan's total (runs that stopped early)
  std::vector<std::string> stopped_runs;  // runs that stopped (length or duplicate) in this unit
  bool release_point = false;             // models were released: followers may run now
};

// One line of "done" for a stage: overall (label empty) or per embedding model.
struct StageCount {
  std::string label;
  int64_t done = 0;
  int64_t expected = 0;
  int64_t failed = 0;
  int64_t stale = 0;  // stored results computed from a trajectory that has changed since
  bool complete() const { return done == expected && failed == 0 && stale == 0; }
};

class Stage {
 public:
  virtual ~Stage() = default;
  virtual const StageInfo& info() const = 0;

  // Reads what is missing and prepares the units. Called once per pass.
  virtual Result<StagePlan> Plan(StageContext& ctx) = 0;
  // The next work unit (type-erased plain data), or an empty std::any when the plan is
  // exhausted. May read the store (the inputs of the unit).
  virtual Result<std::any> NextUnit(StageContext& ctx) = 0;
  // Computes a unit's result. No store access. Per-item failures are part of the result;
  // an error status stops the pipeline.
  virtual Result<std::any> Execute(const std::any& unit, ExecuteContext& ctx) = 0;
  // Writes the result in one transaction.
  virtual Result<UnitOutcome> Commit(StageContext& ctx, std::any& result) = 0;
  // After the last unit of a pass (release models, final checks).
  virtual Status Finish(StageContext&) { return Status::Ok(); }

  // This stage's share of the one definition of "done" (see completion.h).
  virtual std::vector<StageCount> Count(const ExperimentFacts& facts) const = 0;
  // Work left, in the unit of info().unit (what progress counts), for the ETA.
  virtual int64_t Remaining(const ExperimentFacts& facts) const = 0;
  // When the stage's stored results were computed, in the same unit, for its measured
  // rate (stage_rate.h: `experiment show`'s ETA). Empty when its rows carry no interval:
  // its rate is then unknown.
  virtual Result<std::vector<store::WorkInterval>> WorkHistory(store::Database&, const std::string&) const {
    return std::vector<store::WorkInterval>{};
  }
};

// Binds the type-erased interface to a stage's own plain-data Unit and Output types.
template <typename Unit, typename Output>
class TypedStage : public Stage {
 public:
  Result<std::any> NextUnit(StageContext& ctx) final {
    PANIC_ASSIGN_OR_RETURN(std::optional<Unit> unit, Next(ctx));
    if (!unit) return Pending() ? std::any(PendingUnit{}) : std::any();
    return std::any(std::move(*unit));
  }
  Result<std::any> Execute(const std::any& unit, ExecuteContext& ctx) final {
    PANIC_ASSIGN_OR_RETURN(Output out, Run(std::any_cast<const Unit&>(unit), ctx));
    return std::any(std::move(out));
  }
  Result<UnitOutcome> Commit(StageContext& ctx, std::any& result) final {
    return Write(ctx, std::any_cast<Output&>(result));
  }

 protected:
  virtual Result<std::optional<Unit>> Next(StageContext& ctx) = 0;
  virtual Result<Output> Run(const Unit& unit, ExecuteContext& ctx) = 0;
  virtual Result<UnitOutcome> Write(StageContext& ctx, Output& output) = 0;
  // After Next answered no unit: true when that means "not before a commit" (PendingUnit)
  // rather than "exhausted" (only concurrent_units stages).
  virtual bool Pending() const { return false; }
};

}  // namespace panic::engine
