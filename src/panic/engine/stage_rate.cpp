#include "panic/engine/stage_rate.h"

#include <algorithm>

namespace panic::engine {

bool EtaEstimate::work_left() const {
  for (const auto& s : stages) {
    if (s.remaining > 0) return true;
  }
  return false;
}

double BusySeconds(std::vector<store::WorkInterval> intervals, int64_t bridge_us) {
  std::sort(intervals.begin(), intervals.end(),
            [](const store::WorkInterval& a, const store::WorkInterval& b) { return a.start_us < b.start_us; });
  int64_t total_us = 0;
  bool open = false;
  int64_t start = 0, end = 0;  // the merged interval being built
  for (const auto& i : intervals) {
    if (i.end_us <= i.start_us) continue;
    if (open && i.start_us <= end + bridge_us) {
      end = std::max(end, i.end_us);
      continue;
    }
    if (open) total_us += end - start;
    start = i.start_us;
    end = i.end_us;
    open = true;
  }
  if (open) total_us += end - start;
  return static_cast<double>(total_us) / 1e6;
}

StageEta EstimateStage(const std::string& stage, const std::string& unit, int64_t remaining,
                       const std::vector<store::WorkInterval>& history) {
  StageEta e;
  e.stage = stage;
  e.unit = unit;
  e.remaining = std::max<int64_t>(0, remaining);
  for (const auto& i : history) e.measured += i.items;
  e.busy_s = BusySeconds(history);
  if (e.measured > 0 && e.busy_s > 0) e.rate = static_cast<double>(e.measured) / e.busy_s;
  if (e.remaining == 0) e.eta_s = 0.0;
  else if (e.rate) e.eta_s = static_cast<double>(e.remaining) / *e.rate;
  return e;
}

EtaEstimate CombineEtas(std::vector<StageEta> stages) {
  EtaEstimate out;
  out.stages = std::move(stages);
  bool all_known = true;
  for (const auto& s : out.stages) {
    if (s.eta_s) {
      out.known_s += *s.eta_s;
    } else {
      all_known = false;
      out.unknown.push_back(s.stage);
    }
  }
  if (all_known) out.total_s = out.known_s;
  return out;
}

}  // namespace panic::engine
