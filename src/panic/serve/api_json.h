// The JSON shapes of the dashboard's API: the same as the CLI's `--json` output of the same
// question (experiment list/show, run list/show/diagram, cluster list/show), so a script may
// read either. The CLI builds its own in cli/ (which this layer may not include);
// tests/serve/api_shapes_test.cpp runs both on one database and compares them key by key.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "panic/core/status.h"
#include "panic/engine/experiment_summary.h"
#include "panic/store/clustering_table.h"
#include "panic/store/database.h"
#include "panic/store/records.h"
#include "panic/store/writer_lease.h"
#include "panic/tda/diagram.h"

namespace panic::serve {

nlohmann::json ExperimentJson(const store::ExperimentRecord& e);  // cli ExperimentToJson
nlohmann::json RunJson(const store::RunRecord& r);                // cli RunToJson
nlohmann::json SummaryJson(const engine::ExperimentSummary& s);   // `experiment show --json`
nlohmann::json DiagramJson(const tda::Diagram& diagram, const std::vector<float>& entropy);  // `run diagram`
nlohmann::json ClusteringResultJson(const store::clustering::ResultRecord& r);  // `cluster list`
nlohmann::json ClusterJson(const store::clustering::ClusterSummary& c, int64_t point_count);  // `cluster show`

// The status word of `experiment list` (cli/experiment_status.h): completed, running (a live
// writer holds the lease), not started, interrupted, incomplete (failures).
struct StatusWord {
  std::string word;
  std::optional<store::LeaseHolder> writer;
};
Result<StatusWord> DescribeStatus(store::Database& db, const store::ExperimentRecord& e,
                                  const store::ExperimentCounts& counts);

}  // namespace panic::serve
