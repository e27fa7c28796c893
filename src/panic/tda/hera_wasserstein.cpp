#include <hera/wasserstein/wasserstein.h>

#include <cmath>
#include <exception>
#include <string>

#include "panic/tda/hera_distances.h"

namespace panic::tda::internal {

Result<double> HeraWassersteinCost(const PlanePoints& a, const PlanePoints& b, double p,
                                   double delta) {
  using Point = hera::ws::DiagramPoint<double>;
  // Σ of each point's cost^p to the diagonal, (d − b)/2 under L∞.
  auto diagonal_cost = [p](const PlanePoints& points) {
    double sum = 0;
    for (const auto& [birth, death] : points) sum += std::pow((death - birth) / 2, p);
    return sum;
  };
  if (a.empty()) return diagonal_cost(b);
  if (b.empty()) return diagonal_cost(a);
  if (a == b) return 0.0;  // the callers' points are sorted, so equal multisets are equal vectors
  // The bipartite problem Hera's wasserstein_cost builds: bidders are a's points then the
  // diagonal projections of b's, items are the projections of a's then b's points.
  std::vector<Point> bidders, items;
  bidders.reserve(a.size() + b.size());
  items.reserve(a.size() + b.size());
  for (const auto& [birth, death] : a) {
    bidders.emplace_back(birth, death, Point::NORMAL);
    items.emplace_back(birth, death, Point::DIAG);
  }
  for (const auto& [birth, death] : b) {
    bidders.emplace_back(birth, death, Point::DIAG);
    items.emplace_back(birth, death, Point::NORMAL);
  }
  hera::AuctionParams<double> params;
  params.wasserstein_power = p;
  params.delta = delta;
  params.internal_p = hera::get_infinity<double>();
  try {
    return hera::ws::wasserstein_cost_vec(bidders, items, params);
  } catch (const std::exception& e) {
    return Status::Internal(std::string("Hera's Wasserstein auction failed: ") + e.what());
  }
}

}  // namespace panic::tda::internal
