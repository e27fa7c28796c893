// Progress of a pipeline as events the CLI renders (bar on a terminal, lines otherwise).
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <string>

namespace panic::engine {

struct ProgressEvent {
  std::string stage;  // "runs", "embeddings", "diagrams"
  std::string unit;   // "invocations", "embeddings", "diagrams"
  int64_t done = 0;   // in this stage, including what existed before this process
  int64_t total = 0;  // expected in this stage (an upper bound for runs that may stop early)
  int64_t done_this_session = 0;  // produced by this process (for rates)
  bool finished = false;          // the stage has ended
};

using ProgressFn = std::function<void(const ProgressEvent&)>;

// Set by a signal handler or a caller to stop at the next safe point (between steps).
using CancelFlag = std::atomic<bool>;

// What every stage is given besides its data.
struct StageOptions {
  int threads = 1;                     // worker threads (encoding, embedding, diagrams)
  ProgressFn progress;                 // may be empty
  const CancelFlag* cancel = nullptr;  // checked between units of work; may be null
};

}  // namespace panic::engine
