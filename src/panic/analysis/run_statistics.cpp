#include "panic/analysis/run_statistics.h"

#include <algorithm>
#include <cmath>
#include <utility>

namespace panic::analysis {

double Percentile(std::span<const double> sorted, double q) {
  double h = static_cast<double>(sorted.size() - 1) * q;
  size_t lo = static_cast<size_t>(std::floor(h));
  if (lo + 1 >= sorted.size()) return sorted.back();
  return sorted[lo] + (h - static_cast<double>(lo)) * (sorted[lo + 1] - sorted[lo]);
}

Summary Summarize(std::vector<double> sample) {
  Summary s;
  s.count = sample.size();
  if (sample.empty()) return s;
  std::sort(sample.begin(), sample.end());
  for (double x : sample) s.total += x;
  s.mean = s.total / static_cast<double>(sample.size());
  s.median = Percentile(sample, 0.5);
  s.p95 = Percentile(sample, 0.95);
  s.min = sample.front();
  s.max = sample.back();
  return s;
}

std::vector<DurationSummary> SummarizeDurations(std::span<const InvocationTiming> timings) {
  std::map<std::string, std::pair<std::vector<double>, size_t>> by_model;
  for (const InvocationTiming& t : timings) {
    auto& [seconds, missing] = by_model[t.model];
    if (std::isfinite(t.seconds)) {
      seconds.push_back(t.seconds);
    } else {
      ++missing;
    }
  }
  std::vector<DurationSummary> out;
  for (auto& [model, entry] : by_model) {
    out.push_back(DurationSummary{model, Summarize(std::move(entry.first)), entry.second});
  }
  return out;
}

namespace {

// Collects one group's runs, then summarises them.
struct GroupBuilder {
  size_t runs = 0;
  std::map<std::string, size_t> stop_reasons;
  std::vector<double> lengths, loops;

  void Add(const RunRecord& r) {
    ++runs;
    ++stop_reasons[r.stop_reason.value_or("running")];
    lengths.push_back(static_cast<double>(r.length));
    if (r.loop_length) loops.push_back(static_cast<double>(*r.loop_length));
  }
  RunGroupSummary Finish(std::string prompt, std::string network) {
    return RunGroupSummary{std::move(prompt), std::move(network), runs, std::move(stop_reasons),
                           Summarize(std::move(lengths)), Summarize(std::move(loops))};
  }
};

}  // namespace

RunSummary SummarizeRuns(std::span<const RunRecord> runs) {
  std::map<std::pair<std::string, std::string>, GroupBuilder> by_both;
  std::map<std::string, GroupBuilder> by_prompt, by_network;
  GroupBuilder all;
  for (const RunRecord& r : runs) {
    by_both[{r.initial_prompt, r.network}].Add(r);
    by_prompt[r.initial_prompt].Add(r);
    by_network[r.network].Add(r);
    all.Add(r);
  }
  RunSummary out;
  for (auto& [key, g] : by_both) out.by_prompt_and_network.push_back(g.Finish(key.first, key.second));
  for (auto& [prompt, g] : by_prompt) out.by_prompt.push_back(g.Finish(prompt, ""));
  for (auto& [network, g] : by_network) out.by_network.push_back(g.Finish("", network));
  out.all = all.Finish("", "");
  return out;
}

}  // namespace panic::analysis
