// Queries of the clustering tables (migration 4): clustering_results (one frozen snapshot
// per `cluster run`), clustering_result_experiments (its scope), embedding_clusters (one
// row per clustered embedding) and cluster_summaries (one row per cluster); and the scan
// that reads the vectors to cluster. Free functions over a connection (store/database.h):
// writes REQUIRE an open write transaction.
//
// Visibility: a result is written in several transactions (Begin, AppendAssignments in
// chunks, Complete) and is visible to List/Get/ResolveId only once Complete has set
// completed_at. Until then its row names the writer (pid, host); DeleteAbandoned removes
// the incomplete results whose writer is gone, so a killed `cluster run` leaves nothing.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "panic/core/status.h"

namespace panic::store {

class SqliteDb;

namespace clustering {

inline constexpr const char* kScopeExperiments = "experiments";
inline constexpr const char* kScopeAll = "all";

struct ResultRecord {
  std::string id;
  std::string embedding_model;
  std::string algorithm;                    // "hdbscan" or "optics"
  std::string parameters_json = "{}";      // every parameter actually used
  std::string scope = kScopeExperiments;   // kScopeExperiments or kScopeAll
  std::vector<std::string> experiment_ids;  // what was clustered (sorted)
  std::optional<std::string> path;          // "exact" or "approximate"; absent: unknown
  std::optional<int64_t> point_count;
  std::optional<int64_t> dimension;
  std::optional<int64_t> cluster_count;
  std::optional<int64_t> outlier_count;
  std::optional<double> read_seconds;
  std::optional<double> cluster_seconds;
  std::optional<double> write_seconds;
  std::string started_at;
  std::optional<std::string> completed_at;  // absent: incomplete (never returned by reads)
};

// One cluster of a result, as `cluster show` lists it.
struct ClusterSummary {
  int64_t label = 0;
  int64_t size = 0;
  int64_t run_count = 0;                    // distinct runs among its members
  std::optional<std::string> medoid_embedding_id;
  // The medoid's output (read with the summary): its type and, for text, the text.
  std::optional<std::string> medoid_type;   // "text" or "image"; absent when the medoid is gone
  std::string medoid_text;
  std::string medoid_invocation_id;
};

// The assignments of one result, column-wise, as the algorithm returns them: row i of the
// clustered set is embedding_ids[i] with labels[i] (−1 outlier) and probabilities[i];
// medoid_rows[label] is the row of that cluster's medoid.
struct Assignments {
  std::span<const std::string> embedding_ids;
  std::span<const int32_t> labels;
  std::span<const float> probabilities;
  std::span<const uint32_t> medoid_rows;
};

// ---- writing one result (each call in its own write transaction)

// The result's row (completed_at NULL, writer = this pid and host) and its scope rows.
Status Begin(SqliteDb& db, const ResultRecord& result, int64_t writer_pid, const std::string& writer_host);
// embedding_clusters rows for assignment rows [begin, end). AlreadyExists if a row repeats.
Status AppendAssignments(SqliteDb& db, const std::string& result_id, const Assignments& a, size_t begin,
                         size_t end);
// The summaries, counts, timings and completed_at: the result becomes visible. NotFound when
// the result row is gone (deleted while being written).
Status Complete(SqliteDb& db, const ResultRecord& result, const std::vector<ClusterSummary>& clusters);

// ---- reading (completed results only)

// Newest first.
Result<std::vector<ResultRecord>> List(SqliteDb& db);
Result<ResultRecord> Get(SqliteDb& db, const std::string& id);
// A full id, a unique prefix or "latest". NotFound / InvalidArgument (ambiguous).
Result<std::string> ResolveId(SqliteDb& db, const std::string& id_or_prefix);
// The clusters by size (largest first, then label), at most `limit` (< 0: all), with their
// medoids' outputs.
Result<std::vector<ClusterSummary>> Clusters(SqliteDb& db, const std::string& id, int64_t limit);
// The assignments of a result in embedding-id order: (embedding id, label, probability,
// medoid embedding id). For tests and exports.
struct AssignmentRow {
  std::string embedding_id;
  int64_t label = 0;
  std::optional<double> probability;
  std::optional<std::string> medoid_embedding_id;
};
Result<std::vector<AssignmentRow>> ListAssignments(SqliteDb& db, const std::string& id);

// The newest completed result whose scope includes every one of `experiment_ids`;
// NotFound when there is none.
Result<std::string> NewestCovering(SqliteDb& db, const std::vector<std::string>& experiment_ids);

// One clustered output of an experiment, for charts: where it stands and its label.
struct LabelledStep {
  std::string run_id;
  int64_t run_number = 0;
  std::string initial_prompt;
  std::string network_json;  // JSON list of model names
  int64_t sequence_number = 0;
  int64_t label = 0;  // −1 outlier
};
// The result's labelled outputs that belong to `experiment_id`, by run number and step.
Result<std::vector<LabelledStep>> LabelledSteps(SqliteDb& db, const std::string& result_id,
                                                const std::string& experiment_id);

// ---- deleting

// The result and its rows (cascade). NotFound if absent.
Status Delete(SqliteDb& db, const std::string& id);
// Every completed result, and the incomplete ones whose writer is gone; returns how many.
Result<int64_t> DeleteAll(SqliteDb& db);
// Incomplete results whose writer is gone: its pid no longer exists on this host, or no
// writer is recorded. A result being written on another host is left alone (it is invisible
// anyway). Returns how many were removed.
Result<int64_t> DeleteAbandoned(SqliteDb& db);
// The ids of those results (what DeleteAbandoned would remove), for the doctor.
Result<std::vector<std::string>> AbandonedIds(SqliteDb& db);

// ---- the clustered set

// Which embeddings a result clusters: those under one model, of the outputs of the given
// experiments (text outputs only unless include_images), every downsample-th of each run
// (counting the selected outputs of the run in step order from 0).
struct Selection {
  std::vector<std::string> experiment_ids;
  bool include_images = false;
  int64_t downsample = 1;
};

// Per embedding model present in the experiments' selected outputs: how many embeddings a
// Selection would give (after downsampling) and from how many runs and experiments.
struct ModelCount {
  std::string model;
  int64_t points = 0;
  int64_t runs = 0;
  std::vector<std::string> experiment_ids;  // those with at least one point, in Selection order
  int64_t dimension = 0;                    // of its vectors (bytes / 4; all the same)
};
Result<std::vector<ModelCount>> CountSelection(SqliteDb& db, const Selection& selection);

// One selected embedding, as the scan hands it over. `vector` points into SQLite's buffer:
// valid only during the callback.
struct ScannedEmbedding {
  std::string_view experiment_id;
  std::string_view run_id;
  std::string_view embedding_id;
  std::string_view vector;  // raw little-endian float32 bytes
};

// Calls fn for each selected embedding under `model`, in experiment order (as given), run
// number and step. Keyset-paged (`page` rows per statement); fn returning an error stops the
// scan. REQUIRES: called inside one read transaction for a consistent snapshot.
Status ScanSelection(SqliteDb& db, const Selection& selection, const std::string& model, int64_t page,
                     const std::function<Status(const ScannedEmbedding&)>& fn);

}  // namespace clustering
}  // namespace panic::store
