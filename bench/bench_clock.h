// The two clocks the bench programs print: wall seconds since a point, and the CPU seconds
// of the whole process (every thread, user + system). On a shared machine the wall time
// includes waiting for a core and the CPU time does not, so the programs print both.
#pragma once

#include <time.h>

#include <chrono>

namespace panic::bench {

using Clock = std::chrono::steady_clock;

inline double Seconds(Clock::time_point since) {
  return std::chrono::duration<double>(Clock::now() - since).count();
}

inline double CpuSeconds() {
  timespec ts{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + 1e-9 * static_cast<double>(ts.tv_nsec);
}

}  // namespace panic::bench
