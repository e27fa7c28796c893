#include "panic/cluster/medoids.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <string>

#include "panic/cluster/parallel_blocks.h"

namespace panic::cluster::internal {
namespace {

constexpr size_t kBatch = 64;  // candidates summed per sgemm
// Bounds are compared with this relative slack: the float sums carry rounding error.
constexpr double kBoundSlack = 1e-5;

struct ClusterMedoid {
  uint32_t index = 0;
  bool exact = true;
};

ClusterMedoid MedoidOf(const UnitRows& rows, const std::vector<uint32_t>& members) {
  const size_t s = members.size();
  if (s <= 2) return {members.front(), true};
  // The rows the sums run over: all members, or an evenly spaced sample.
  std::vector<uint32_t> basis;
  const bool exact = s <= kExactMedoidMembers;
  if (exact) {
    basis = members;
  } else {
    for (size_t t = 0; t < kExactMedoidMembers; ++t) basis.push_back(members[t * s / kExactMedoidMembers]);
  }
  const UnitRows all = GatherRows(rows, basis);
  const size_t m = basis.size();
  const UnitRows cand = GatherRows(rows, members);
  // Candidates by closeness to the mean direction (cosine with the summed rows).
  std::vector<double> mean(rows.dim, 0.0);
  for (size_t i = 0; i < m; ++i) {
    for (size_t k = 0; k < rows.dim; ++k) mean[k] += all.row(i)[k];
  }
  std::vector<std::pair<double, uint32_t>> order(s);
  for (size_t i = 0; i < s; ++i) {
    double dot = 0;
    for (size_t k = 0; k < rows.dim; ++k) dot += mean[k] * cand.row(i)[k];
    order[i] = {-dot, static_cast<uint32_t>(i)};
  }
  std::sort(order.begin(), order.end());
  std::vector<double> bound(s, 0.0);
  double best_sum = std::numeric_limits<double>::infinity();
  uint32_t best = members.front();
  std::vector<float> gram, tile;
  std::vector<uint32_t> batch;
  size_t next = 0;
  while (next < s) {
    batch.clear();
    for (; next < s && batch.size() < kBatch; ++next) {
      const uint32_t c = order[next].second;
      if (bound[c] <= best_sum * (1 + kBoundSlack) + kBoundSlack) batch.push_back(c);
    }
    if (batch.empty()) continue;
    std::vector<uint32_t> batch_rows(batch.size());
    for (size_t b = 0; b < batch.size(); ++b) batch_rows[b] = batch[b];
    const UnitRows br = GatherRows(cand, batch_rows);
    tile.resize(batch.size() * m);
    BlockDistances(br, 0, batch.size(), all, 0, m, gram, tile.data());
    for (size_t b = 0; b < batch.size(); ++b) {
      const float* t = tile.data() + b * m;
      double sum = 0;
      for (size_t j = 0; j < m; ++j) sum += t[j];
      const uint32_t point = members[batch[b]];
      if (sum < best_sum || (sum == best_sum && point < best)) {
        best_sum = sum;
        best = point;
      }
      if (exact) {  // the bound needs the candidate's distances to every member
        for (size_t i = 0; i < s; ++i) {
          bound[i] = std::max(bound[i], std::fabs(sum - static_cast<double>(s) * t[i]));
        }
      }
    }
  }
  return {best, exact};
}

}  // namespace

Result<MedoidSet> Medoids(const UnitRows& rows, std::span<const int32_t> labels, size_t clusters,
                          int threads) {
  UseSingleThreadedBlas();
  std::vector<std::vector<uint32_t>> members(clusters);
  for (size_t i = 0; i < labels.size(); ++i) {
    if (labels[i] < 0) continue;
    if (static_cast<size_t>(labels[i]) >= clusters) {
      return Status::Internal("point " + std::to_string(i) + " has label " + std::to_string(labels[i]) +
                              " but there are only " + std::to_string(clusters) + " clusters");
    }
    members[static_cast<size_t>(labels[i])].push_back(static_cast<uint32_t>(i));
  }
  for (size_t c = 0; c < clusters; ++c) {
    if (members[c].empty()) {
      return Status::Internal("cluster " + std::to_string(c) + " of " + std::to_string(clusters) +
                              " has no member: no medoid");
    }
  }
  std::vector<ClusterMedoid> found(clusters);
  ParallelItems(clusters, threads, [&](size_t c, size_t) { found[c] = MedoidOf(rows, members[c]); });
  MedoidSet out;
  for (const ClusterMedoid& f : found) {
    out.medoids.push_back(f.index);
    out.exact = out.exact && f.exact;
  }
  return out;
}

}  // namespace panic::cluster::internal
