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
      // Migration 2 (issue 9). Deletes at any size: the ON DELETE CASCADE through
      // invocations.input_invocation_id recursed once per step (SQLite stops at depth 1000),
      // so the column keeps a plain reference and deletes go down the ownership tree
      // (experiments → runs → invocations) instead. SQLite cannot drop a foreign-key clause
      // in place, so invocations is rebuilt (rowids and every value copied as they are);
      // MigrateToLatest runs migrations with foreign keys off, as SQLite's table-rebuild
      // procedure requires, and checks them before committing. Every foreign-key column gets
      // an index; diagrams record what they were computed from; invocations record their
      // batch; writer_leases holds the one live writer of each experiment.
      R"sql(
CREATE TABLE invocations_v2 (
  id                  TEXT PRIMARY KEY,
  run_id              TEXT NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
  sequence_number     INTEGER NOT NULL CHECK (sequence_number >= 0),
  model               TEXT NOT NULL,
  type                TEXT NOT NULL CHECK (type IN ('text', 'image')),
  seed                INTEGER NOT NULL,
  input_invocation_id TEXT REFERENCES invocations(id),  -- no cascade: see migration 2
  output_text         TEXT,
  output_image        BLOB,
  started_at          TEXT NOT NULL,
  completed_at        TEXT NOT NULL,
  batch_size          INTEGER,                -- items in the model call that made it (NULL: unknown)
  batch_position      INTEGER,                -- its place in that call, 0-based
  UNIQUE (run_id, sequence_number)
);
INSERT INTO invocations_v2 (rowid, id, run_id, sequence_number, model, type, seed, input_invocation_id,
                            output_text, output_image, started_at, completed_at)
  SELECT rowid, id, run_id, sequence_number, model, type, seed, input_invocation_id,
         output_text, output_image, started_at, completed_at FROM invocations;
DROP TABLE invocations;
ALTER TABLE invocations_v2 RENAME TO invocations;
CREATE INDEX invocations_by_input ON invocations(input_invocation_id);
CREATE INDEX clustering_results_by_experiment ON clustering_results(experiment_id);
CREATE INDEX embedding_clusters_by_medoid ON embedding_clusters(medoid_embedding_id);
ALTER TABLE persistence_diagrams ADD COLUMN point_count INTEGER;            -- NULL: unknown (stale)
ALTER TABLE persistence_diagrams ADD COLUMN last_sequence_number INTEGER;   -- NULL: unknown (stale)
ALTER TABLE persistence_diagrams ADD COLUMN approximation_epsilon REAL;     -- NULL: exact
CREATE TABLE writer_leases (
  experiment_id TEXT PRIMARY KEY REFERENCES experiments(id) ON DELETE CASCADE,
  token         TEXT NOT NULL,                -- random per holder: a holder knows its own lease
  pid           INTEGER NOT NULL,
  host          TEXT NOT NULL,
  started_at    TEXT NOT NULL,
  heartbeat_at  TEXT NOT NULL
);
)sql",
      // Migration 3 (issue 12; the lead renumbers at merge if the cluster migration is
      // taken first). Analysis results that are stored rather than computed on demand:
      // prompt embeddings (the reference point of semantic drift) and the divergence
      // ("Lyapunov") of run groups. Both belong to an experiment and cascade with it; every
      // foreign key has an index (the unique keys lead with experiment_id).
      R"sql(
CREATE TABLE prompt_embeddings (
  id              TEXT PRIMARY KEY,
  experiment_id   TEXT NOT NULL REFERENCES experiments(id) ON DELETE CASCADE,
  initial_prompt  TEXT NOT NULL,
  embedding_model TEXT NOT NULL,
  vector          BLOB NOT NULL,             -- raw little-endian float32, no header (as embeddings)
  started_at      TEXT NOT NULL,
  completed_at    TEXT NOT NULL,
  UNIQUE (experiment_id, initial_prompt, embedding_model)
);
CREATE TABLE lyapunov_results (
  id                 TEXT PRIMARY KEY,
  experiment_id      TEXT NOT NULL REFERENCES experiments(id) ON DELETE CASCADE,
  network            TEXT NOT NULL,          -- JSON list of model names
  initial_prompt     TEXT NOT NULL,
  other_prompt       TEXT NOT NULL DEFAULT '',  -- '' within one prompt's runs; else the cross-prompt partner
  embedding_model    TEXT NOT NULL,
  num_runs           INTEGER NOT NULL CHECK (num_runs >= 1),  -- runs in the group(s) (both groups when cross)
  num_pairs          INTEGER NOT NULL CHECK (num_pairs >= 1),
  num_timesteps      INTEGER NOT NULL CHECK (num_timesteps >= 2),
  exponent           REAL,                   -- NULL: not defined (NaN)
  intercept          REAL,
  r_squared          REAL,
  bounded_status     TEXT NOT NULL CHECK (bounded_status IN ('ok', 'below_range', 'above_range', 'degenerate')),
  d_inf              REAL,                   -- NULL: NaN; 'above_range' leaves it NULL
  d0                 REAL,
  tau                REAL,                   -- steps; 9e999 (+inf) when above_range
  bounded_r_squared  REAL,
  curve              BLOB NOT NULL,          -- d(t), raw little-endian float64, num_timesteps values
  runs_fingerprint   TEXT NOT NULL,          -- what it was computed from (analysis_tables.h)
  computed_at        TEXT NOT NULL,
  UNIQUE (experiment_id, network, initial_prompt, other_prompt, embedding_model)
);
)sql",
      // Migration 4 (issue 11). A clustering result is a frozen snapshot: its scope (the
      // experiments clustered, listed in clustering_result_experiments; 'all' when every
      // experiment was asked for), the path taken, the counts and the time spent reading,
      // clustering and writing; each embedding's probability; and a per-cluster summary
      // (size, runs, medoid) so `cluster show` never scans the assignments. A result is
      // written in chunks and becomes visible when completed_at is set; until then
      // writer_pid/writer_host say who writes it, so an abandoned one (its writer killed) is
      // found and removed (store/clustering_table.h). Deleting an experiment deletes every
      // result whose scope includes it (experiments_table.cpp), through the index on
      // clustering_result_experiments(experiment_id). Rows written before this migration get
      // their scope (the experiments of their members), counts and summaries from their
      // assignments.
      R"sql(
ALTER TABLE clustering_results ADD COLUMN scope TEXT CHECK (scope IN ('experiments', 'all'));
ALTER TABLE clustering_results ADD COLUMN path TEXT CHECK (path IN ('exact', 'approximate'));
ALTER TABLE clustering_results ADD COLUMN point_count INTEGER;
ALTER TABLE clustering_results ADD COLUMN dimension INTEGER;
ALTER TABLE clustering_results ADD COLUMN cluster_count INTEGER;
ALTER TABLE clustering_results ADD COLUMN outlier_count INTEGER;
ALTER TABLE clustering_results ADD COLUMN read_seconds REAL;
ALTER TABLE clustering_results ADD COLUMN cluster_seconds REAL;
ALTER TABLE clustering_results ADD COLUMN write_seconds REAL;
ALTER TABLE clustering_results ADD COLUMN writer_pid INTEGER;   -- while completed_at IS NULL
ALTER TABLE clustering_results ADD COLUMN writer_host TEXT;
ALTER TABLE embedding_clusters ADD COLUMN probability REAL;    -- NULL: unknown (older rows)
CREATE TABLE clustering_result_experiments (
  clustering_result_id TEXT NOT NULL REFERENCES clustering_results(id) ON DELETE CASCADE,
  experiment_id        TEXT NOT NULL REFERENCES experiments(id) ON DELETE CASCADE,
  PRIMARY KEY (clustering_result_id, experiment_id)
) WITHOUT ROWID;
CREATE INDEX clustering_result_experiments_by_experiment ON clustering_result_experiments(experiment_id);
CREATE TABLE cluster_summaries (
  clustering_result_id TEXT NOT NULL REFERENCES clustering_results(id) ON DELETE CASCADE,
  cluster_label        INTEGER NOT NULL CHECK (cluster_label >= 0),
  size                 INTEGER NOT NULL,
  run_count            INTEGER NOT NULL,
  medoid_embedding_id  TEXT REFERENCES embeddings(id) ON DELETE SET NULL,
  PRIMARY KEY (clustering_result_id, cluster_label)
) WITHOUT ROWID;
CREATE INDEX cluster_summaries_by_medoid ON cluster_summaries(medoid_embedding_id);
INSERT OR IGNORE INTO clustering_result_experiments (clustering_result_id, experiment_id)
  SELECT id, experiment_id FROM clustering_results WHERE experiment_id IS NOT NULL;
INSERT OR IGNORE INTO clustering_result_experiments (clustering_result_id, experiment_id)
  SELECT DISTINCT ec.clustering_result_id, r.experiment_id
  FROM embedding_clusters ec JOIN embeddings e ON e.id = ec.embedding_id
  JOIN invocations i ON i.id = e.invocation_id JOIN runs r ON r.id = i.run_id;
INSERT INTO cluster_summaries (clustering_result_id, cluster_label, size, run_count, medoid_embedding_id)
  SELECT ec.clustering_result_id, ec.cluster_label, count(*), count(DISTINCT i.run_id), max(ec.medoid_embedding_id)
  FROM embedding_clusters ec JOIN embeddings e ON e.id = ec.embedding_id
  JOIN invocations i ON i.id = e.invocation_id
  WHERE ec.cluster_label >= 0 GROUP BY ec.clustering_result_id, ec.cluster_label;
UPDATE clustering_results SET
  scope = CASE WHEN experiment_id IS NULL THEN 'all' ELSE 'experiments' END,
  point_count = (SELECT count(*) FROM embedding_clusters ec WHERE ec.clustering_result_id = clustering_results.id),
  cluster_count = (SELECT count(*) FROM cluster_summaries s WHERE s.clustering_result_id = clustering_results.id),
  outlier_count = (SELECT count(*) FROM embedding_clusters ec
                   WHERE ec.clustering_result_id = clustering_results.id AND ec.cluster_label < 0);
)sql",
      // Migration 5 (issue 13, `import`). Where imported data
      // came from: each source file (its era, and the time zone of its timestamps: 'unknown'
      // for the Python era, whose engine wrote local and UTC times alike, 'UTC' for the
      // Elixir era), which experiments it brought, and every source row it skipped and why.
      // Only the importer reads and writes them; a reader of an older file never needs them.
      R"sql(
CREATE TABLE legacy_imports (
  source_key   TEXT PRIMARY KEY,              -- '<era>:<absolute path of the source file>'
  era          TEXT NOT NULL CHECK (era IN ('python', 'elixir')),
  source_path  TEXT NOT NULL,
  time_zone    TEXT NOT NULL,                 -- 'unknown' or 'UTC'
  started_at   TEXT NOT NULL,
  completed_at TEXT                           -- NULL until the import has finished
);
CREATE TABLE legacy_import_experiments (
  experiment_id TEXT PRIMARY KEY REFERENCES experiments(id) ON DELETE CASCADE,
  source_key    TEXT NOT NULL REFERENCES legacy_imports(source_key) ON DELETE CASCADE,
  time_zone     TEXT NOT NULL                 -- of every timestamp of the experiment's rows
);
CREATE INDEX legacy_import_experiments_by_source ON legacy_import_experiments(source_key);
CREATE TABLE legacy_import_skips (
  source_key   TEXT NOT NULL REFERENCES legacy_imports(source_key) ON DELETE CASCADE,
  source_table TEXT NOT NULL,
  source_id    TEXT NOT NULL,                 -- the id as the source spells it ('rowid N' when unreadable)
  reason       TEXT NOT NULL,
  PRIMARY KEY (source_key, source_table, source_id, reason)
);
)sql",
      // Migration 6. Covering indexes for `experiment show` and the dashboard's experiment
      // page (experiments::Count, RunOutputStatsByRun, RunModelStatsByRun, WorkIntervals):
      // their columns come after the output blob (image, vector) in the rows, so every
      // count or timestamp read the row itself, with its overflow pages for a real image —
      // 100 000 invocations cost 0.65 s a show (bench: docs/STORE.md). Additive: indexes
      // only; a reader of an older file runs the same queries without them.
      R"sql(
CREATE INDEX invocations_progress ON invocations(run_id, sequence_number, type, started_at, completed_at, id);
CREATE INDEX embeddings_progress ON embeddings(invocation_id, embedding_model, started_at, completed_at);
)sql",
      // The next migration goes here (append; never edit a released one).
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

namespace {

// Applies migrations current+1..latest, each in its own transaction. REQUIRES: foreign
// keys are off (SQLite's table-rebuild procedure); they are checked before each commit.
Status ApplyMigrations(SqliteDb& db, int latest) {
  for (int v = 1; v <= latest; ++v) {
    PANIC_ASSIGN_OR_RETURN(auto txn, Transaction::Begin(db));
    // schema_version is created with migration 1 in the same transaction, so a failed first
    // migration leaves nothing behind. Another process may have migrated between our check
    // and BEGIN IMMEDIATE: re-read the version under the write lock.
    PANIC_RETURN_IF_ERROR(db.Exec(
        "CREATE TABLE IF NOT EXISTS schema_version (version INTEGER PRIMARY KEY, applied_at TEXT NOT NULL)"));
    PANIC_ASSIGN_OR_RETURN(int now, CurrentSchemaVersion(db));
    if (now >= v) continue;  // the transaction rolls back: nothing of ours was written
    PANIC_RETURN_IF_ERROR(db.Exec(Migrations()[v - 1]).WithContext("migration " + std::to_string(v)));
    PANIC_ASSIGN_OR_RETURN(Statement * fk, db.Prepare("PRAGMA foreign_key_check"));
    PANIC_ASSIGN_OR_RETURN(bool violation, fk->Step());
    if (violation) {
      std::string where = "table " + fk->Text(0) + " rowid " + fk->Text(1) + " refers to a missing row of " + fk->Text(2);
      fk->Reset();
      return Status::Corruption("database '" + db.path() + "': migration " + std::to_string(v) +
                                " found a broken reference (" + where + "); nothing was changed");
    }
    fk->Reset();
    PANIC_ASSIGN_OR_RETURN(Statement * ins,
                           db.Prepare("INSERT INTO schema_version (version, applied_at) VALUES (?, "
                                      "strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))"));
    ins->Bind(1, v);
    PANIC_RETURN_IF_ERROR(ins->Run());
    PANIC_RETURN_IF_ERROR(txn->Commit());
  }
  return Status::Ok();
}

}  // namespace

Result<int64_t> CountTables(SqliteDb& db) {
  PANIC_ASSIGN_OR_RETURN(Statement * q, db.Prepare(
      "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\'"));
  return q->ScalarInt();
}

// The migration that adds the analysis tables (prompt_embeddings, lyapunov_results).
constexpr int kAnalysisTablesVersion = 3;
// The migration that makes a clustering result a snapshot (scope, summaries, probabilities).
constexpr int kClusteringSnapshotVersion = 4;

Status InstallReadCompatibility(SqliteDb& db, int version) {
  // Temp objects shadow the main schema's tables of the same name (SQLite resolves an
  // unqualified name in temp first) and live only in this connection, so the file is not
  // touched. Each older version maps onto the latest: columns it lacks read as NULL (their
  // documented "unknown"), tables it lacks read as empty.
  if (version == LatestSchemaVersion()) return Status::Ok();
  if (version < 1 || version > LatestSchemaVersion()) {
    return Status::InvalidArgument("database '" + db.path() + "' has schema version " + std::to_string(version) +
                                   ", which this panic-tda reads only after migrating it to version " +
                                   std::to_string(LatestSchemaVersion()));
  }
  PANIC_RETURN_IF_ERROR(db.Exec("PRAGMA temp_store = MEMORY"));
  if (version < kAnalysisTablesVersion) {  // its analysis tables read as empty
    PANIC_RETURN_IF_ERROR(db.Exec(R"sql(
CREATE TEMP TABLE prompt_embeddings (id TEXT PRIMARY KEY, experiment_id TEXT NOT NULL, initial_prompt TEXT NOT NULL,
                                     embedding_model TEXT NOT NULL, vector BLOB NOT NULL, started_at TEXT NOT NULL,
                                     completed_at TEXT NOT NULL);
CREATE TEMP TABLE lyapunov_results (id TEXT PRIMARY KEY, experiment_id TEXT NOT NULL, network TEXT NOT NULL,
  initial_prompt TEXT NOT NULL, other_prompt TEXT NOT NULL, embedding_model TEXT NOT NULL, num_runs INTEGER NOT NULL,
  num_pairs INTEGER NOT NULL, num_timesteps INTEGER NOT NULL, exponent REAL, intercept REAL, r_squared REAL,
  bounded_status TEXT NOT NULL, d_inf REAL, d0 REAL, tau REAL, bounded_r_squared REAL, curve BLOB NOT NULL,
  runs_fingerprint TEXT NOT NULL, computed_at TEXT NOT NULL);
)sql"));
  }
  if (version < 2) {
    PANIC_RETURN_IF_ERROR(db.Exec(R"sql(
CREATE TEMP VIEW invocations AS
  SELECT *, NULL AS batch_size, NULL AS batch_position FROM main.invocations;
CREATE TEMP VIEW persistence_diagrams AS
  SELECT *, NULL AS point_count, NULL AS last_sequence_number, NULL AS approximation_epsilon
  FROM main.persistence_diagrams;
CREATE TEMP TABLE writer_leases (experiment_id TEXT PRIMARY KEY, token TEXT NOT NULL, pid INTEGER NOT NULL,
                                 host TEXT NOT NULL, started_at TEXT NOT NULL, heartbeat_at TEXT NOT NULL);
)sql"));
  }
  if (version < kClusteringSnapshotVersion) {
    // Migration 4's clustering snapshot, derived from the assignments as the migration does.
    // The source tables are named main.* because the views above may shadow them.
    PANIC_RETURN_IF_ERROR(db.Exec(R"sql(
CREATE TEMP VIEW clustering_result_experiments AS
  SELECT id AS clustering_result_id, experiment_id FROM main.clustering_results WHERE experiment_id IS NOT NULL
  UNION
  SELECT ec.clustering_result_id, r.experiment_id
  FROM main.embedding_clusters ec JOIN main.embeddings e ON e.id = ec.embedding_id
  JOIN main.invocations i ON i.id = e.invocation_id JOIN main.runs r ON r.id = i.run_id;
CREATE TEMP VIEW cluster_summaries AS
  SELECT ec.clustering_result_id, ec.cluster_label, count(*) AS size, count(DISTINCT i.run_id) AS run_count,
         max(ec.medoid_embedding_id) AS medoid_embedding_id
  FROM main.embedding_clusters ec JOIN main.embeddings e ON e.id = ec.embedding_id
  JOIN main.invocations i ON i.id = e.invocation_id
  WHERE ec.cluster_label >= 0 GROUP BY ec.clustering_result_id, ec.cluster_label;
CREATE TEMP VIEW embedding_clusters AS SELECT *, NULL AS probability FROM main.embedding_clusters;
CREATE TEMP VIEW clustering_results AS
  SELECT c.*, CASE WHEN c.experiment_id IS NULL THEN 'all' ELSE 'experiments' END AS scope, NULL AS path,
         (SELECT count(*) FROM main.embedding_clusters ec WHERE ec.clustering_result_id = c.id) AS point_count,
         NULL AS dimension,
         (SELECT count(DISTINCT ec.cluster_label) FROM main.embedding_clusters ec
          WHERE ec.clustering_result_id = c.id AND ec.cluster_label >= 0) AS cluster_count,
         (SELECT count(*) FROM main.embedding_clusters ec
          WHERE ec.clustering_result_id = c.id AND ec.cluster_label < 0) AS outlier_count,
         NULL AS read_seconds, NULL AS cluster_seconds, NULL AS write_seconds, NULL AS writer_pid, NULL AS writer_host
  FROM main.clustering_results c;
)sql"));
  }
  return Status::Ok();
}

Status MigrateToLatest(SqliteDb& db) {
  PANIC_ASSIGN_OR_RETURN(int current, CurrentSchemaVersion(db));
  const int latest = LatestSchemaVersion();
  if (current > latest) {
    return Status::InvalidArgument("database '" + db.path() + "' has schema version " + std::to_string(current) +
                                   ", newer than this panic-tda knows (" + std::to_string(latest) + ")");
  }
  if (current == latest) return Status::Ok();
  if (current == 0) {
    // Only an empty file becomes ours; a file with someone else's tables is never touched.
    PANIC_ASSIGN_OR_RETURN(int64_t tables, CountTables(db));
    if (tables > 0) {
      return Status::InvalidArgument("database '" + db.path() + "' has tables but no panic-tda schema_version");
    }
  }
  // PRAGMA foreign_keys is a no-op inside a transaction, so it is switched around them.
  PANIC_RETURN_IF_ERROR(db.Exec("PRAGMA foreign_keys=OFF"));
  Status applied = ApplyMigrations(db, latest);
  Status restored = db.Exec("PRAGMA foreign_keys=ON");
  PANIC_RETURN_IF_ERROR(applied);
  return restored;
}

}  // namespace panic::store
