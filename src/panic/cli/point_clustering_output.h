// `cluster points`' output formats of a point clustering (engine::PointClustering), as
// diagram_output.h is `tda ph`'s: text (a commented summary, then "label probability
// medoid" per point), CSV (point,label,probability,medoid), JSON (the summary, the
// parameters, the path taken, labels and probabilities, and the algorithm's extras) and NPY
// (float64 (n, 3): label, probability, medoid row; -1 for noise).
#pragma once

#include <cstddef>
#include <string>

#include "panic/engine/clustering_job.h"

namespace panic::cli {

std::string PointClusteringText(const engine::PointClustering& p, size_t dim);
std::string PointClusteringCsv(const engine::PointClustering& p);
std::string PointClusteringJson(const engine::PointClustering& p, size_t dim);
std::string PointClusteringNpy(const engine::PointClustering& p);

}  // namespace panic::cli
