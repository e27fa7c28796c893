#include "panic/cluster/agreement.h"

#include <map>
#include <utility>

namespace panic::cluster {
namespace {

double Pairs(double x) { return x * (x - 1) / 2; }

}  // namespace

double AdjustedRandIndex(std::span<const int32_t> a, std::span<const int32_t> b) {
  std::map<std::pair<int32_t, int32_t>, double> joint;
  std::map<int32_t, double> rows, cols;
  for (size_t i = 0; i < a.size(); ++i) {
    joint[{a[i], b[i]}] += 1;
    rows[a[i]] += 1;
    cols[b[i]] += 1;
  }
  double index = 0, sum_rows = 0, sum_cols = 0;
  for (const auto& [key, count] : joint) index += Pairs(count);
  for (const auto& [key, count] : rows) sum_rows += Pairs(count);
  for (const auto& [key, count] : cols) sum_cols += Pairs(count);
  const double total = Pairs(static_cast<double>(a.size()));
  if (total == 0) return 1.0;
  const double expected = sum_rows * sum_cols / total;
  const double maximum = (sum_rows + sum_cols) / 2;
  if (maximum == expected) return 1.0;  // both partitions trivial in the same way
  return (index - expected) / (maximum - expected);
}

}  // namespace panic::cluster
