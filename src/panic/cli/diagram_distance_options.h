// The options of a persistence-diagram distance, read once for `tda distance`, `tda
// distance-matrix` and `analyse distances`: --metric (bottleneck, wasserstein or sorted-l1),
// --dim, and for Wasserstein --order (older name --p), --solver exact|auction and --delta,
// which only the auction has. A Wasserstein option with another metric is an error.
#pragma once

#include <string>

#include "panic/analysis/diagram_distance_matrix.h"
#include "panic/cli/command.h"

namespace panic::cli {

struct DiagramDistanceChoice {
  analysis::DiagramDistanceOptions options;  // threads, cancel and progress left as defaults
  std::string metric;                        // as --metric spells it
  size_t dim = 1;                            // --dim
};

// `max_dim`: the largest --dim allowed (LLONG_MAX: no bound but ≥ 0).
Result<DiagramDistanceChoice> ParseDiagramDistance(const ParsedArgs& args, const std::string& default_metric,
                                                   long long max_dim);

}  // namespace panic::cli
