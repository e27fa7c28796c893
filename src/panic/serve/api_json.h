// The JSON shapes of the dashboard's API: the same as the CLI's `--json` output of the same
// question (experiment list/show, run list/show/diagram, cluster list/show), so a script may
// read either. Records, summaries, diagrams and clustering results use engine/json_shapes.h,
// as the CLI does; what is left here is the dashboard's own. tests/serve/api_shapes_test.cpp
// runs both on one database and compares them key by key.
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
#include "panic/tda/diagram.h"

namespace panic::serve {

nlohmann::json ClusterJson(const store::clustering::ClusterSummary& c, int64_t point_count);  // `cluster show`

}  // namespace panic::serve
