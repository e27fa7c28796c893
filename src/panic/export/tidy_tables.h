// The tidy tables of issue 12: what `panic-tda analyse …` prints and `export data` writes,
// built from the store with the computations of analysis/. Column names follow the Python
// reference where it had them (run_id, experiment_id, sequence_number, embedding_model,
// initial_prompt, network written "A→B", image_model and text_model — the network's first
// image and text model —, homology_dimension, birth, death, persistence, entropy,
// semantic_drift, cluster_label). Every table and column is listed in docs/ANALYSIS.md
// "Tables".
//
// Each builder writes one table into a TableSink (tidy_table.h) for the given experiments
// (in the order given), reading them through one read transaction of `db`. They are built
// in one file per family: tidy_stored_tables.cpp, tidy_drift_table.cpp,
// tidy_change_points_table.cpp, tidy_lyapunov_tables.cpp, tidy_cluster_tables.cpp,
// tidy_diagram_tables.cpp (what they share: tidy_common.h). scripts/compare_tidy_tables.sh
// checks that two builds write every table byte for byte alike.
//
// Thread safety: one call at a time per Database.
#pragma once

#include <atomic>
#include <limits>
#include <optional>
#include <string>
#include <vector>

#include "panic/analysis/diagram_distance_matrix.h"
#include "panic/analysis/label_sequences.h"
#include "panic/export/tidy_table.h"
#include "panic/store/database.h"

namespace panic::exporting {

struct TidyOptions {
  std::optional<std::string> model;  // only this embedding model
  int threads = 1;
  const std::atomic<bool>* cancel = nullptr;  // Cancelled when it becomes true
  // transitions / runlengths: the clustering result (an id; the caller resolves prefixes)
  std::string clustering_id;
  analysis::OutlierHandling outliers = analysis::OutlierHandling::kSkip;
  bool self_transitions = true;
  // distances
  analysis::DiagramDistanceOptions distance;
  int homology_dimension = 1;
  // changepoints: β; NaN is the reference's dim·ln n
  double penalty = std::numeric_limits<double>::quiet_NaN();
  // Notes for the user (e.g. drift references that are missing), one line each.
  std::vector<std::string>* notes = nullptr;
};

// InvalidArgument naming --model, its value and the embedding models of the experiments
// when `model` is given and none of the experiments has it: a misspelt model would give
// empty tables that look like an answer.
Status CheckEmbeddingModel(store::Database& db, const std::vector<std::string>& experiments,
                           const std::optional<std::string>& model);

// Per (invocation, embedding model): semantic_drift from the run's prompt embedding (text
// models) or the run's first image's embedding (image models). NULL with a note when the
// prompt embedding is not stored yet.
Status WriteDriftTable(store::Database& db, const std::vector<std::string>& experiments, const TidyOptions& options,
                       TableSink& sink);
// Per stored divergence result (lyapunov stage): the fits.
Status WriteLyapunovTable(store::Database& db, const std::vector<std::string>& experiments,
                          const TidyOptions& options, TableSink& sink);
// The same results' curves in long form: one row per (result, timestep).
Status WriteLyapunovCurveTable(store::Database& db, const std::vector<std::string>& experiments,
                               const TidyOptions& options, TableSink& sink);
// Per run: its network, prompt, seed, length, stop reason and loop length.
Status WriteRunsTable(store::Database& db, const std::vector<std::string>& experiments, const TidyOptions& options,
                      TableSink& sink);
// Per model: summaries of invocation durations (seconds).
Status WriteDurationsTable(store::Database& db, const std::vector<std::string>& experiments,
                           const TidyOptions& options, TableSink& sink);
// Per kernel change point of each run's trajectory under each embedding model.
Status WriteChangePointsTable(store::Database& db, const std::vector<std::string>& experiments,
                              const TidyOptions& options, TableSink& sink);
// Per (network, from_cluster, to_cluster) of the clustering result: counts and probabilities.
Status WriteTransitionsTable(store::Database& db, const std::vector<std::string>& experiments,
                             const TidyOptions& options, TableSink& sink);
// Per (network, cluster) of the clustering result: the Markov chain's states and spectral values.
Status WriteChainTable(store::Database& db, const std::vector<std::string>& experiments, const TidyOptions& options,
                       TableSink& sink);
// Per maximal stretch of one cluster in a run (run-length encoding).
Status WriteRunLengthsTable(store::Database& db, const std::vector<std::string>& experiments,
                            const TidyOptions& options, TableSink& sink);
// Per pair (a < b) of stored diagrams of one embedding model, in one homology dimension.
Status WriteDistancesTable(store::Database& db, const std::vector<std::string>& experiments,
                           const TidyOptions& options, TableSink& sink);

// For `export data`: the rows as stored.
Status WriteExperimentsTable(store::Database& db, const std::vector<std::string>& experiments, TableSink& sink);
Status WriteInvocationsTable(store::Database& db, const std::vector<std::string>& experiments, TableSink& sink);
Status WriteEmbeddingsTable(store::Database& db, const std::vector<std::string>& experiments,
                            const TidyOptions& options, TableSink& sink);
// One row per bar; and one per (diagram, dimension) with its entropy.
Status WriteDiagramsTable(store::Database& db, const std::vector<std::string>& experiments,
                          const TidyOptions& options, TableSink& sink);
Status WriteEntropyTable(store::Database& db, const std::vector<std::string>& experiments,
                         const TidyOptions& options, TableSink& sink);
// Every cluster label of the clustering results of the experiments.
Status WriteClustersTable(store::Database& db, const std::vector<std::string>& experiments,
                          const TidyOptions& options, TableSink& sink);

}  // namespace panic::exporting
