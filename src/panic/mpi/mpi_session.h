// `experiment run|resume --mpi` (docs/MPI.md): one MPI job, rank 0 owns the database.
//
// Rank 0 runs the pipeline as without MPI (plan, commit, progress, the runs stage); the
// units of stages with independent units (embeddings, diagrams) go through Session's
// executor to the worker ranks, which keep their models loaded across units, and come back
// as binary messages (work_codec.h). Rank 0 executes a unit itself when every worker is
// busy, so -np 2 keeps two processes computing (in jobs of fewer than
// kRankZeroComputesBelow ranks: placement.h). Every rank but 0 calls ServeWorker and
// never opens the database.
//
// A rank that dies: Open MPI's mpirun then stops every rank with SIGTERM; rank 0 sees the
// cancel flag while waiting for results, says so with the units in flight, and exits 130
// with every committed unit kept; `experiment resume` (with or without --mpi) finishes the
// work. Rank 0 also finds a lost rank itself (one mpirun does not end: hung, or a job run
// without abort-on-failure): a worker holding a unit sends a heartbeat every second, and
// one silent for the limit (--mpi-timeout) is reported by rank, with the units in flight;
// rank 0 then exits the same way and MPI_Abort ends the job.
//
// Built without MPI (PANIC_MPI off), Start answers Unimplemented-like InvalidArgument
// naming the build option.
#pragma once

#include <map>
#include <memory>
#include <string>

#include "panic/core/status.h"
#include "panic/engine/progress.h"
#include "panic/engine/unit_executor.h"
#include "panic/models/registry.h"
#include "panic/mpi/mpi_trace.h"

namespace panic::mpi {

// What crossed between the ranks for one stage (rank 0's view).
struct StageTraffic {
  int64_t units_remote = 0;
  int64_t units_local = 0;  // executed by rank 0 itself
  int64_t units_refused = 0;  // no rank had the memory for them (failed, not executed)
  int64_t items_remote = 0;
  int64_t bytes_out = 0;  // units sent
  int64_t bytes_in = 0;   // outputs received
};

class Session {
 public:
  // MPI_Init. InvalidArgument when this build has no MPI. `silent_limit_s` (0: none):
  // rank 0 takes a worker as lost when it holds a unit and has sent nothing (workers send a
  // heartbeat every second while they compute) or taken nothing of a message for that long.
  static Result<std::unique_ptr<Session>> Start(double silent_limit_s = 0);
  // Rank 0: stops the workers (they answer bye); every rank: MPI_Finalize.
  ~Session();
  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;

  int rank() const { return rank_; }
  // False in a job of one rank (the launcher says so before MPI_Init): MPI is not started,
  // executor() is null and the stages run as without --mpi.
  bool mpi_started() const { return mpi_started_; }
  int size() const { return size_; }
  // Rank 0: the executor to put in PipelineOptions (valid while the session lives).
  engine::UnitExecutor* executor(const engine::CancelFlag* cancel);
  // Ranks ≠ 0: executes units until rank 0 says stop.
  Status ServeWorker(models::ModelRegistry& registry);
  // Rank 0: per stage, what crossed.
  const std::map<std::string, StageTraffic>& traffic() const;
  // Rank 0: one line per stage, for stderr.
  std::string TrafficReport() const;

 private:
  Session() = default;
  class Executor;
  int rank_ = 0, size_ = 1;
  int ranks_on_node_ = 1;  // ranks sharing this rank's node (and its memory)
  bool mpi_started_ = true;
  double silent_limit_s_ = 0;
  std::unique_ptr<Trace> trace_;  // PANIC_TDA_MPI_TRACE (mpi_trace.h)
  std::unique_ptr<Executor> executor_;
};

}  // namespace panic::mpi
