#include "panic/store/schema.h"

#include "panic/store/sqlite_db.h"

namespace panic::store {

const std::vector<std::string>& Migrations() {
  // Ownership tree: experiments → runs → invocations → embeddings; runs → persistence
  // diagrams; clustering_results → embedding_clusters. Deleting a parent cascades.
  static const std::vector<std::string> kMigrations = {
      R"sql(
CREATE TABLE experiments (
  id               TEXT PRIMARY KEY,
  networks         TEXT NOT NULL,            -- JSON list of lists of model names
  seeds            TEXT NOT NULL,            -- JSON list of ints (-1 = non-deterministic)
  prompts          TEXT NOT NULL,            -- JSON list of strings
  embedding_models TEXT NOT NULL,            -- JSON list of model names
  max_length       INTEGER NOT NULL CHECK (max_length > 0),
  options          TEXT NOT NULL DEFAULT '{}',
  started_at       TEXT,
  completed_at     TEXT,
  created_at       TEXT NOT NULL,
  updated_at       TEXT NOT NULL
);
CREATE TABLE runs (
  id             TEXT PRIMARY KEY,
  experiment_id  TEXT NOT NULL REFERENCES experiments(id) ON DELETE CASCADE,
  run_number     INTEGER NOT NULL,
  network        TEXT NOT NULL,              -- JSON list of model names
  seed           INTEGER NOT NULL,
  max_length     INTEGER NOT NULL CHECK (max_length > 0),
  initial_prompt TEXT NOT NULL,
  stop_reason    TEXT CHECK (stop_reason IN ('length', 'duplicate', 'failed')),  -- NULL while running
  loop_length    INTEGER,
  error          TEXT,                       -- the last failure, when stop_reason = 'failed'
  completed_at   TEXT,
  UNIQUE (experiment_id, run_number)
);
CREATE TABLE invocations (
  id                  TEXT PRIMARY KEY,
  run_id              TEXT NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
  sequence_number     INTEGER NOT NULL CHECK (sequence_number >= 0),
  model               TEXT NOT NULL,
  type                TEXT NOT NULL CHECK (type IN ('text', 'image')),
  seed                INTEGER NOT NULL,
  input_invocation_id TEXT REFERENCES invocations(id) ON DELETE CASCADE,
  output_text         TEXT,
  output_image        BLOB,
  started_at          TEXT NOT NULL,
  completed_at        TEXT NOT NULL,
  UNIQUE (run_id, sequence_number)
);
CREATE TABLE embeddings (
  id              TEXT PRIMARY KEY,
  invocation_id   TEXT NOT NULL REFERENCES invocations(id) ON DELETE CASCADE,
  embedding_model TEXT NOT NULL,
  vector          BLOB NOT NULL,             -- raw little-endian float32, no header
  started_at      TEXT NOT NULL,
  completed_at    TEXT NOT NULL,
  UNIQUE (invocation_id, embedding_model)
);
CREATE INDEX embeddings_by_model ON embeddings(embedding_model);
CREATE TABLE persistence_diagrams (
  id              TEXT PRIMARY KEY,
  run_id          TEXT NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
  embedding_model TEXT NOT NULL,
  diagram_data    BLOB,                      -- NPZ archive; NULL when the computation failed
  error           TEXT,                      -- why it failed; retried on resume
  started_at      TEXT NOT NULL,
  completed_at    TEXT NOT NULL,
  UNIQUE (run_id, embedding_model)
);
CREATE TABLE clustering_results (
  id              TEXT PRIMARY KEY,
  experiment_id   TEXT REFERENCES experiments(id) ON DELETE CASCADE,  -- NULL: across experiments
  embedding_model TEXT NOT NULL,
  algorithm       TEXT NOT NULL,
  parameters      TEXT NOT NULL DEFAULT '{}',
  started_at      TEXT NOT NULL,
  completed_at    TEXT
);
CREATE TABLE embedding_clusters (
  id                   TEXT PRIMARY KEY,
  embedding_id         TEXT NOT NULL REFERENCES embeddings(id) ON DELETE CASCADE,
  clustering_result_id TEXT NOT NULL REFERENCES clustering_results(id) ON DELETE CASCADE,
  cluster_label        INTEGER NOT NULL,     -- -1 for outliers
  medoid_embedding_id  TEXT REFERENCES embeddings(id) ON DELETE SET NULL,  -- NULL for outliers
  UNIQUE (embedding_id, clustering_result_id)
);
CREATE INDEX embedding_clusters_by_result ON embedding_clusters(clustering_result_id);
)sql",
  };
  return kMigrations;
}

int LatestSchemaVersion() { return static_cast<int>(Migrations().size()); }

Result<int> CurrentSchemaVersion(SqliteDb& db) {
  PANIC_ASSIGN_OR_RETURN(Statement * exists,
                         db.Prepare("SELECT count(*) FROM sqlite_master WHERE type='table' AND name='schema_version'"));
  PANIC_ASSIGN_OR_RETURN(int64_t n, exists->ScalarInt());
  if (n == 0) return 0;
  PANIC_ASSIGN_OR_RETURN(Statement * q, db.Prepare("SELECT max(version) FROM schema_version"));
  PANIC_ASSIGN_OR_RETURN(int64_t version, q->ScalarInt());
  return static_cast<int>(version);
}

Status MigrateToLatest(SqliteDb& db) {
  PANIC_RETURN_IF_ERROR(db.Exec(
      "CREATE TABLE IF NOT EXISTS schema_version (version INTEGER PRIMARY KEY, applied_at TEXT NOT NULL)"));
  PANIC_ASSIGN_OR_RETURN(int current, CurrentSchemaVersion(db));
  const int latest = LatestSchemaVersion();
  if (current > latest) {
    return Status::InvalidArgument("database '" + db.path() + "' has schema version " + std::to_string(current) +
                                   ", newer than this panic-tda knows (" + std::to_string(latest) +
                                   "); upgrade panic-tda");
  }
  for (int v = current + 1; v <= latest; ++v) {
    PANIC_ASSIGN_OR_RETURN(auto txn, Transaction::Begin(db));
    // Another process may have migrated between our check and BEGIN IMMEDIATE.
    PANIC_ASSIGN_OR_RETURN(int now, CurrentSchemaVersion(db));
    if (now >= v) continue;
    PANIC_RETURN_IF_ERROR(db.Exec(Migrations()[v - 1]).WithContext("migration " + std::to_string(v)));
    PANIC_ASSIGN_OR_RETURN(Statement * ins,
                           db.Prepare("INSERT INTO schema_version (version, applied_at) VALUES (?, "
                                      "strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))"));
    ins->Bind(1, v);
    PANIC_RETURN_IF_ERROR(ins->Run());
    PANIC_RETURN_IF_ERROR(txn->Commit());
  }
  return Status::Ok();
}

}  // namespace panic::store
