// What the doctor's check families share (store-private; the API is integrity_checks.h):
// the shape of a check, the scope fragments of their SQL, the families' lists and the
// statement helpers. One file per family of checks and its repairs:
//   integrity_references.cpp   orphans and foreign_key_check; DeleteOrphans
//   integrity_runs.cpp         stop reasons, sequence gaps, input chains, completion;
//                              TruncateDamagedRuns, ClearFalseCompletion
//   integrity_outputs.cpp      NULL outputs, images that are not whole, output types
//   integrity_embeddings.cpp   missing, wrong modality or length, non-finite; DeleteBadEmbeddings
//   integrity_diagrams.cpp     missing, failed, undecodable, model not in config; DeleteBadDiagrams
//   integrity_clustering.cpp   the clustering snapshot of migration 4; RepairClusterSnapshots
//   integrity_checks.cpp       Prepare, the order of the checks (RunChecks), SQLite's own
//                              check, ExperimentsToResume
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "panic/core/status.h"
#include "panic/store/integrity_checks.h"

namespace panic::store {

class SqliteDb;

namespace integrity {

// ?1 is the experiment id, '' for every experiment. These restrict a row to the scope
// through its run (the IN subquery is evaluated once per statement).
#define IN_SCOPE_RUN(col) "(?1 = '' OR " col " IN (SELECT id FROM runs WHERE experiment_id = ?1))"
#define IN_SCOPE_INVOCATION(col) \
  "(?1 = '' OR " col " IN (SELECT i.id FROM invocations i JOIN runs r ON r.id = i.run_id WHERE r.experiment_id = ?1))"

// Clustering scope and summary rows whose result is missing (a clustering check; deleted
// with the orphans).
#define SNAPSHOT_ORPHANS_WHERE "clustering_result_id NOT IN (SELECT id FROM clustering_results)"

struct CheckDef {
  std::string name;
  std::string description;
  bool fixable = false;
  bool global = false;       // ignores --experiment
  std::string count_sql;     // empty: counted elsewhere (the pragmas, the embedding scan)
  std::string examples_sql;  // one text column per example, LIMIT ?2
  int embedding_scan = 0;    // its count is column N-1 of EmbeddingScanSql() (0: not in it)
};

// The families' checks; RunChecks runs them in this order: integrity_check (its own),
// ReferenceChecks (foreign_key_check first: RunForeignKeyCheck), RunChecksOfSteps,
// OutputChecks, EmbeddingChecks, DiagramChecks, CompletionChecks, ClusteringChecks.
const std::vector<CheckDef>& ReferenceChecks();   // integrity_references.cpp
const std::vector<CheckDef>& RunChecksOfSteps();  // integrity_runs.cpp
const std::vector<CheckDef>& OutputChecks();      // integrity_outputs.cpp
const std::vector<CheckDef>& EmbeddingChecks();   // integrity_embeddings.cpp
const std::vector<CheckDef>& DiagramChecks();     // integrity_diagrams.cpp
const std::vector<CheckDef>& CompletionChecks();  // integrity_runs.cpp
const std::vector<CheckDef>& ClusteringChecks();  // integrity_clustering.cpp

// What PRAGMA foreign_key_check finds (integrity_references.cpp).
Status RunForeignKeyCheck(SqliteDb& db, Finding* f);
// The three embedding checks' counts in one read of the embeddings (integrity_embeddings.cpp).
const std::string& EmbeddingScanSql();
// (invocation_id, model, experiment_id) of missing vectors (integrity_embeddings.cpp) and
// (run_id, model, experiment_id) of missing diagrams (integrity_diagrams.cpp).
const std::string& MissingEmbeddingsSql();
const std::string& MissingDiagramsSql();
// (run_id, sequence_number, why) of steps whose output is bad: NULL, an image that is not
// whole, a type other than its model's (integrity_outputs.cpp; part of the bad steps that
// TruncateDamagedRuns cuts at).
const std::string& BadOutputStepsSql();

// The SQL functions the checks call, registered by Prepare: panic_image_whole(blob)
// (integrity_outputs.cpp), panic_nonfinite_f32(blob) (integrity_embeddings.cpp),
// panic_diagram_decodes(blob) (integrity_diagrams.cpp).
Status RegisterImageFunction(SqliteDb& db, bool decode_images);
Status RegisterVectorFunction(SqliteDb& db);
Status RegisterDiagramFunction(SqliteDb& db);

// The statement helpers (integrity_checks.cpp): ?1 is bound to `experiment_id`.
Result<int64_t> Scalar(SqliteDb& db, const std::string& sql, const std::string& experiment_id);
Status RunExamples(SqliteDb& db, const std::string& sql, const std::string& experiment_id, Finding* f);
void AddExample(Finding* f, std::string text);
// Runs a write statement; returns the rows it changed.
Result<int64_t> ExecCounting(SqliteDb& db, const std::string& sql, const std::string& experiment_id);

}  // namespace integrity
}  // namespace panic::store
