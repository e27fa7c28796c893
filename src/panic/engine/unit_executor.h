// Where a stage's units execute when not in this process: the seam that `--mpi` uses
// (mpi/mpi_session.h, Session::executor). Plan, NextUnit and Commit stay in the pipeline's
// process (the one that owns the database); Execute happens wherever the executor sends
// the unit.
//
// Only stages that declare StageInfo::independent_units (NextUnit does not depend on the
// previous unit's commit: the pipeline reads one unit ahead and hands it to the slot that
// frees before committing that slot's output) or StageInfo::concurrent_units (NextUnit may
// answer PendingUnit until a commit) are handed to an executor; several of their units are
// out at once and their commits may come in any order.
#pragma once

#include <any>
#include <cstdint>
#include <string>
#include <utility>

#include <nlohmann/json.hpp>

#include "panic/core/status.h"

namespace panic::engine {

class Stage;
struct ExecuteContext;

class UnitExecutor {
 public:
  virtual ~UnitExecutor() = default;
  // Once per ExecuteExperiment, after the backends saw the experiment's options.
  virtual Status Begin(const nlohmann::json& experiment_options, int threads) = 0;
  // Units of this stage it may hold at once; 0: it does not take the stage.
  virtual size_t Capacity(const Stage& stage) = 0;
  // Hands out one unit, identified by `ticket`.
  virtual Status Submit(Stage& stage, uint64_t ticket, std::any unit, ExecuteContext& ctx) = 0;
  // The next finished unit, in any order: its ticket and Execute's output. An error stops
  // the pipeline, as an error of Execute does.
  virtual Result<std::pair<uint64_t, std::any>> Collect(Stage& stage, ExecuteContext& ctx) = 0;
  // A unit with a release point (UnitOutcome::release_point: the runs stage's end of a
  // network group, whose Execute released the models of the process that ran it) was
  // committed, and no unit is out: every other process that ran that group's units
  // releases its models too, so that the next group's models, or the following stages',
  // have the room (an executor may leave processes that did not run the group as they are).
  virtual Status ReleaseModels() = 0;
};

}  // namespace panic::engine
