// The doctor's checks and repairs as set-based SQL (issue 13; docs/DOCTOR.md). Each check
// is one counting query over the whole database (or one experiment), followed by a query for
// its first examples only when the count is not zero. The engine (engine/doctor.h) decides
// what to run and in which order; this file only speaks SQL.
//
// What the checks need to know beyond the tables is given as temporary tables of the
// connection (nothing is written to the file, so the checks run on a read-only connection):
//   doctor_models(name, kind, output_type, dim): every model the registry knows; kind is
//     'genai' or 'embedding'; output_type is 'text'|'image' (for an embedding model: the
//     modality it embeds); dim is the vector length of an embedding model.
//   doctor_live(experiment_id): experiments with a live writer (their runs may be running,
//     their embeddings and diagrams may still be coming).
//   doctor_abandoned(id): incomplete clustering results whose writer is gone
//     (store/clustering_table.h AbandonedIds).
// and as SQL functions registered on the connection: panic_nonfinite_f32(blob),
// panic_image_whole(blob), panic_diagram_decodes(blob).
#pragma once

#include <atomic>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "panic/core/status.h"

namespace panic::store {

class SqliteDb;

namespace integrity {

inline constexpr int kExamples = 5;  // examples reported per check

// A model as the checks see it (from the model registry).
struct ModelRow {
  std::string name;
  bool embedding = false;
  std::string output_type;  // "text" or "image"
  int64_t dim = 0;          // embedding models only
};

// What a check found: how many rows and the first few (their ids, with detail).
struct Finding {
  std::string check;
  std::string description;
  bool fixable = false;
  bool global = false;  // ignores --experiment (file-wide: pragmas, orphans)
  int64_t count = 0;
  std::vector<std::string> examples;
  double seconds = 0;      // wall time of the check (its count and examples)
  double cpu_seconds = 0;  // CPU time of this thread during it (what a busy machine does not stretch)
};

// Registers the SQL functions and fills the temporary tables. Call once per connection
// before Check*; again to refresh doctor_live.
// `decode_images`: the image check also decodes every image (slow: see docs/DOCTOR.md).
Status Prepare(SqliteDb& db, const std::vector<ModelRow>& models, const std::vector<std::string>& live_experiments,
               const std::vector<std::string>& abandoned_clusterings, bool decode_images = false);

// The names of the checks, in the order they run.
const std::vector<std::string>& CheckNames();

// How SQLite's own check is run: kQuick is PRAGMA quick_check (every page and record is read
// and its structure verified: O(file size)); kFull is PRAGMA integrity_check, which also
// verifies that every index holds exactly its table's rows and that UNIQUE keys are unique
// (one index lookup per row and index: several times slower on a large file).
enum class SqliteCheck { kQuick, kFull };

// Runs every check, in CheckNames() order; `experiment_id` empty = every experiment.
// The three embedding checks share one read of the embeddings (the first of them carries its
// time). REQUIRES: Prepare; run inside one read transaction so that the counts agree.
// Cancelled when *cancel (Ctrl-C; null: never) is set before a check starts: a check in
// progress finishes first.
Result<std::vector<Finding>> RunChecks(SqliteDb& db, const std::string& experiment_id, SqliteCheck sqlite_check,
                                       const std::atomic<bool>* cancel = nullptr);

// Repairs. Each REQUIRES an open write transaction (the engine runs each in its own) and
// returns the number of rows it changed. `experiment_id` empty = every experiment.
//
// Deletes orphans (rows whose parent is missing, with everything they own), cluster
// assignments that point at missing embeddings, clustering results whose scope names a
// missing experiment, and scope and summary rows without their result.
Result<int64_t> DeleteOrphans(SqliteDb& db);
// Clears completed_at of experiments that have an unfinished run.
Result<int64_t> ClearFalseCompletion(SqliteDb& db, const std::string& experiment_id);
// Truncates each damaged run (a gap, a broken chain, a NULL output, an image that is not
// whole, an output type that differs from its model's) at its first bad step: deletes that
// step and every later one (their embeddings and cluster assignments go with them), the
// run's diagrams, and its stop reason, so that resuming recomputes the rest.
// Returns the number of runs truncated; their experiments lose completed_at.
Result<int64_t> TruncateDamagedRuns(SqliteDb& db, const std::string& experiment_id);
// Deletes the completed clustering results (with their rows) that have a cluster whose
// medoid's embedding is gone (check cluster_medoid_missing): as `cluster delete` would; a
// new `cluster run` makes a whole one. Returns the number of results deleted.
Result<int64_t> DeleteClusteringsWithoutMedoid(SqliteDb& db);
// Repairs the clustering snapshots of completed results from their assignments: adds the
// experiments of members missing from a scope, clears probabilities outside 0..1 (NULL is
// "unknown"), and rewrites the summaries and counts that disagree with the assignments (a
// cluster keeps its medoid). Abandoned results are removed by clustering::DeleteAbandoned.
Result<int64_t> RepairClusterSnapshots(SqliteDb& db);
// Deletes embeddings of the wrong modality or length, or with a non-finite value.
Result<int64_t> DeleteBadEmbeddings(SqliteDb& db, const std::string& experiment_id);
// Deletes diagrams that failed, do not decode, or are for a model not in the config.
Result<int64_t> DeleteBadDiagrams(SqliteDb& db, const std::string& experiment_id);

// Experiments (in scope) that need the pipeline to run: a run without a stop reason or
// failed, a missing embedding or a missing diagram, and no live writer.
Result<std::vector<std::string>> ExperimentsToResume(SqliteDb& db, const std::string& experiment_id);

// Every experiment id, sorted.
Result<std::vector<std::string>> ExperimentIds(SqliteDb& db);

// Whether an image blob is whole: a WEBP whose RIFF size matches the blob and whose header
// libwebp accepts, or a JPEG from SOI to EOI. A cheap structural check (no pixel decoding).
bool ImageLooksWhole(const void* data, size_t size);

}  // namespace integrity
}  // namespace panic::store
