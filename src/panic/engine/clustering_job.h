// `cluster run` below the CLI: read the selected embeddings (one streaming keyset scan per
// model, inside one read transaction), run HDBSCAN* or OPTICS, and store the result as a
// frozen snapshot (store/clustering_table.h) in chunks of rows, visible only when complete.
// Also the algorithm dispatch shared with `cluster points` (ClusterPoints).
#pragma once

#include <cstddef>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "panic/cluster/hdbscan.h"
#include "panic/core/status.h"
#include "panic/engine/progress.h"
#include "panic/store/clustering_table.h"

namespace panic::store {
class Database;
}

namespace panic::engine {

enum class ClusterAlgorithm { kHdbscan, kOptics };

// What the user set (the options of `cluster points` and `cluster run`: --min-cluster-size,
// --min-samples, --epsilon, --max-eps, --xi, …); unset sizes and epsilon take the Python
// reference's defaults for the n points clustered (cluster::ReferenceDefaults).
struct ClusterParameters {
  ClusterAlgorithm algorithm = ClusterAlgorithm::kHdbscan;
  std::optional<size_t> min_cluster_size;
  std::optional<size_t> min_samples;
  // HDBSCAN*
  std::optional<double> epsilon;
  cluster::ClusterSelection selection = cluster::ClusterSelection::kExcessOfMass;
  bool allow_single_cluster = true;
  cluster::HdbscanPath path = cluster::HdbscanPath::kAuto;
  uint64_t seed = 42;
  // OPTICS
  std::optional<double> max_eps;
  std::optional<double> xi;
  int threads = 1;  // the result does not depend on it
};

// One algorithm's answer over n rows.
struct PointClustering {
  std::string algorithm;  // "hdbscan" or "optics"
  std::string path;       // "exact" or "approximate"
  std::vector<int32_t> labels;         // per row, −1 outlier
  std::vector<float> probabilities;    // per row (OPTICS: 1 member, 0 outlier)
  std::vector<uint32_t> medoids;       // per label: its medoid row
  nlohmann::json parameters;           // every parameter actually used
  nlohmann::json extra;                // OPTICS: ordering and reachability
  double seconds = 0;                  // inside the algorithm
};

// Checks every parameter for n points (the sizes after defaults, as ClusterPoints will use
// them) before anything is read or computed. InvalidArgument in the user's words: the option
// of `cluster points` / `cluster run` that set it, its value and what is allowed
// ("--min-cluster-size: 41 is not allowed (an integer 2..40: the 40 points clustered)").
Status CheckClusterParameters(size_t n, const ClusterParameters& p);

// Runs the algorithm on n × dim row-major points (CheckClusterParameters first).
Result<PointClustering> ClusterPoints(std::span<const float> points, size_t n, size_t dim, const ClusterParameters& p);

struct ClusteringJob {
  // The scope: these experiments (full ids, in this order), or every experiment of the
  // database when all_experiments (then only those with embeddings are recorded).
  std::vector<std::string> experiment_ids;
  bool all_experiments = false;
  std::optional<std::string> model;  // absent: every embedding model present, one result each
  bool include_images = false;       // default: text outputs only
  int64_t downsample = 1;            // keep every N-th selected output of each run
  ClusterParameters parameters;
  ProgressFn progress;                 // stages "read", "cluster", "write"; may be empty
  const CancelFlag* cancel = nullptr;  // checked between read pages and write chunks
  size_t write_chunk_rows = 20000;     // rows per write transaction
  int64_t read_page_rows = 4096;       // rows per keyset page
};

// One result per model, in model order. Errors: InvalidArgument for an empty selection, an
// unknown model (listing the models present) or too few points — all found before anything
// is read or written; Cancelled when the flag was set (a partial result is removed first);
// Corruption for a stored vector that is not float32 or not finite.
Result<std::vector<store::clustering::ResultRecord>> RunClusteringJob(store::Database& db, const ClusteringJob& job);

}  // namespace panic::engine
