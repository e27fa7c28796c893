// ξ extraction, a line-by-line port of scikit-learn 1.2's _optics.py (_xi_cluster,
// _extend_region, _update_filter_sdas, _correct_predecessor, _extract_xi_labels),
// including its quirks (the appended ∞, the predecessor lookup through `ordering`),
// so that labels agree with it.
#include <cmath>
#include <limits>
#include <optional>
#include <tuple>

#include "panic/cluster/optics.h"

namespace panic::cluster::internal {
namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();

size_t ExtendRegion(const std::vector<char>& steep, const std::vector<char>& xward, size_t start,
                    size_t min_samples) {
  const size_t n = steep.size();
  size_t non_xward = 0, end = start;
  for (size_t index = start; index < n; ++index) {
    if (steep[index]) {
      non_xward = 0;
      end = index;
    } else if (!xward[index]) {
      if (++non_xward > min_samples) break;
    } else {
      return end;
    }
  }
  return end;
}

struct SteepDown {
  size_t start = 0;
  size_t end = 0;
  double mib = 0;
};

void UpdateFilterSdas(std::vector<SteepDown>& sdas, double mib, double xi_complement,
                      const std::vector<double>& plot) {
  if (std::isinf(mib)) {
    sdas.clear();
    return;
  }
  std::vector<SteepDown> kept;
  for (SteepDown d : sdas) {
    if (mib <= plot[d.start] * xi_complement) {
      d.mib = std::max(d.mib, mib);
      kept.push_back(d);
    }
  }
  sdas = std::move(kept);
}

// Python's ordering[predecessor] with predecessor −1 reading the last element.
size_t PyIndex(int64_t i, size_t n) { return i < 0 ? static_cast<size_t>(static_cast<int64_t>(n) + i) : static_cast<size_t>(i); }

std::optional<std::pair<size_t, size_t>> CorrectPredecessor(const std::vector<double>& plot,
                                                            std::span<const int64_t> pred,
                                                            std::span<const uint32_t> ordering,
                                                            size_t s, size_t e) {
  const size_t n = ordering.size();
  while (s < e) {
    if (plot[s] > plot[e]) return std::make_pair(s, e);
    const uint32_t p_e = ordering[PyIndex(pred[e], n)];
    for (size_t i = s; i < e; ++i) {
      if (p_e == ordering[i]) return std::make_pair(s, e);
    }
    --e;
  }
  return std::nullopt;
}

}  // namespace

std::vector<std::pair<uint32_t, uint32_t>> XiClusters(std::span<const float> reachability_plot,
                                                      std::span<const int64_t> predecessor_plot,
                                                      std::span<const uint32_t> ordering,
                                                      double xi, size_t min_samples,
                                                      size_t min_cluster_size,
                                                      bool predecessor_correction) {
  const size_t n = reachability_plot.size();
  std::vector<double> plot(reachability_plot.begin(), reachability_plot.end());
  plot.push_back(kInf);
  const double xi_complement = 1 - xi;
  std::vector<char> steep_up(n), steep_down(n), down(n), up(n);
  for (size_t i = 0; i < n; ++i) {
    const double ratio = plot[i] / plot[i + 1];  // NaN compares false, as numpy's
    steep_up[i] = ratio <= xi_complement;
    steep_down[i] = ratio >= 1 / xi_complement;
    down[i] = ratio > 1;
    up[i] = ratio < 1;
  }
  std::vector<SteepDown> sdas;
  std::vector<std::pair<uint32_t, uint32_t>> clusters;
  size_t index = 0;
  double mib = 0.0;
  for (size_t steep = 0; steep < n; ++steep) {
    if (!(steep_up[steep] || steep_down[steep])) continue;
    if (steep < index) continue;
    for (size_t i = index; i <= steep; ++i) mib = std::max(mib, plot[i]);
    if (steep_down[steep]) {
      UpdateFilterSdas(sdas, mib, xi_complement, plot);
      const size_t d_end = ExtendRegion(steep_down, up, steep, min_samples);
      sdas.push_back(SteepDown{steep, d_end, 0.0});
      index = d_end + 1;
      mib = plot[index];
      continue;
    }
    UpdateFilterSdas(sdas, mib, xi_complement, plot);
    const size_t u_start = steep;
    const size_t u_end = ExtendRegion(steep_up, down, u_start, min_samples);
    index = u_end + 1;
    mib = plot[index];
    std::vector<std::pair<uint32_t, uint32_t>> found;
    for (const SteepDown& d : sdas) {
      size_t c_start = d.start, c_end = u_end;
      if (plot[c_end + 1] * xi_complement < d.mib) continue;
      const double d_max = plot[d.start];
      if (d_max * xi_complement >= plot[c_end + 1]) {
        while (plot[c_start + 1] > plot[c_end + 1] && c_start < d.end) ++c_start;
      } else if (plot[c_end + 1] * xi_complement >= d_max) {
        while (c_end > u_start && plot[c_end - 1] > d_max) --c_end;  // same test, safe order
      }
      if (predecessor_correction) {
        auto corrected = CorrectPredecessor(plot, predecessor_plot, ordering, c_start, c_end);
        if (!corrected) continue;
        std::tie(c_start, c_end) = *corrected;
      }
      if (static_cast<int64_t>(c_end) - static_cast<int64_t>(c_start) + 1 <
          static_cast<int64_t>(min_cluster_size)) {
        continue;
      }
      if (c_start > d.end) continue;
      if (c_end < u_start) continue;
      found.emplace_back(static_cast<uint32_t>(c_start), static_cast<uint32_t>(c_end));
    }
    clusters.insert(clusters.end(), found.rbegin(), found.rend());  // smaller clusters first
  }
  return clusters;
}

std::vector<int32_t> XiLabels(std::span<const uint32_t> ordering,
                              const std::vector<std::pair<uint32_t, uint32_t>>& clusters,
                              size_t* label_count) {
  const size_t n = ordering.size();
  std::vector<int32_t> by_position(n, -1);
  int32_t label = 0;
  for (auto [start, end] : clusters) {
    bool free = true;
    for (size_t i = start; i <= end; ++i) free = free && by_position[i] == -1;
    if (!free) continue;
    for (size_t i = start; i <= end; ++i) by_position[i] = label;
    ++label;
  }
  std::vector<int32_t> labels(n, -1);
  for (size_t i = 0; i < n; ++i) labels[ordering[i]] = by_position[i];
  if (label_count != nullptr) *label_count = static_cast<size_t>(label);
  return labels;
}

}  // namespace panic::cluster::internal
