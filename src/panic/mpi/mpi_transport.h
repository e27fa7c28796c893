// The point-to-point calls of `--mpi` (docs/MPI.md), shared by rank 0's executor
// (mpi_executor.h) and the workers (mpi_worker.cpp): one tag, sends that never block
// forever, receives of a probed message. Only built with MPI (PANIC_HAVE_MPI).
#pragma once

#include <chrono>
#include <string>

#include "panic/core/status.h"
#include "panic/engine/progress.h"

#define OMPI_SKIP_MPICXX 1
#include <mpi.h>

namespace panic::mpi {

inline constexpr int kTag = 16;  // every message of the protocol

using Clock = std::chrono::steady_clock;
inline double SecondsSince(Clock::time_point t) { return std::chrono::duration<double>(Clock::now() - t).count(); }

// An MPI error code as an IOError saying what was being done.
Status MpiError(int code, const std::string& what);

// Sends and waits until the receiver has the message (above Open MPI's eager limit a send
// completes only when it is received). With a limit, a receiver that takes none of it for
// `limit_s` seconds is an IOError with *lost set (a dead or hung rank), instead of
// blocking forever; a set `cancel` flag (SIGTERM from mpirun when a rank died) ends the
// wait as Cancelled.
Status SendBytes(const std::string& bytes, int to, double limit_s = 0, bool* lost = nullptr,
                 const engine::CancelFlag* cancel = nullptr);

// The message that MPI_Probe/Iprobe found (its size is what MPI says arrived).
Result<std::string> ReceiveProbed(const MPI_Status& probed);

}  // namespace panic::mpi
