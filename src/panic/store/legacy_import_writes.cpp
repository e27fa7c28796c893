#include "panic/store/legacy_import_writes.h"

#include <sqlite3.h>

#include <nlohmann/json.hpp>

#include "panic/store/analysis_tables.h"
#include "panic/store/sqlite_db.h"

namespace panic::store::legacy_import {
namespace {

template <typename T>
std::string JsonText(const T& v) {
  return nlohmann::json(v).dump();
}

const char* TypeName(OutputType t) { return t == OutputType::kText ? "text" : "image"; }

Result<bool> Exists(SqliteDb& db, const std::string& sql, const std::string& a, const std::string& b = "",
                    int64_t c = 0) {
  PANIC_ASSIGN_OR_RETURN(Statement * q, db.Prepare(sql));
  q->Bind(1, a);
  if (sql.find("?2") != std::string::npos) q->Bind(2, b);
  if (sql.find("?3") != std::string::npos) q->Bind(3, c);
  PANIC_ASSIGN_OR_RETURN(int64_t n, q->ScalarInt());
  return n > 0;
}

// After an INSERT OR IGNORE that wrote nothing: the id was there (present) or another row
// holds the natural key (duplicate).
Result<Outcome> Ignored(SqliteDb& db, const char* table, const std::string& id) {
  PANIC_ASSIGN_OR_RETURN(bool present, Exists(db, std::string("SELECT count(*) FROM ") + table + " WHERE id = ?1", id));
  return present ? Outcome::kPresent : Outcome::kDuplicate;
}

Result<Outcome> RunInsert(SqliteDb& db, Statement* q, const char* table, const std::string& id) {
  PANIC_RETURN_IF_ERROR(q->Run());
  if (db.Changes() > 0) return Outcome::kInserted;
  return Ignored(db, table, id);
}

constexpr const char* kImportExperiments =
    "SELECT experiment_id FROM legacy_import_experiments WHERE source_key = ?1";

}  // namespace

Status SetForeignKeys(SqliteDb& db, bool on) { return db.Exec(on ? "PRAGMA foreign_keys=ON" : "PRAGMA foreign_keys=OFF"); }

namespace {

Status SetJournalMode(SqliteDb& db, const char* mode) {
  PANIC_ASSIGN_OR_RETURN(Statement * q, db.Prepare(std::string("PRAGMA journal_mode=") + mode));
  PANIC_ASSIGN_OR_RETURN(bool row, q->Step());
  const std::string now = row ? q->Text(0) : "";
  q->Reset();
  if (now != mode) {
    return Status::IOError("database '" + db.path() + "': journal_mode stayed '" + now + "' (wanted '" + mode +
                           "'; another connection has the file open?)");
  }
  return Status::Ok();
}

}  // namespace

Status CreateBulkTarget(const std::string& path) {
  sqlite3* db = nullptr;
  int rc = sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, nullptr);
  char* error = nullptr;
  // VACUUM of an empty database writes its header, with the page size asked for.
  if (rc == SQLITE_OK) rc = sqlite3_exec(db, "PRAGMA page_size=16384; VACUUM;", nullptr, nullptr, &error);
  const std::string message = error != nullptr ? error : (db != nullptr ? sqlite3_errmsg(db) : "out of memory");
  sqlite3_free(error);
  sqlite3_close(db);
  if (rc != SQLITE_OK) return Status::IOError("cannot create the target database '" + path + "': " + message);
  return Status::Ok();
}

Status SetImportCache(SqliteDb& db) { return db.Exec("PRAGMA cache_size=-262144"); }

Status BeginBulkLoad(SqliteDb& db) {
  PANIC_RETURN_IF_ERROR(SetJournalMode(db, "delete"));
  return db.Exec("PRAGMA synchronous=FULL");
}

Status EndBulkLoad(SqliteDb& db, bool full_sync) {
  PANIC_RETURN_IF_ERROR(SetJournalMode(db, "wal"));
  return db.Exec(full_sync ? "PRAGMA synchronous=FULL" : "PRAGMA synchronous=NORMAL");
}

Status BeginImport(SqliteDb& db, const std::string& key, const std::string& era, const std::string& path,
                   const std::string& time_zone, const std::string& now) {
  PANIC_ASSIGN_OR_RETURN(Statement * q, db.Prepare("INSERT OR IGNORE INTO legacy_imports (source_key, era, source_path, "
                                                   "time_zone, started_at) VALUES (?, ?, ?, ?, ?)"));
  q->Bind(1, key).Bind(2, era).Bind(3, path).Bind(4, time_zone).Bind(5, now);
  return q->Run();
}

Status FinishImport(SqliteDb& db, const std::string& key, const std::string& now) {
  PANIC_ASSIGN_OR_RETURN(Statement * q, db.Prepare("UPDATE legacy_imports SET completed_at = ? WHERE source_key = ?"));
  q->Bind(1, now).Bind(2, key);
  return q->Run();
}

Result<bool> ImportFinished(SqliteDb& db, const std::string& key) {
  return Exists(db, "SELECT count(*) FROM legacy_imports WHERE source_key = ?1 AND completed_at IS NOT NULL", key);
}

Result<Outcome> PutExperiment(SqliteDb& db, const ExperimentRecord& e, const std::string& key,
                              const std::string& time_zone) {
  PANIC_ASSIGN_OR_RETURN(Statement * q,
                         db.Prepare("INSERT OR IGNORE INTO experiments (id, networks, seeds, prompts, embedding_models, "
                                    "max_length, options, started_at, completed_at, created_at, updated_at) VALUES "
                                    "(?, ?, ?, ?, ?, ?, '{}', ?, ?, ?, ?)"));
  q->Bind(1, e.id)
      .Bind(2, JsonText(e.networks))
      .Bind(3, JsonText(e.seeds))
      .Bind(4, JsonText(e.prompts))
      .Bind(5, JsonText(e.embedding_models))
      .Bind(6, e.max_length)
      .Bind(7, e.started_at)
      .Bind(8, e.completed_at)
      .Bind(9, e.created_at)
      .Bind(10, e.updated_at);
  PANIC_ASSIGN_OR_RETURN(Outcome outcome, RunInsert(db, q, "experiments", e.id));
  if (outcome == Outcome::kDuplicate) return outcome;
  PANIC_ASSIGN_OR_RETURN(Statement * p, db.Prepare("INSERT OR IGNORE INTO legacy_import_experiments (experiment_id, "
                                                   "source_key, time_zone) VALUES (?, ?, ?)"));
  p->Bind(1, e.id).Bind(2, key).Bind(3, time_zone);
  PANIC_RETURN_IF_ERROR(p->Run());
  return outcome;
}

Result<Outcome> PutRun(SqliteDb& db, const RunRecord& run, bool number_runs) {
  PANIC_ASSIGN_OR_RETURN(bool present, Exists(db, "SELECT count(*) FROM runs WHERE id = ?1", run.id));
  if (present) return Outcome::kPresent;
  PANIC_ASSIGN_OR_RETURN(bool parent, Exists(db, "SELECT count(*) FROM experiments WHERE id = ?1", run.experiment_id));
  if (!parent) return Outcome::kOrphan;
  int64_t number = run.run_number;
  if (number_runs) {
    PANIC_ASSIGN_OR_RETURN(Statement * n, db.Prepare("SELECT count(*) FROM runs WHERE experiment_id = ?"));
    n->Bind(1, run.experiment_id);
    PANIC_ASSIGN_OR_RETURN(number, n->ScalarInt());
  }
  PANIC_ASSIGN_OR_RETURN(Statement * q,
                         db.Prepare("INSERT OR IGNORE INTO runs (id, experiment_id, run_number, network, seed, "
                                    "max_length, initial_prompt) VALUES (?, ?, ?, ?, ?, ?, ?)"));
  q->Bind(1, run.id)
      .Bind(2, run.experiment_id)
      .Bind(3, number)
      .Bind(4, JsonText(run.network))
      .Bind(5, run.seed)
      .Bind(6, run.max_length)
      .Bind(7, run.initial_prompt);
  return RunInsert(db, q, "runs", run.id);
}

Result<Outcome> PutInvocation(SqliteDb& db, const InvocationRecord& i, bool output_missing) {
  PANIC_ASSIGN_OR_RETURN(bool parent, Exists(db, "SELECT count(*) FROM runs WHERE id = ?1", i.run_id));
  if (!parent) {
    PANIC_ASSIGN_OR_RETURN(bool present, Exists(db, "SELECT count(*) FROM invocations WHERE id = ?1", i.id));
    return present ? Outcome::kPresent : Outcome::kOrphan;
  }
  PANIC_ASSIGN_OR_RETURN(Statement * q,
                         db.Prepare("INSERT OR IGNORE INTO invocations (id, run_id, sequence_number, model, type, seed, "
                                    "input_invocation_id, output_text, output_image, started_at, completed_at) VALUES "
                                    "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"));
  q->Bind(1, i.id).Bind(2, i.run_id).Bind(3, i.sequence_number).Bind(4, i.model).Bind(5, TypeName(i.type));
  q->Bind(6, i.seed).Bind(7, i.input_invocation_id);
  q->BindNull(8).BindNull(9);
  if (!output_missing && i.type == OutputType::kText) q->Bind(8, i.output_text);
  if (!output_missing && i.type == OutputType::kImage) q->BindBlob(9, i.output_image);
  q->Bind(10, i.started_at).Bind(11, i.completed_at);
  return RunInsert(db, q, "invocations", i.id);
}

Result<Outcome> PutEmbedding(SqliteDb& db, const legacy::EmbeddingRow& e) {
  // The hot path of an import (one row per output and model): one lookup (the invocation)
  // and the insert; the id is looked up only when the insert wrote nothing. A row already
  // there has its invocation (deleting that would have deleted it), so checking the parent
  // first answers the same. Foreign keys may be off (the importer turns them off for this
  // pass: the parent is checked here).
  PANIC_ASSIGN_OR_RETURN(bool parent, Exists(db, "SELECT count(*) FROM invocations WHERE id = ?1", e.invocation_id));
  if (!parent) return Outcome::kOrphan;
  PANIC_ASSIGN_OR_RETURN(Statement * q, db.Prepare("INSERT OR IGNORE INTO embeddings (id, invocation_id, "
                                                   "embedding_model, vector, started_at, completed_at) VALUES "
                                                   "(?, ?, ?, ?, ?, ?)"));
  q->Bind(1, e.id).Bind(2, e.invocation_id).Bind(3, e.embedding_model).BindBlob(4, e.vector);
  q->Bind(5, e.started_at).Bind(6, e.completed_at);
  return RunInsert(db, q, "embeddings", e.id);
}

Result<Outcome> PutDiagram(SqliteDb& db, const PersistenceDiagramRecord& d) {
  PANIC_ASSIGN_OR_RETURN(bool present, Exists(db, "SELECT count(*) FROM persistence_diagrams WHERE id = ?1", d.id));
  if (present) return Outcome::kPresent;
  PANIC_ASSIGN_OR_RETURN(bool parent, Exists(db, "SELECT count(*) FROM runs WHERE id = ?1", d.run_id));
  if (!parent) return Outcome::kOrphan;
  PANIC_ASSIGN_OR_RETURN(Statement * q, db.Prepare("INSERT OR IGNORE INTO persistence_diagrams (id, run_id, "
                                                   "embedding_model, diagram_data, error, started_at, completed_at) "
                                                   "VALUES (?, ?, ?, ?, ?, ?, ?)"));
  q->Bind(1, d.id).Bind(2, d.run_id).Bind(3, d.embedding_model);
  if (d.diagram_data) {
    q->BindBlob(4, *d.diagram_data);
  } else {
    q->BindNull(4);
  }
  q->Bind(5, d.error).Bind(6, d.started_at).Bind(7, d.completed_at);
  return RunInsert(db, q, "persistence_diagrams", d.id);
}

Result<Outcome> PutLyapunov(SqliteDb& db, const LyapunovRecord& r) {
  PANIC_ASSIGN_OR_RETURN(bool present, Exists(db, "SELECT count(*) FROM lyapunov_results WHERE id = ?1", r.id));
  if (present) return Outcome::kPresent;
  PANIC_ASSIGN_OR_RETURN(bool parent, Exists(db, "SELECT count(*) FROM experiments WHERE id = ?1", r.experiment_id));
  if (!parent) return Outcome::kOrphan;
  // lyapunov::Put replaces a row of the same group: another result of the group is a
  // duplicate here (the first by rowid is kept), never overwritten.
  PANIC_ASSIGN_OR_RETURN(Statement * taken, db.Prepare(
      "SELECT count(*) FROM lyapunov_results WHERE experiment_id = ? AND network = ? AND initial_prompt = ? AND "
      "other_prompt = ? AND embedding_model = ?"));
  taken->Bind(1, r.experiment_id).Bind(2, JsonText(r.network)).Bind(3, r.initial_prompt).Bind(4, r.other_prompt);
  taken->Bind(5, r.embedding_model);
  PANIC_ASSIGN_OR_RETURN(int64_t n, taken->ScalarInt());
  if (n > 0) return Outcome::kDuplicate;
  PANIC_RETURN_IF_ERROR(lyapunov::Put(db, r));
  return Outcome::kInserted;
}

Result<std::vector<std::string>> ImportedExperiments(SqliteDb& db, const std::string& key) {
  PANIC_ASSIGN_OR_RETURN(Statement * q, db.Prepare(std::string("SELECT id FROM experiments WHERE id IN (") +
                                                   kImportExperiments + ") ORDER BY id"));
  q->Bind(1, key);
  std::vector<std::string> out;
  PANIC_RETURN_IF_ERROR(q->ForEachRow([&](const Statement& row) {
    out.push_back(row.Text(0));
    return Status::Ok();
  }));
  return out;
}

Status SetLyapunovFingerprint(SqliteDb& db, const std::string& id, const std::string& fingerprint) {
  PANIC_ASSIGN_OR_RETURN(Statement * q, db.Prepare("UPDATE lyapunov_results SET runs_fingerprint = ? WHERE id = ?"));
  q->Bind(1, fingerprint).Bind(2, id);
  return q->Run();
}

Result<Outcome> PutClustering(SqliteDb& db, const legacy::ClusteringRow& r) {
  PANIC_ASSIGN_OR_RETURN(Statement * q, db.Prepare("INSERT OR IGNORE INTO clustering_results (id, experiment_id, "
                                                   "embedding_model, algorithm, parameters, started_at, completed_at) "
                                                   "VALUES (?, NULL, ?, ?, ?, ?, ?)"));
  q->Bind(1, r.id).Bind(2, r.embedding_model).Bind(3, r.algorithm).Bind(4, r.parameters).Bind(5, r.started_at);
  q->Bind(6, r.completed_at.value_or(r.started_at));
  return RunInsert(db, q, "clustering_results", r.id);
}

Result<Outcome> PutAssignment(SqliteDb& db, const legacy::AssignmentRow& a, int64_t cluster_label) {
  PANIC_ASSIGN_OR_RETURN(bool present, Exists(db, "SELECT count(*) FROM embedding_clusters WHERE id = ?1", a.id));
  if (present) return Outcome::kPresent;
  PANIC_ASSIGN_OR_RETURN(bool result, Exists(db, "SELECT count(*) FROM clustering_results WHERE id = ?1",
                                             a.clustering_result_id));
  PANIC_ASSIGN_OR_RETURN(bool embedding, Exists(db, "SELECT count(*) FROM embeddings WHERE id = ?1", a.embedding_id));
  bool medoid = true;
  if (a.medoid_embedding_id) {
    PANIC_ASSIGN_OR_RETURN(medoid, Exists(db, "SELECT count(*) FROM embeddings WHERE id = ?1", *a.medoid_embedding_id));
  }
  if (!result || !embedding || !medoid) return Outcome::kOrphan;
  PANIC_ASSIGN_OR_RETURN(Statement * q, db.Prepare("INSERT OR IGNORE INTO embedding_clusters (id, embedding_id, "
                                                   "clustering_result_id, cluster_label, medoid_embedding_id) VALUES "
                                                   "(?, ?, ?, ?, ?)"));
  q->Bind(1, a.id).Bind(2, a.embedding_id).Bind(3, a.clustering_result_id).Bind(4, cluster_label);
  q->Bind(5, a.medoid_embedding_id);
  return RunInsert(db, q, "embedding_clusters", a.id);
}

Status FinalizeClusterings(SqliteDb& db, const std::string& key) {
  PANIC_ASSIGN_OR_RETURN(Statement * scope, db.Prepare(
      "INSERT OR IGNORE INTO clustering_result_experiments (clustering_result_id, experiment_id) SELECT cr.id, "
      "x.experiment_id FROM clustering_results cr JOIN legacy_import_experiments x ON x.source_key = ?1 WHERE cr.scope "
      "IS NULL"));
  scope->Bind(1, key);
  PANIC_RETURN_IF_ERROR(scope->Run());
  return db.Exec(R"sql(
INSERT OR IGNORE INTO cluster_summaries (clustering_result_id, cluster_label, size, run_count, medoid_embedding_id)
  SELECT ec.clustering_result_id, ec.cluster_label, count(*), count(DISTINCT i.run_id), max(ec.medoid_embedding_id)
  FROM embedding_clusters ec JOIN embeddings e ON e.id = ec.embedding_id JOIN invocations i ON i.id = e.invocation_id
  WHERE ec.cluster_label >= 0 AND ec.clustering_result_id IN (SELECT id FROM clustering_results WHERE scope IS NULL)
  GROUP BY ec.clustering_result_id, ec.cluster_label;
UPDATE clustering_results SET
  scope = 'experiments',
  point_count = (SELECT count(*) FROM embedding_clusters ec WHERE ec.clustering_result_id = clustering_results.id),
  cluster_count = (SELECT count(*) FROM cluster_summaries s WHERE s.clustering_result_id = clustering_results.id),
  outlier_count = (SELECT count(*) FROM embedding_clusters ec
                   WHERE ec.clustering_result_id = clustering_results.id AND ec.cluster_label < 0),
  dimension = (SELECT length(e.vector) / 4 FROM embedding_clusters ec JOIN embeddings e ON e.id = ec.embedding_id
               WHERE ec.clustering_result_id = clustering_results.id LIMIT 1)
WHERE scope IS NULL;
)sql");
}

Status Skip(SqliteDb& db, const std::string& key, const std::string& table, const std::string& source_id,
            const std::string& reason) {
  PANIC_ASSIGN_OR_RETURN(Statement * q, db.Prepare("INSERT OR IGNORE INTO legacy_import_skips (source_key, "
                                                   "source_table, source_id, reason) VALUES (?, ?, ?, ?)"));
  q->Bind(1, key).Bind(2, table).Bind(3, source_id).Bind(4, reason);
  return q->Run();
}

Result<int64_t> ClearDanglingInputs(SqliteDb& db, const std::string& key, const std::string& table) {
  const std::string dangling = std::string(
      "FROM invocations i WHERE i.input_invocation_id IS NOT NULL AND i.input_invocation_id NOT IN (SELECT id FROM "
      "invocations) AND i.run_id IN (SELECT id FROM runs WHERE experiment_id IN (") + kImportExperiments + "))";
  PANIC_ASSIGN_OR_RETURN(Statement * note, db.Prepare(
      "INSERT OR IGNORE INTO legacy_import_skips (source_key, source_table, source_id, reason) SELECT ?1, ?2, "
      "replace(i.id, '-', ''), 'input_invocation_id ' || i.input_invocation_id || ' was not imported; the reference "
      "was cleared (the row was kept)' " + dangling));
  note->Bind(1, key).Bind(2, table);
  PANIC_RETURN_IF_ERROR(note->Run());
  PANIC_ASSIGN_OR_RETURN(Statement * clear, db.Prepare("UPDATE invocations SET input_invocation_id = NULL WHERE id IN "
                                                       "(SELECT i.id " + dangling + ")"));
  clear->Bind(1, key);
  PANIC_RETURN_IF_ERROR(clear->Run());
  return db.Changes();
}

Status SetDiagramProvenance(SqliteDb& db, const std::string& key) {
  // The modality of a model: the type of the outputs it embedded in this import's runs.
  PANIC_ASSIGN_OR_RETURN(Statement * q, db.Prepare(std::string(
      "WITH modality AS (SELECT e.embedding_model AS model, min(i.type) AS type FROM embeddings e JOIN invocations i "
      "ON i.id = e.invocation_id GROUP BY e.embedding_model), "
      "target AS (SELECT d.id AS id, (SELECT count(*) FROM invocations i WHERE i.run_id = d.run_id AND i.type = m.type) "
      "AS n, (SELECT max(sequence_number) FROM invocations i WHERE i.run_id = d.run_id AND i.type = m.type) AS last "
      "FROM persistence_diagrams d JOIN modality m ON m.model = d.embedding_model JOIN runs r ON r.id = d.run_id "
      "WHERE r.experiment_id IN (") + kImportExperiments + ") AND d.point_count IS NULL AND d.diagram_data IS NOT NULL) "
      "UPDATE persistence_diagrams SET point_count = (SELECT n FROM target WHERE target.id = persistence_diagrams.id), "
      "last_sequence_number = (SELECT last FROM target WHERE target.id = persistence_diagrams.id) WHERE id IN "
      "(SELECT id FROM target)"));
  q->Bind(1, key);
  return q->Run();
}

Status ForEachImportedRun(SqliteDb& db, const std::string& key, const std::function<Status(const ImportedRun&)>& fn) {
  PANIC_ASSIGN_OR_RETURN(Statement * q, db.Prepare(std::string(
      "SELECT r.id, r.seed, r.max_length, (SELECT count(*) FROM invocations i WHERE i.run_id = r.id), (SELECT "
      "max(sequence_number) FROM invocations i WHERE i.run_id = r.id), (SELECT completed_at FROM invocations i WHERE "
      "i.run_id = r.id ORDER BY sequence_number DESC LIMIT 1) FROM runs r WHERE r.experiment_id IN (") +
      kImportExperiments + ") ORDER BY r.experiment_id, r.run_number"));
  q->Bind(1, key);
  // The runs are collected first (ids and counts only), so fn may use the connection.
  std::vector<ImportedRun> runs;
  PANIC_RETURN_IF_ERROR(q->ForEachRow([&](const Statement& row) {
    runs.push_back({row.Text(0), row.Int(1), row.Int(2), row.Int(3), row.IsNull(4) ? -1 : row.Int(4), row.OptText(5)});
    return Status::Ok();
  }));
  for (const ImportedRun& run : runs) PANIC_RETURN_IF_ERROR(fn(run));
  return Status::Ok();
}

Status ForEachStep(SqliteDb& db, const std::string& run_id,
                   const std::function<Status(int64_t, OutputType, const std::optional<std::string>&)>& fn) {
  PANIC_ASSIGN_OR_RETURN(Statement * q, db.Prepare("SELECT sequence_number, type, CASE type WHEN 'text' THEN "
                                                   "output_text ELSE output_image END FROM invocations WHERE run_id = "
                                                   "? ORDER BY sequence_number"));
  q->Bind(1, run_id);
  return q->ForEachRow([&](const Statement& row) {
    const OutputType type = row.Text(1) == "image" ? OutputType::kImage : OutputType::kText;
    std::optional<std::string> output;
    if (!row.IsNull(2)) output = row.Blob(2);
    return fn(row.Int(0), type, output);
  });
}

Status SetRunStop(SqliteDb& db, const std::string& run_id, const std::optional<std::string>& stop_reason,
                  std::optional<int64_t> loop_length, const std::optional<std::string>& completed_at) {
  PANIC_ASSIGN_OR_RETURN(Statement * q, db.Prepare("UPDATE runs SET stop_reason = ?, loop_length = ?, completed_at = ? "
                                                   "WHERE id = ?"));
  q->Bind(1, stop_reason).Bind(2, loop_length).Bind(3, completed_at).Bind(4, run_id);
  return q->Run();
}

Result<std::map<std::string, std::map<std::string, int64_t>>> SkipCounts(SqliteDb& db, const std::string& key) {
  // Notes about a cleared reference share one reason text per row; they are grouped by
  // the reason's first words.
  PANIC_ASSIGN_OR_RETURN(Statement * q, db.Prepare(
      "SELECT source_table, CASE WHEN reason LIKE 'input_invocation_id % was not imported%' THEN "
      "'input_invocation_id not imported (reference cleared, row kept)' ELSE reason END AS r, count(*) FROM "
      "legacy_import_skips WHERE source_key = ? GROUP BY 1, 2 ORDER BY 1, 2"));
  q->Bind(1, key);
  std::map<std::string, std::map<std::string, int64_t>> out;
  PANIC_RETURN_IF_ERROR(q->ForEachRow([&](const Statement& row) {
    out[row.Text(0)][row.Text(1)] = row.Int(2);
    return Status::Ok();
  }));
  return out;
}

Result<std::vector<SkipRow>> Skips(SqliteDb& db, const std::string& key, int64_t limit) {
  PANIC_ASSIGN_OR_RETURN(Statement * q, db.Prepare("SELECT source_table, source_id, reason FROM legacy_import_skips "
                                                   "WHERE source_key = ? ORDER BY source_table, source_id LIMIT ?"));
  q->Bind(1, key).Bind(2, limit);
  std::vector<SkipRow> out;
  PANIC_RETURN_IF_ERROR(q->ForEachRow([&](const Statement& row) {
    out.push_back({row.Text(0), row.Text(1), row.Text(2)});
    return Status::Ok();
  }));
  return out;
}

}  // namespace panic::store::legacy_import
