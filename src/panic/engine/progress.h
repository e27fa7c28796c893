// Progress of a pipeline as events the CLI renders (bar on a terminal, lines otherwise).
// The pipeline (not the stages) emits them, with one ETA covering every remaining stage.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <string>

namespace panic::engine {

struct ProgressEvent {
  std::string stage;  // a StageInfo::name
  std::string unit;   // a StageInfo::unit
  int64_t done = 0;   // in this stage, including what existed before this process
  int64_t total = 0;  // expected in this stage (an upper bound for runs that may stop early)
  int64_t done_this_session = 0;  // produced by this process (for rates)
  bool finished = false;          // the stage's pass has ended
  double rate = 0;                // units per second of this stage in this process (0: unknown)
  // Seconds left for this stage and every later selected stage, each at its own measured
  // rate; negative when no rate is known yet. eta_partial: some later stage has no
  // measured rate yet, so eta_s covers only the stages that have one (a lower bound).
  double eta_s = -1;
  bool eta_partial = false;
};

using ProgressFn = std::function<void(const ProgressEvent&)>;

// Set by a signal handler or a caller to stop at the next safe point (between units).
using CancelFlag = std::atomic<bool>;

// What every stage is given besides its data.
struct StageOptions {
  int threads = 1;                     // worker threads (encoding, embedding, diagrams)
  ProgressFn progress;                 // may be empty
  const CancelFlag* cancel = nullptr;  // checked between units of work; may be null
};

}  // namespace panic::engine
