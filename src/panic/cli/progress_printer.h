// Renders engine progress: a redrawn bar with rate and ETA on a terminal, a plain line
// every few seconds otherwise (logs, CI). Writes to stderr-like stream given.
#pragma once

#include <chrono>
#include <iosfwd>
#include <string>

#include "panic/engine/progress.h"

namespace panic::cli {

class ProgressPrinter {
 public:
  ProgressPrinter(std::ostream& os, bool terminal) : os_(os), terminal_(terminal) {}
  void operator()(const engine::ProgressEvent& event);
  // A count of a simple job (an export: `done` of `total` units, all in this process): its
  // rate and ETA from the time since the stage's first count (the pipeline's events carry
  // their own). The first count has none yet ("ETA ?"); exports printed "ETA ?" to the end.
  void Count(const std::string& stage, const std::string& unit, int64_t done, int64_t total);

 private:
  std::string Line(const engine::ProgressEvent& event, double elapsed_s) const;
  std::ostream& os_;
  bool terminal_;
  std::string stage_;
  std::chrono::steady_clock::time_point stage_start_;
  std::chrono::steady_clock::time_point last_print_;
  // The stage and counts of the last line printed: the end of a pass that adds nothing to it
  // is not printed again (a stage's follower passes during runs end its work, then its own
  // pass starts and ends with nothing left: "embeddings: 2370/2370" came twice).
  std::string last_printed_;
};

// "1h02m", "3m05s", "12s"
std::string FormatDuration(double seconds);

}  // namespace panic::cli
