#include "panic/cli/point_clustering_output.h"

#include <cmath>
#include <cstdio>
#include <cstring>
#include <nlohmann/json.hpp>
#include <sstream>
#include <vector>

#include "panic/store/npy_codec.h"

namespace panic::cli {
namespace {

using PointLabels = engine::PointClustering;

// A probability: %.6g, "inf" when infinite.
std::string Format(double v) {
  if (std::isinf(v)) return "inf";
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.6g", v);
  return buf;
}

// The medoid row of each point's cluster, −1 for noise.
std::vector<int64_t> MedoidOfPoint(const PointLabels& p) {
  std::vector<int64_t> m(p.labels.size(), -1);
  for (size_t i = 0; i < p.labels.size(); ++i) {
    if (p.labels[i] >= 0) m[i] = p.medoids[static_cast<size_t>(p.labels[i])];
  }
  return m;
}

std::vector<size_t> ClusterSizes(const PointLabels& p, size_t* noise) {
  std::vector<size_t> sizes(p.medoids.size(), 0);
  *noise = 0;
  for (int32_t l : p.labels) {
    if (l < 0) ++*noise;
    else ++sizes[static_cast<size_t>(l)];
  }
  return sizes;
}

}  // namespace

std::string PointClusteringText(const engine::PointClustering& p, size_t dim) {
  size_t noise = 0;
  std::vector<size_t> sizes = ClusterSizes(p, &noise);
  std::ostringstream os;
  os << "# " << p.algorithm << " (" << p.path << "): " << p.labels.size() << " points of dimension " << dim << ", "
     << sizes.size() << " clusters, " << noise << " noise\n# parameters: " << p.parameters.dump() << "\n";
  for (size_t c = 0; c < sizes.size(); ++c) {
    os << "# cluster " << c << ": " << sizes[c] << " points, medoid " << p.medoids[c] << "\n";
  }
  os << "# label probability medoid (one line per point; medoid -1 for noise)\n";
  std::vector<int64_t> medoid = MedoidOfPoint(p);
  for (size_t i = 0; i < p.labels.size(); ++i) {
    os << p.labels[i] << " " << Format(p.probabilities[i]) << " " << medoid[i] << "\n";
  }
  return os.str();
}

std::string PointClusteringCsv(const engine::PointClustering& p) {
  std::ostringstream os;
  os << "point,label,probability,medoid\n";
  std::vector<int64_t> medoid = MedoidOfPoint(p);
  for (size_t i = 0; i < p.labels.size(); ++i) {
    os << i << "," << p.labels[i] << "," << Format(p.probabilities[i]) << "," << medoid[i] << "\n";
  }
  return os.str();
}

std::string PointClusteringJson(const engine::PointClustering& p, size_t dim) {
  size_t noise = 0;
  std::vector<size_t> sizes = ClusterSizes(p, &noise);
  nlohmann::json clusters = nlohmann::json::array();
  for (size_t c = 0; c < sizes.size(); ++c) {
    clusters.push_back({{"label", c}, {"size", sizes[c]}, {"medoid", p.medoids[c]}});
  }
  nlohmann::json out = {{"algorithm", p.algorithm}, {"path", p.path},
                        {"points", p.labels.size()}, {"dimension", dim},
                        {"parameters", p.parameters}, {"clusters", clusters},
                        {"noise", noise}, {"labels", p.labels},
                        {"probabilities", p.probabilities}, {"seconds", p.seconds}};
  for (auto& [key, value] : p.extra.items()) out[key] = value;
  return out.dump() + "\n";
}

// float64, shape (n, 3): label, probability, medoid row (−1 for noise).
std::string PointClusteringNpy(const engine::PointClustering& p) {
  std::vector<int64_t> medoid = MedoidOfPoint(p);
  const size_t n = p.labels.size();
  std::vector<double> values(n * 3);
  for (size_t i = 0; i < n; ++i) {
    values[3 * i] = p.labels[i];
    values[3 * i + 1] = p.probabilities[i];
    values[3 * i + 2] = static_cast<double>(medoid[i]);
  }
  store::NpyArray a;
  a.dtype = store::NpyDtype::kFloat64;
  a.shape = {n, 3};
  a.data.resize(values.size() * sizeof(double));
  std::memcpy(a.data.data(), values.data(), a.data.size());  // x86 and ARM: little-endian
  return store::EncodeNpy(a);
}

}  // namespace panic::cli
