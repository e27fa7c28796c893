// The target side of `panic-tda import`: writing mapped legacy rows (legacy_mapping.h) into
// our tables, and the provenance tables of migration 5 (legacy_imports, their experiments,
// the rows skipped and why). Every write REQUIRES an open write transaction.
//
// Idempotence: ids are kept, so a row already imported is found by its id and counted as
// present, never written twice; a row whose natural key (a run's step, an output's vector
// under a model, a run's diagram under a model) is taken by another id is a duplicate.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "panic/core/status.h"
#include "panic/store/legacy_mapping.h"
#include "panic/store/records.h"

namespace panic::store {

class SqliteDb;

namespace legacy_import {

enum class Outcome {
  kInserted,
  kPresent,    // this id was imported before (a second import, or a resumed one)
  kDuplicate,  // another row holds its natural key: skipped
  kOrphan,     // its parent is not in the target: skipped
};

// Foreign keys are switched off while invocations are written (a step may come before the
// step it names as input) and while embeddings are written (PutEmbedding checks the parent
// itself), and on again after; REQUIRES: no open transaction.
Status SetForeignKeys(SqliteDb& db, bool on);

// Creates a new target as an empty SQLite file of 16 KiB pages (Database::Open then makes
// it ours). An embedding row is ~3.2 KB (768 float32 and its keys): a 4 KiB page holds one
// (78 % used), a 16 KiB page five (98 %), so the file, and what the import writes, is ~28 %
// smaller, with fewer pages to allocate and link. Only for a file this command creates:
// the page size of an existing file is never changed.
Status CreateBulkTarget(const std::string& path);
// A 256 MiB page cache for the import's connection (the default is 2 MiB): the parents the
// hot passes look up, and the indexes' upper levels, stay in memory. Memory stays constant.
Status SetImportCache(SqliteDb& db);
// Bulk loading of a target this import created (it did not exist before the command): a
// rollback journal instead of WAL, with synchronous=FULL. Rows appended to a table are
// written once, into the database file: a rollback journal keeps only the original content
// of pages that existed before the transaction (new pages at the end are undone by
// truncating the file), where WAL writes every page twice (the log, then the checkpoint).
// Crash safety stays per batch: a killed process or a power loss leaves a hot journal,
// which the next open (any SQLite connection) plays back, restoring the last committed
// batch; the same command then resumes (in WAL, the file now existing). REQUIRES: no open
// transaction, and no other connection (a new file has none): IOError otherwise.
Status BeginBulkLoad(SqliteDb& db);
// Back to WAL (what every other user of the file expects) and the store's synchronous mode.
Status EndBulkLoad(SqliteDb& db, bool full_sync);

Status BeginImport(SqliteDb& db, const std::string& key, const std::string& era, const std::string& path,
                   const std::string& time_zone, const std::string& now);
Status FinishImport(SqliteDb& db, const std::string& key, const std::string& now);
// Whether the import of this source finished before.
Result<bool> ImportFinished(SqliteDb& db, const std::string& key);

Result<Outcome> PutExperiment(SqliteDb& db, const ExperimentRecord& e, const std::string& key,
                              const std::string& time_zone);
// run.run_number is ignored when `number_runs`: the run gets the next number of its
// experiment (source order), else it keeps it (a taken number is a duplicate).
Result<Outcome> PutRun(SqliteDb& db, const RunRecord& run, bool number_runs);
// The run must exist; its step's input need not yet (see SetForeignKeys).
Result<Outcome> PutInvocation(SqliteDb& db, const InvocationRecord& invocation, bool output_missing);
// Checks the vector's invocation itself: safe with foreign keys off (SetForeignKeys).
Result<Outcome> PutEmbedding(SqliteDb& db, const legacy::EmbeddingRow& embedding);
Result<Outcome> PutDiagram(SqliteDb& db, const PersistenceDiagramRecord& diagram);
// An Elixir Lyapunov result: its experiment must exist; another result of the same group
// (experiment, network, prompt, other_prompt, model) makes it a duplicate.
Result<Outcome> PutLyapunov(SqliteDb& db, const LyapunovRecord& result);
// A clustering result across experiments (experiment_id NULL), its parameters as they were;
// completed (visible) at once: its completed_at, else its started_at.
Result<Outcome> PutClustering(SqliteDb& db, const legacy::ClusteringRow& result);
Result<Outcome> PutAssignment(SqliteDb& db, const legacy::AssignmentRow& row, int64_t cluster_label);

// After the assignments: every imported clustering result (scope still NULL) becomes a
// snapshot of migration 4's shape, scoped to this import's experiments, with its counts,
// dimension and per-cluster summaries derived from its assignments (as migration 4 derives
// them for older rows).
Status FinalizeClusterings(SqliteDb& db, const std::string& key);

// Records a skipped source row (idempotent).
Status Skip(SqliteDb& db, const std::string& key, const std::string& table, const std::string& source_id,
            const std::string& reason);

// After the invocations: inputs that name a step which was not imported (missing from the
// source, or skipped) are cleared, each recorded as a skip note of `table`; returns how
// many. The doctor then reports those steps as broken chains.
Result<int64_t> ClearDanglingInputs(SqliteDb& db, const std::string& key, const std::string& table);
// After the diagrams: each imported diagram records the trajectory it was computed from
// (point_count, last_sequence_number: the run's outputs of the modality its embedding
// model embedded), so that the pipeline treats it as fresh rather than recomputing it.
Status SetDiagramProvenance(SqliteDb& db, const std::string& key);

// The ids of this import's experiments, in id order.
Result<std::vector<std::string>> ImportedExperiments(SqliteDb& db, const std::string& key);
// After the runs' stop reasons: an imported Lyapunov result matched to our lyapunov stage's
// group takes the stage's fingerprint (engine/legacy_import.cpp).
Status SetLyapunovFingerprint(SqliteDb& db, const std::string& id, const std::string& fingerprint);

// The runs of this import's experiments: id, seed, max_length, number of steps.
struct ImportedRun {
  std::string id;
  int64_t seed = -1;
  int64_t max_length = 0;
  int64_t steps = 0;
  int64_t last_sequence = -1;
  std::optional<std::string> last_completed_at;  // of its last step
};
Status ForEachImportedRun(SqliteDb& db, const std::string& key, const std::function<Status(const ImportedRun&)>& fn);
// The run's steps in order: (sequence number, type, output bytes or NULL).
Status ForEachStep(SqliteDb& db, const std::string& run_id,
                   const std::function<Status(int64_t, OutputType, const std::optional<std::string>&)>& fn);
Status SetRunStop(SqliteDb& db, const std::string& run_id, const std::optional<std::string>& stop_reason,
                  std::optional<int64_t> loop_length, const std::optional<std::string>& completed_at);

struct SkipRow {
  std::string table, source_id, reason;
};
// table → reason → count, and the rows themselves (up to `limit`, in table order).
Result<std::map<std::string, std::map<std::string, int64_t>>> SkipCounts(SqliteDb& db, const std::string& key);
Result<std::vector<SkipRow>> Skips(SqliteDb& db, const std::string& key, int64_t limit);

}  // namespace legacy_import
}  // namespace panic::store
