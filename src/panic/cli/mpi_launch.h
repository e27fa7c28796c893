// `experiment run|resume --mpi`: starts the MPI session (mpi/mpi_session.h) for a command.
// Ranks other than 0 serve units until rank 0 is done and return their exit code from
// Start; rank 0 goes on, puts session()'s executor in the pipeline, and prints what
// crossed between the ranks in Finish. The session ends (workers stopped, MPI finalized)
// when the MpiLaunch goes out of scope, on every path.
#pragma once

#include <memory>

#include "panic/cli/command.h"
#include "panic/mpi/mpi_session.h"

namespace panic::cli {

// --mpi-timeout's default: seconds a worker holding a unit may stay silent (it sends a
// heartbeat every second while it computes) before rank 0 takes it as lost.
inline constexpr double kDefaultMpiTimeoutS = 60;

class MpiLaunch {
 public:
  // -1: go on (rank 0, or no --mpi); otherwise the exit code of this (worker) process.
  int Start(const ParsedArgs& args, Context& ctx);
  mpi::Session* session() { return session_.get(); }
  // Rank 0 after the pipeline: the traffic per stage on stderr; returns `code`.
  int Finish(int code, Context& ctx);

 private:
  std::unique_ptr<mpi::Session> session_;
};

}  // namespace panic::cli
