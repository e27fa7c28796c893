// The cluster charts of issue 14, drawn from the newest stored clustering result whose scope
// covers the charted experiments (store/clustering_table.h, `cluster run`):
//   cluster_timelines    runs (rows) × steps (x), each clustered output coloured by its
//                        cluster (the largest clusters in the palette, others grey,
//                        outliers pale);
//   cluster_bubbles      prompt (x) × cluster rank (y, 1 = largest), bubble area ∝ outputs;
//   cluster_transitions  heat map of P(next output's cluster | this output's cluster) within
//                        runs, over the largest clusters, "other" and "outlier".
// Without such a result the three are listed as skipped with the reason.
//
// Thread safety: uses its Database from the calling thread only.
#pragma once

#include <string>
#include <vector>

#include "panic/core/status.h"
#include "panic/export/drawing_file.h"
#include "panic/export/experiment_charts.h"
#include "panic/store/clustering_table.h"
#include "panic/store/database.h"

namespace panic::exporting {

// The clusters shown by name in the charts and the report: the largest first.
inline constexpr size_t kNamedClusters = 7;

// Draws the three charts into `dir` (which exists) and records them in `summary` (written
// or skipped).
Status ExportClusterCharts(store::Database& db, const std::vector<std::string>& experiment_ids,
                           const std::string& dir, DrawingFormat format, ChartsSummary* summary);

}  // namespace panic::exporting
