// Queries of the stored analysis results (schema migration 3, issue 12): prompt
// embeddings and divergence ("Lyapunov") results, plus the read-only scans the analyses
// need (embeddings in trajectory order, cluster labels of a clustering result). Free
// functions over a connection (store/database.h): writes REQUIRE an open write transaction.
#pragma once

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "panic/core/status.h"
#include "panic/store/records.h"

namespace panic::store {

class SqliteDb;

// The embedding of an experiment's initial prompt under one text embedding model: the
// reference point of semantic drift. One row per (experiment, prompt, model).
struct PromptEmbeddingRecord {
  std::string id;
  std::string experiment_id;
  std::string initial_prompt;
  std::string embedding_model;
  std::vector<float> vector;
  std::string started_at;
  std::string completed_at;
};

// Divergence of one group of runs (experiment, network, prompt, model), or across two
// prompts' groups (other_prompt non-empty). NaN values are stored as NULL and read back
// as NaN; +∞ (tau above range) is stored as REAL +∞.
struct LyapunovRecord {
  std::string id;
  std::string experiment_id;
  std::vector<std::string> network;
  std::string initial_prompt;
  std::string other_prompt;  // empty within one prompt's runs
  std::string embedding_model;
  int64_t num_runs = 0;
  int64_t num_pairs = 0;
  int64_t num_timesteps = 0;
  double exponent = 0, intercept = 0, r_squared = 0;
  std::string bounded_status;  // BoundedFitStatusName
  double d_inf = 0, d0 = 0, tau = 0, bounded_r_squared = 0;
  std::vector<double> curve;  // d(t), num_timesteps values
  // What the result was computed from (the stage's choice; a different one means stale).
  std::string runs_fingerprint;
  std::string computed_at;
};

namespace prompt_embeddings {

// A batch; AlreadyExists on a duplicate (experiment, prompt, model).
Status Insert(SqliteDb& db, const std::vector<PromptEmbeddingRecord>& records);
// The experiment's prompt embeddings, by (model, prompt). Undecodable vectors are
// Corruption naming the row.
Result<std::vector<PromptEmbeddingRecord>> List(SqliteDb& db, const std::string& experiment_id);

}  // namespace prompt_embeddings

namespace lyapunov {

// Writes the result, replacing an earlier one of the same group.
Status Put(SqliteDb& db, const LyapunovRecord& record);
// The experiment's results, by (model, network, prompt, other_prompt).
Result<std::vector<LyapunovRecord>> List(SqliteDb& db, const std::string& experiment_id);

}  // namespace lyapunov

// One embedding with where it sits in its run.
struct TrajectoryPoint {
  std::string run_id;
  std::string invocation_id;
  std::string embedding_id;
  int64_t sequence_number = 0;
  OutputType type = OutputType::kText;  // of the embedded output
  std::string embedding_model;
  std::vector<float> vector;
};

namespace analysis_reads {

// `model` alone when given, else every embedding model that has embeddings, in name order
// (a skip scan of embeddings_by_model: one index seek per model).
Result<std::vector<std::string>> EmbeddingModelNames(SqliteDb& db, const std::optional<std::string>& model);

// Calls fn for each embedding of the experiment (under `model` when given), ordered by
// run number, model, sequence number: each run's trajectory under a model is contiguous.
// A non-OK status from fn stops the scan and is returned.
Status ForEachEmbedding(SqliteDb& db, const std::string& experiment_id, const std::optional<std::string>& model,
                        const std::function<Status(const TrajectoryPoint&)>& fn);

// run id → number of embeddings under `model`, for the runs of the experiment that have any.
Result<std::map<std::string, int64_t>> EmbeddingCountsByRun(SqliteDb& db, const std::string& experiment_id,
                                                            const std::string& model);

// Calls fn for each invocation of the experiment, by run number and sequence number, with
// output_text but without the image bytes (output_image stays empty).
Status ForEachInvocation(SqliteDb& db, const std::string& experiment_id,
                         const std::function<Status(const InvocationRecord&)>& fn);

// model name → the type of its outputs, for the models that made invocations of the experiment.
Result<std::map<std::string, OutputType>> ModelOutputTypes(SqliteDb& db, const std::string& experiment_id);

struct ClusteringInfo {
  std::string id;
  std::optional<std::string> experiment_id;  // none: across experiments
  std::string embedding_model;
  std::string algorithm;
  std::string parameters;  // JSON
  std::optional<std::string> completed_at;
};
// A clustering result by id, unique prefix or "latest" (the most recently started of the
// completed ones: a result being written is not visible).
// NotFound when there is none.
Result<ClusteringInfo> GetClustering(SqliteDb& db, const std::string& id_or_prefix);

// The completed clustering results that label embeddings of any of the experiments (their
// own and the cross-experiment ones), by start time.
Result<std::vector<std::string>> ClusteringsOf(SqliteDb& db, const std::vector<std::string>& experiment_ids);

// A cluster label with where it sits.
struct LabelPoint {
  std::string run_id;
  std::string experiment_id;
  int64_t sequence_number = 0;
  std::string embedding_id;
  int64_t cluster_label = 0;  // −1 outlier
};
// The labels of a clustering result, ordered by experiment, run number, sequence number.
Result<std::vector<LabelPoint>> ListLabels(SqliteDb& db, const std::string& clustering_id);

}  // namespace analysis_reads
}  // namespace panic::store
