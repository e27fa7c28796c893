// The publication charts of one or more experiments (issue 14, "Charts"), each a PNG, SVG
// or PDF file in an output folder:
//   persistence_diagrams   birth vs persistence, a facet per embedding model, colour per
//                          homology dimension (essential bars, of infinite persistence, left out);
//   persistent_entropy     violins with boxes: embedding model (facet) × network (x) × dimension (colour);
//   semantic_drift         ridgelines of drift per network over time deciles, a panel per
//                          (embedding model, network); drift computed here from the stored
//                          vectors with analysis::SemanticDrift, against the stored prompt
//                          embedding (text models) or else the run's first vector;
//   run_lengths            runs per network by stop reason, and the run-length histogram.
//   cluster_timelines, cluster_bubbles, cluster_transitions: from the newest stored
//                          clustering result covering the experiments (cluster_charts.h).
//   lyapunov_divergence, lyapunov_ftle: from the lyapunov stage's stored results
//                          (lyapunov_charts.h).
// A chart without data is listed as skipped with the reason.
//
// Thread safety: uses its Database from the calling thread only.
#pragma once

#include <atomic>
#include <functional>
#include <string>
#include <vector>

#include "panic/export/drawing_file.h"
#include "panic/store/database.h"
#include "panic/store/records.h"

namespace panic::exporting {

struct ChartsSummary {
  std::vector<std::string> written;                          // file paths
  std::vector<std::pair<std::string, std::string>> skipped;  // chart → why
};

// Writes the charts into `dir` (created). NotFound for an unknown experiment. A chart
// without data (no diagrams yet, no vectors) is skipped with the reason, not an error.
// `progress` gets (runs read, runs) while the data is gathered. Cancelled when *cancel turns
// true (checked per run read and before each chart): the charts already written are whole
// and kept, the one in hand is not written.
Result<ChartsSummary> ExportCharts(store::Database& db, const std::vector<std::string>& experiment_ids,
                                   const std::string& dir, DrawingFormat format,
                                   const std::function<void(int64_t, int64_t)>& progress = {},
                                   const std::atomic<bool>* cancel = nullptr);

}  // namespace panic::exporting
