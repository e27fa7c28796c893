#include "panic/cli/diagram_distance_options.h"

#include "panic/tda/diagram_distance.h"

namespace panic::cli {

Result<DiagramDistanceChoice> ParseDiagramDistance(const ParsedArgs& args, const std::string& default_metric,
                                                   long long max_dim) {
  DiagramDistanceChoice c;
  PANIC_ASSIGN_OR_RETURN(long long dim, args.GetIntIn("dim", 1, 0, max_dim));
  c.dim = static_cast<size_t>(dim);
  PANIC_ASSIGN_OR_RETURN(c.metric, args.GetChoice("metric", {"bottleneck", "wasserstein", "sorted-l1"}, default_metric));
  analysis::DiagramDistanceOptions& o = c.options;
  o.metric = c.metric == "bottleneck"    ? analysis::DiagramMetric::kBottleneck
             : c.metric == "wasserstein" ? analysis::DiagramMetric::kWasserstein
                                         : analysis::DiagramMetric::kSortedPersistenceL1;
  if (c.metric != "wasserstein" && (args.Has("order") || args.Has("p") || args.Has("delta") || args.Has("solver"))) {
    return Status::InvalidArgument("--order, --solver and --delta apply only to --metric wasserstein");
  }
  if (args.Has("order") && args.Has("p")) {
    return Status::InvalidArgument("--p is the older name of --order: give one of them");
  }
  PANIC_ASSIGN_OR_RETURN(o.order, args.GetDouble(args.Has("p") ? "p" : "order", 1.0));
  PANIC_ASSIGN_OR_RETURN(std::string solver, args.GetChoice("solver", {"exact", "auction"}, "exact"));
  o.solver = solver == "exact" ? analysis::WassersteinSolver::kExact : analysis::WassersteinSolver::kAuction;
  if (solver == "exact" && args.Has("delta")) {
    return Status::InvalidArgument("--delta applies only to --solver auction (the exact solver has no error bound)");
  }
  PANIC_ASSIGN_OR_RETURN(o.delta, args.GetDouble("delta", tda::kDefaultWassersteinDelta));
  if (Status s = tda::CheckWassersteinParameters(o.order, o.delta); !s.ok()) {
    return Status::InvalidArgument("--" + s.message());
  }
  return c;
}

}  // namespace panic::cli
