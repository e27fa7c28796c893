// The JSON shapes of stored records and summaries, one definition for both readers: the
// CLI's `--json` (cli/) and the dashboard's API (serve/), which must answer the same
// (serve's ApiShapesTest compares them).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "panic/engine/experiment_summary.h"
#include "panic/store/clustering_table.h"
#include "panic/store/records.h"
#include "panic/tda/diagram.h"

namespace panic::engine {

nlohmann::json ExperimentToJson(const store::ExperimentRecord& e);
nlohmann::json RunToJson(const store::RunRecord& r);
// One step of `run show --json`: the invocation, its text or its image's size and SHA-256,
// and the embedding models that embedded it.
nlohmann::json InvocationStepToJson(const store::InvocationRecord& inv, const std::vector<std::string>& embedded_by);
// `experiment show --json`: the experiment, its status, run and invocation counts, each
// stage's progress (per embedding model where it counts per model), the ETA, failed runs.
nlohmann::json SummaryToJson(const ExperimentSummary& s);
// {"dimensions": [{"dim", "bars": [[birth, death|null]…], "entropy"}…]}.
nlohmann::json DiagramJson(const tda::Diagram& diagram, const std::vector<float>& entropy);
nlohmann::json ClusteringResultToJson(const store::clustering::ResultRecord& r);

// The share of a result's time spent outside the algorithm (reading and writing).
std::optional<double> OutsideShare(const store::clustering::ResultRecord& r);

// The stored approximate diagrams of one model: (total, "with ε = 0.1" parts).
struct ApproximateOfModel {
  int64_t total = 0;
  nlohmann::json by_epsilon = nlohmann::json::array();  // [{"epsilon": 0.1, "diagrams": 2}, ...]
  std::string text;  // "2 approximate, ε = 0.1" or "3 approximate: 2 with ε = 0.1, 1 with ε = 0.5"
};
ApproximateOfModel ApproximateDiagramsOf(const ExperimentSummary& s, const std::string& model);

}  // namespace panic::engine
