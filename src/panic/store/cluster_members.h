// The members of one cluster of a stored clustering result (migration 4's
// embedding_clusters), with where each sits: for `export grid --cluster` (export/cluster_grid.h).
// A free function over a connection (store/database.h); read-only.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "panic/core/status.h"
#include "panic/store/records.h"

namespace panic::store {

class SqliteDb;

namespace clustering {

// One clustered embedding and the output it embeds (no image bytes).
struct ClusterMember {
  std::string embedding_id;
  std::string invocation_id;
  OutputType type = OutputType::kText;  // of the embedded output
  std::optional<std::string> input_invocation_id;
  std::string output_text;              // text outputs; "" for images
  std::string experiment_id;
  std::string run_id;
  int64_t run_number = 0;
  int64_t sequence_number = 0;
  bool is_medoid = false;               // the cluster's medoid (never for outliers, label −1)
};

// The members of cluster `label` (−1: the outliers) of result `result_id`, ordered by
// experiment id, run number and step. Empty when the label has no members.
Result<std::vector<ClusterMember>> Members(SqliteDb& db, const std::string& result_id, int64_t label);

}  // namespace clustering
}  // namespace panic::store
