// PANIC_TDA_MPI_TRACE=PREFIX: each rank of `--mpi` appends one line per event to
// PREFIX.rank<R> (docs/MPI.md, "Where the time goes"): the time in milliseconds on the
// host's monotonic clock (CLOCK_MONOTONIC, the same for every process of a node, so the
// ranks' files merge by time), the event and its fields. A diagnostic for scheduling: which
// rank held which unit when, and what rank 0's main thread did between units. Unset: no
// file, and each call costs one branch.
#pragma once

#include <cstdio>
#include <string>

namespace panic::mpi {

class Trace {
 public:
  // Opens PREFIX.rank<rank> when PANIC_TDA_MPI_TRACE is set.
  explicit Trace(int rank);
  ~Trace();
  Trace(const Trace&) = delete;
  Trace& operator=(const Trace&) = delete;

  bool on() const { return file_ != nullptr; }
  // "<ms> <event> <fields>\n"; thread-safe (one fprintf per line).
  void Line(const std::string& event, const std::string& fields = "");
  // Milliseconds on the monotonic clock.
  static double NowMs();
  // CPU milliseconds of the calling thread (CLOCK_THREAD_CPUTIME_ID): a unit's cost that a
  // busy machine does not inflate, unlike its wall time.
  static double ThreadCpuMs();

 private:
  std::FILE* file_ = nullptr;
};

}  // namespace panic::mpi
