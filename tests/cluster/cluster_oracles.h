// The Debian oracles of the clustering tests: R's dbscan::hdbscan and scikit-learn's
// OPTICS, run on a float32 file of the points.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace panic::testing {

bool HaveRDbscan();    // Rscript with the dbscan package
bool HaveSklearn();    // /usr/bin/python3 with sklearn

// dbscan::hdbscan(x, minPts) on the rows (as given; normalise them first). Labels:
// R's 0 (noise) becomes −1, clusters 1.. become 0... Empty on failure.
std::vector<int32_t> RHdbscanLabels(const std::vector<float>& values, size_t n, size_t dim,
                                    size_t min_pts);

struct SklearnOptics {
  std::vector<int32_t> labels;
  std::vector<int64_t> ordering;
  std::vector<double> reachability;  // inf where undefined
  std::vector<double> core_distances;
};
// sklearn.cluster.OPTICS(min_samples, max_eps, xi, metric="euclidean") on the rows.
SklearnOptics RunSklearnOptics(const std::vector<float>& values, size_t n, size_t dim,
                               size_t min_samples, double max_eps, double xi,
                               size_t min_cluster_size);

// Rows scaled to length 1 (zero rows kept), as the clustering layer sees them.
std::vector<float> Normalized(const std::vector<float>& values, size_t dim);

}  // namespace panic::testing
