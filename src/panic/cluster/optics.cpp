#include "panic/cluster/optics.h"

#include <algorithm>
#include <cmath>
#include <functional>
#include <queue>

#include "panic/cluster/exact_neighbors.h"
#include "panic/cluster/hdbscan.h"
#include "panic/cluster/medoids.h"
#include "panic/cluster/unit_rows.h"
#include "panic/core/parallel.h"

namespace panic::cluster {
namespace {

using internal::Neighbors;
using internal::UnitRows;

constexpr float kInf = std::numeric_limits<float>::infinity();
constexpr size_t kListLength = 32;   // neighbour lists: longer lists defer more rows
constexpr size_t kColumnBlock = 1024;
constexpr uint32_t kNoPosition = std::numeric_limits<uint32_t>::max();

// The ordering loop's state. `pred_pos` is the ordering position of the predecessor,
// so that "first processed point wins a tie" can be applied out of order.
class OrderingBuilder {
 public:
  OrderingBuilder(const UnitRows& rows, const Neighbors& nb, std::vector<float> core,
                  float max_eps, int threads)
      : core_(std::move(core)), reach_(rows.n, kInf), rows_(rows), nb_(nb), max_eps_(max_eps),
        threads_(threads), pred_pos_(rows.n, kNoPosition), processed_(rows.n, 0) {}

  void Run() {
    const size_t n = rows_.n;
    size_t lowest_unprocessed = 0;
    while (ordering_.size() < n) {
      // The candidate: least (reachability, index) among the finite keys.
      while (!heap_.empty() && (processed_[heap_.top().second] ||
                                heap_.top().first != reach_[heap_.top().second])) {
        heap_.pop();
      }
      const float key = heap_.empty() ? kInf : heap_.top().first;
      if (!pending_.empty() && !(key < pending_bound_)) {
        Flush();
        continue;
      }
      uint32_t point;
      if (!heap_.empty()) {
        point = heap_.top().second;
        heap_.pop();
      } else {
        while (processed_[lowest_unprocessed]) ++lowest_unprocessed;
        point = static_cast<uint32_t>(lowest_unprocessed);
      }
      Process(point);
    }
  }

  std::vector<uint32_t> ordering_;
  std::vector<float> core_;
  std::vector<float> reach_;
  std::vector<int64_t> Predecessors() const {
    std::vector<int64_t> p(rows_.n, -1);
    for (size_t i = 0; i < rows_.n; ++i) {
      if (pred_pos_[i] != kNoPosition) p[i] = ordering_[pred_pos_[i]];
    }
    return p;
  }

 private:
  void Offer(uint32_t o, float value, uint32_t position) {
    if (value < reach_[o] || (value == reach_[o] && position < pred_pos_[o])) {
      const bool lowered = value < reach_[o];
      reach_[o] = value;
      pred_pos_[o] = position;
      if (lowered) heap_.emplace(value, o);
    }
  }

  void Process(uint32_t p) {
    const uint32_t position = static_cast<uint32_t>(ordering_.size());
    processed_[p] = 1;
    ordering_.push_back(p);
    if (core_[p] == kInf) return;  // not a core point within max_eps: updates nothing
    const uint32_t* idx = nb_.indices(p);
    const float* dist = nb_.distances(p);
    for (size_t j = 0; j < nb_.k; ++j) {
      if (dist[j] > max_eps_) break;
      if (!processed_[idx[j]]) Offer(idx[j], std::max(core_[p], dist[j]), position);
    }
    // Unlisted points are at least r_k away: defer them while that cannot matter.
    const bool complete = nb_.k + 1 >= rows_.n || nb_.distances(p)[nb_.k - 1] > max_eps_;
    if (!complete) {
      pending_.push_back(p);
      pending_bound_ = std::min(pending_bound_, std::max(core_[p], dist[nb_.k - 1]));
    }
  }

  // Applies every pending point's updates to all unprocessed points, in BLAS blocks.
  void Flush() {
    const size_t n = rows_.n, m = pending_.size();
    const UnitRows pending_rows = internal::GatherRows(rows_, pending_);
    std::vector<uint32_t> positions(m);
    // Pending points were processed in this order, so their positions ascend.
    for (size_t a = 0; a < m; ++a) positions[a] = PositionOf(pending_[a]);
    const size_t blocks = (n + kColumnBlock - 1) / kColumnBlock;
    std::vector<std::vector<std::pair<float, uint32_t>>> lowered(blocks);
    ParallelFor(blocks, threads_, [&](size_t block) {
      const size_t b0 = block * kColumnBlock, bm = std::min(kColumnBlock, n - b0);
      std::vector<float> gram, tile(m * bm);
      internal::BlockDistances(pending_rows, 0, m, rows_, b0, bm, gram, tile.data());
      for (size_t b = 0; b < bm; ++b) {
        const uint32_t o = static_cast<uint32_t>(b0 + b);
        if (processed_[o]) continue;
        float best = reach_[o];
        uint32_t best_pos = pred_pos_[o];
        for (size_t a = 0; a < m; ++a) {
          const float d = tile[a * bm + b];
          if (d > max_eps_) continue;
          const float v = std::max(core_[pending_[a]], d);
          if (v < best || (v == best && positions[a] < best_pos)) {
            best = v;
            best_pos = positions[a];
          }
        }
        if (best_pos != pred_pos_[o]) {
          if (best < reach_[o]) lowered[block].emplace_back(best, o);
          reach_[o] = best;
          pred_pos_[o] = best_pos;
        }
      }
    });
    for (const auto& list : lowered) {
      for (const auto& e : list) heap_.push(e);
    }
    pending_.clear();
    pending_bound_ = kInf;
  }

  uint32_t PositionOf(uint32_t point) {
    if (position_.size() != rows_.n) position_.assign(rows_.n, kNoPosition);
    for (size_t i = positioned_; i < ordering_.size(); ++i) position_[ordering_[i]] = static_cast<uint32_t>(i);
    positioned_ = ordering_.size();
    return position_[point];
  }

  const UnitRows& rows_;
  const Neighbors& nb_;
  float max_eps_;
  int threads_;
  std::vector<uint32_t> pred_pos_;
  std::vector<char> processed_;
  std::vector<uint32_t> pending_;
  float pending_bound_ = kInf;
  std::vector<uint32_t> position_;
  size_t positioned_ = 0;
  std::priority_queue<std::pair<float, uint32_t>, std::vector<std::pair<float, uint32_t>>,
                      std::greater<>>
      heap_;
};

}  // namespace

Result<OpticsResult> Optics(std::span<const float> points, size_t n, size_t dim,
                            const OpticsOptions& options) {
  PANIC_RETURN_IF_ERROR(ValidatePoints(points, n, dim));
  if (options.min_samples < 2 || options.min_samples > n) {
    return Status::InvalidArgument("min_samples = " + std::to_string(options.min_samples) +
                                   ": must be between 2 and the number of points (" +
                                   std::to_string(n) + ")");
  }
  const size_t mcs = options.min_cluster_size == 0 ? options.min_samples : options.min_cluster_size;
  if (mcs < 2 || mcs > n) {
    return Status::InvalidArgument("min_cluster_size = " + std::to_string(mcs) +
                                   ": must be between 2 and the number of points (" +
                                   std::to_string(n) + ")");
  }
  if (!(options.max_eps > 0)) {
    return Status::InvalidArgument("max_eps = " + std::to_string(options.max_eps) + ": must be > 0");
  }
  if (!(options.xi > 0 && options.xi < 1)) {
    return Status::InvalidArgument("xi = " + std::to_string(options.xi) + ": must be in (0, 1)");
  }
  const int threads = std::max(1, options.threads);
  internal::UseSingleThreadedBlas();
  const UnitRows rows = internal::NormalizeRows(points, n, dim);
  const Neighbors nb = internal::ExactNeighbors(rows, std::max(options.min_samples - 1, kListLength), threads);
  std::vector<float> core = internal::CoreDistances(nb, options.min_samples);
  const float max_eps = static_cast<float>(options.max_eps);
  for (float& c : core) {
    if (c > max_eps) c = kInf;
  }
  OrderingBuilder builder(rows, nb, core, max_eps, threads);
  builder.Run();

  OpticsResult out;
  out.min_cluster_size = mcs;
  out.predecessor = builder.Predecessors();  // before ordering_ is moved out
  out.ordering = std::move(builder.ordering_);
  out.reachability = std::move(builder.reach_);
  out.core_distances = std::move(builder.core_);
  std::vector<float> plot(n);
  std::vector<int64_t> pred_plot(n);
  for (size_t i = 0; i < n; ++i) {
    plot[i] = out.reachability[out.ordering[i]];
    pred_plot[i] = out.predecessor[out.ordering[i]];
  }
  out.clusters = internal::XiClusters(plot, pred_plot, out.ordering, options.xi, options.min_samples,
                                      mcs, options.predecessor_correction);
  out.labels = internal::XiLabels(out.ordering, out.clusters, &out.cluster_count);
  PANIC_ASSIGN_OR_RETURN(internal::MedoidSet medoids,
                         internal::Medoids(rows, out.labels, out.cluster_count, threads));
  out.medoids = std::move(medoids.medoids);
  return out;
}

}  // namespace panic::cluster
