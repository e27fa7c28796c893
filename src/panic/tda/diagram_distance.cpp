#include "panic/tda/diagram_distance.h"

#include <algorithm>
#include <cmath>
#include <functional>
#include <limits>
#include <string>

#include "panic/tda/hera_distances.h"

namespace panic::tda {
namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();

std::string DescribeBar(size_t index, const Bar& bar) {
  return "bar " + std::to_string(index) + " (birth " + std::to_string(bar.birth) + ", death " +
         std::to_string(bar.death) + ")";
}

// Σ |x_i − y_i|^p over the essential births paired in sorted order, or +inf when the
// counts differ (an essential bar has no finite partner and cannot go to the diagonal).
double EssentialCost(const PreparedBars& a, const PreparedBars& b, double p) {
  if (a.essential_births.size() != b.essential_births.size()) return kInf;
  double sum = 0;
  for (size_t i = 0; i < a.essential_births.size(); ++i) {
    sum += std::pow(std::fabs(a.essential_births[i] - b.essential_births[i]), p);
  }
  return sum;
}

double EssentialBottleneck(const PreparedBars& a, const PreparedBars& b) {
  if (a.essential_births.size() != b.essential_births.size()) return kInf;
  double worst = 0;
  for (size_t i = 0; i < a.essential_births.size(); ++i) {
    worst = std::max(worst, std::fabs(a.essential_births[i] - b.essential_births[i]));
  }
  return worst;
}

}  // namespace

Result<PreparedBars> PrepareBars(const Bars& bars) {
  PreparedBars out;
  for (size_t i = 0; i < bars.size(); ++i) {
    const Bar& bar = bars[i];
    if (std::isnan(bar.birth) || std::isnan(bar.death) || std::isinf(bar.birth) ||
        bar.death < bar.birth) {
      return Status::InvalidArgument(DescribeBar(i, bar) +
                                     ": a bar needs a finite birth and a death ≥ birth (or +inf)");
    }
    if (bar.IsEssential()) {
      out.essential_births.push_back(bar.birth);
    } else if (bar.death > bar.birth) {
      out.finite.emplace_back(bar.birth, bar.death);
    }
  }
  std::sort(out.finite.begin(), out.finite.end());
  std::sort(out.essential_births.begin(), out.essential_births.end());
  out.persistence_descending.reserve(out.finite.size());
  for (const auto& [birth, death] : out.finite) out.persistence_descending.push_back(death - birth);
  std::sort(out.persistence_descending.begin(), out.persistence_descending.end(), std::greater<>());
  return out;
}

Status CheckWassersteinParameters(double order, double delta) {
  if (!(order >= 1) || !std::isfinite(order)) {
    return Status::InvalidArgument("order: " + std::to_string(order) + " must be a finite number ≥ 1");
  }
  if (!(delta > 0 && delta <= 1)) {
    return Status::InvalidArgument("delta: " + std::to_string(delta) +
                                   " must be a relative error in (0, 1]");
  }
  return Status::Ok();
}

double BottleneckDistance(const PreparedBars& a, const PreparedBars& b) {
  double essential = EssentialBottleneck(a, b);
  if (std::isinf(essential)) return kInf;
  return std::max(essential, internal::HeraBottleneckExact(a.finite, b.finite));
}

Result<double> BottleneckDistance(const Bars& a, const Bars& b) {
  PANIC_ASSIGN_OR_RETURN(PreparedBars pa, PrepareBars(a));
  PANIC_ASSIGN_OR_RETURN(PreparedBars pb, PrepareBars(b));
  return BottleneckDistance(pa, pb);
}

Result<double> WassersteinDistance(const PreparedBars& a, const PreparedBars& b, double p,
                                   double delta) {
  PANIC_RETURN_IF_ERROR(CheckWassersteinParameters(p, delta));
  double essential = EssentialCost(a, b, p);
  if (std::isinf(essential)) return kInf;
  PANIC_ASSIGN_OR_RETURN(double finite, internal::HeraWassersteinCost(a.finite, b.finite, p, delta));
  return std::pow(essential + finite, 1.0 / p);
}

Result<double> WassersteinDistance(const Bars& a, const Bars& b, double p, double delta) {
  PANIC_ASSIGN_OR_RETURN(PreparedBars pa, PrepareBars(a));
  PANIC_ASSIGN_OR_RETURN(PreparedBars pb, PrepareBars(b));
  return WassersteinDistance(pa, pb, p, delta);
}

double SortedPersistenceL1(const PreparedBars& a, const PreparedBars& b) {
  const std::vector<double>& pa = a.persistence_descending;
  const std::vector<double>& pb = b.persistence_descending;
  size_t common = std::min(pa.size(), pb.size());
  double sum = 0;
  for (size_t i = 0; i < common; ++i) sum += std::fabs(pa[i] - pb[i]);
  // The shorter list is padded with zeros.
  for (size_t i = common; i < pa.size(); ++i) sum += pa[i];
  for (size_t i = common; i < pb.size(); ++i) sum += pb[i];
  return sum;
}

Result<double> SortedPersistenceL1(const Bars& a, const Bars& b) {
  PANIC_ASSIGN_OR_RETURN(PreparedBars pa, PrepareBars(a));
  PANIC_ASSIGN_OR_RETURN(PreparedBars pb, PrepareBars(b));
  return SortedPersistenceL1(pa, pb);
}

}  // namespace panic::tda
