// Where a stage's time goes: wall time, and the time spent inside model calls (and
// model loading) and the persistence kernel, summed over the threads that made them. With one thread,
// 1 − (model + kernel) / wall is the share spent in the engine itself (store, encoding,
// scheduling) — what bench_pipeline reports.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>

namespace panic::engine {

struct StageTiming {
  double wall_s = 0;
  double model_s = 0;
  double kernel_s = 0;
};

// Adds the lifetime of the scope to an atomic nanosecond counter.
class ScopedTimer {
 public:
  explicit ScopedTimer(std::atomic<int64_t>& total_ns) : total_ns_(total_ns), start_(std::chrono::steady_clock::now()) {}
  ~ScopedTimer() {
    total_ns_ += std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now() - start_).count();
  }
  ScopedTimer(const ScopedTimer&) = delete;
  ScopedTimer& operator=(const ScopedTimer&) = delete;

 private:
  std::atomic<int64_t>& total_ns_;
  std::chrono::steady_clock::time_point start_;
};

inline double Seconds(const std::atomic<int64_t>& ns) { return static_cast<double>(ns.load()) / 1e9; }

}  // namespace panic::engine
