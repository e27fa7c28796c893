// Seconds between successive calls, for the phase timings an algorithm reports to its
// caller (the approximate path's greedy/count/fill/reduction, the sparse reducer's phases).
#pragma once

#include <chrono>

namespace panic::core {

class LapTimer {
 public:
  // The seconds since construction or since the previous Lap().
  double Lap() {
    const auto now = std::chrono::steady_clock::now();
    const double seconds = std::chrono::duration<double>(now - last_).count();
    last_ = now;
    return seconds;
  }

 private:
  std::chrono::steady_clock::time_point last_ = std::chrono::steady_clock::now();
};

}  // namespace panic::core
