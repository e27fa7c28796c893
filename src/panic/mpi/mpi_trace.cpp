#include "panic/mpi/mpi_trace.h"

#include <time.h>

#include <chrono>
#include <cstdlib>

namespace panic::mpi {

Trace::Trace(int rank) {
  const char* prefix = std::getenv("PANIC_TDA_MPI_TRACE");
  if (!prefix || !*prefix) return;
  file_ = std::fopen((std::string(prefix) + ".rank" + std::to_string(rank)).c_str(), "a");
}

Trace::~Trace() {
  if (file_) std::fclose(file_);
}

double Trace::NowMs() {
  // steady_clock is CLOCK_MONOTONIC on Linux: one clock for every process of the host.
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

double Trace::ThreadCpuMs() {
  timespec t{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
  return static_cast<double>(t.tv_sec) * 1e3 + static_cast<double>(t.tv_nsec) / 1e6;
}

void Trace::Line(const std::string& event, const std::string& fields) {
  if (!file_) return;
  std::fprintf(file_, "%.3f %s %s\n", NowMs(), event.c_str(), fields.c_str());
  std::fflush(file_);
}

}  // namespace panic::mpi
