// `experiment show`'s ETA: each remaining stage's work at that stage's own measured rate,
// summed. A stage's rate is what it has stored so far over the time it spent: the union of
// the (started_at, completed_at) intervals of its rows (Stage::WorkHistory), so the time
// other stages ran, and the time nobody ran (an interrupted experiment), do not count.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "panic/store/work_intervals.h"

namespace panic::engine {

struct StageEta {
  std::string stage;
  std::string unit;             // what remaining and the rate count: "invocations", ...
  int64_t remaining = 0;        // Stage::Remaining
  int64_t measured = 0;         // items in its work history
  double busy_s = 0;            // the union of its intervals
  std::optional<double> rate;   // items per second; absent with no measured time yet
  std::optional<double> eta_s;  // remaining / rate; 0 when nothing remains; absent when unknown
};

struct EtaEstimate {
  std::vector<StageEta> stages;      // in pipeline order
  std::optional<double> total_s;     // Σ eta_s, when every stage with work left has a rate
  double known_s = 0;                // Σ of the known eta_s (a lower bound when total_s is absent)
  std::vector<std::string> unknown;  // stages with work left and no rate yet
  bool work_left() const;
};

// The length of the union of the intervals (an interval with end ≤ start adds nothing).
// With bridge_us > 0, two merged intervals at most bridge_us apart count as one, the pause
// between them included (`experiment show`'s working time: the moments between two steps).
double BusySeconds(std::vector<store::WorkInterval> intervals, int64_t bridge_us = 0);

StageEta EstimateStage(const std::string& stage, const std::string& unit, int64_t remaining,
                       const std::vector<store::WorkInterval>& history);
EtaEstimate CombineEtas(std::vector<StageEta> stages);

}  // namespace panic::engine
