// The doctor's checks as a whole (integrity_checks.h): Prepare (the SQL functions and
// temporary tables the families use), the order the checks run in, SQLite's own check,
// the shared statement helpers, and which experiments a repair must resume. The checks
// themselves and their repairs live by family (integrity_check_defs.h lists the files).
#include "panic/store/integrity_checks.h"

#include <chrono>
#include <ctime>

#include "panic/store/integrity_check_defs.h"
#include "panic/store/sqlite_db.h"

namespace panic::store::integrity {
namespace {

// PRAGMA integrity_check or quick_check: every row but a single 'ok' is one problem.
Status RunIntegrityPragma(SqliteDb& db, SqliteCheck mode, Finding* f) {
  PANIC_ASSIGN_OR_RETURN(Statement * q, db.Prepare(mode == SqliteCheck::kFull ? "PRAGMA main.integrity_check"
                                                                               : "PRAGMA main.quick_check"));
  return q->ForEachRow([&](const Statement& row) {
    if (row.Text(0) != "ok") AddExample(f, row.Text(0));
    return Status::Ok();
  });
}

// Every check in the order it runs (CheckNames): SQLite's own first, then the families.
const std::vector<CheckDef>& Checks() {
  static const std::vector<CheckDef> kChecks = [] {
    std::vector<CheckDef> all = {
        {"integrity_check", "SQLite PRAGMA integrity_check reports damage", false, true, "", ""}};
    for (const auto* family : {&ReferenceChecks(), &RunChecksOfSteps(), &OutputChecks(), &EmbeddingChecks(),
                               &DiagramChecks(), &CompletionChecks(), &ClusteringChecks()}) {
      all.insert(all.end(), family->begin(), family->end());
    }
    return all;
  }();
  return kChecks;
}

Status FillTempTables(SqliteDb& db, const std::vector<ModelRow>& models,
                      const std::vector<std::string>& live_experiments,
                      const std::vector<std::string>& abandoned_clusterings) {
  PANIC_RETURN_IF_ERROR(db.Exec(
      "CREATE TEMP TABLE IF NOT EXISTS doctor_models (name TEXT PRIMARY KEY, embedding INTEGER NOT NULL, "
      "output_type TEXT NOT NULL, dim INTEGER NOT NULL);"
      "CREATE TEMP TABLE IF NOT EXISTS doctor_live (experiment_id TEXT PRIMARY KEY);"
      "CREATE TEMP TABLE IF NOT EXISTS doctor_abandoned (id TEXT PRIMARY KEY);"
      "DELETE FROM temp.doctor_models; DELETE FROM temp.doctor_live; DELETE FROM temp.doctor_abandoned;"));
  PANIC_ASSIGN_OR_RETURN(Statement * m, db.Prepare("INSERT OR REPLACE INTO temp.doctor_models VALUES (?, ?, ?, ?)"));
  for (const ModelRow& row : models) {
    m->Bind(1, row.name).Bind(2, row.embedding ? 1 : 0).Bind(3, row.output_type).Bind(4, row.dim);
    PANIC_RETURN_IF_ERROR(m->Run());
  }
  PANIC_ASSIGN_OR_RETURN(Statement * l, db.Prepare("INSERT OR IGNORE INTO temp.doctor_live VALUES (?)"));
  for (const std::string& id : live_experiments) {
    l->Bind(1, id);
    PANIC_RETURN_IF_ERROR(l->Run());
  }
  PANIC_ASSIGN_OR_RETURN(Statement * a, db.Prepare("INSERT OR IGNORE INTO temp.doctor_abandoned VALUES (?)"));
  for (const std::string& id : abandoned_clusterings) {
    a->Bind(1, id);
    PANIC_RETURN_IF_ERROR(a->Run());
  }
  return Status::Ok();
}

}  // namespace

Result<int64_t> Scalar(SqliteDb& db, const std::string& sql, const std::string& experiment_id) {
  PANIC_ASSIGN_OR_RETURN(Statement * q, db.Prepare(sql));
  q->Bind(1, experiment_id);
  return q->ScalarInt();
}

Status RunExamples(SqliteDb& db, const std::string& sql, const std::string& experiment_id, Finding* f) {
  PANIC_ASSIGN_OR_RETURN(Statement * q, db.Prepare(sql));
  q->Bind(1, experiment_id);
  q->Bind(2, kExamples);
  return q->ForEachRow([&](const Statement& row) {
    f->examples.push_back(row.Text(0));
    return Status::Ok();
  });
}

void AddExample(Finding* f, std::string text) {
  ++f->count;
  if (f->examples.size() < static_cast<size_t>(kExamples)) f->examples.push_back(std::move(text));
}

Result<int64_t> ExecCounting(SqliteDb& db, const std::string& sql, const std::string& experiment_id) {
  PANIC_ASSIGN_OR_RETURN(Statement * q, db.Prepare(sql));
  q->Bind(1, experiment_id);
  PANIC_RETURN_IF_ERROR(q->Run());
  return db.Changes();
}

Status Prepare(SqliteDb& db, const std::vector<ModelRow>& models, const std::vector<std::string>& live_experiments,
               const std::vector<std::string>& abandoned_clusterings, bool decode_images) {
  PANIC_RETURN_IF_ERROR(RegisterVectorFunction(db));
  PANIC_RETURN_IF_ERROR(RegisterImageFunction(db, decode_images));
  PANIC_RETURN_IF_ERROR(RegisterDiagramFunction(db));
  // The checks read the whole file (quick_check, the embedding scan): memory-mapped pages
  // are read without a copy per page (SQLite caps the size at its build's maximum, 2 GiB in
  // Debian's; the mapping is the OS page cache, not this process's heap).
  PANIC_RETURN_IF_ERROR(db.Exec("PRAGMA mmap_size = 4294967296"));
  // A reader's connection has query_only on, which also refuses temporary tables; its
  // file is open read-only (mode=ro) as well, so lifting query_only while the temporary
  // tables are filled cannot write the file.
  PANIC_ASSIGN_OR_RETURN(Statement * qo, db.Prepare("PRAGMA query_only"));
  PANIC_ASSIGN_OR_RETURN(int64_t query_only, qo->ScalarInt());
  PANIC_RETURN_IF_ERROR(db.Exec("PRAGMA query_only = 0"));
  Status filled = FillTempTables(db, models, live_experiments, abandoned_clusterings);
  Status restored = db.Exec(query_only ? "PRAGMA query_only = 1" : "PRAGMA query_only = 0");
  PANIC_RETURN_IF_ERROR(filled);
  return restored;
}

const std::vector<std::string>& CheckNames() {
  static const std::vector<std::string> kNames = [] {
    std::vector<std::string> names;
    for (const CheckDef& c : Checks()) names.emplace_back(c.name);
    return names;
  }();
  return kNames;
}

Result<std::vector<Finding>> RunChecks(SqliteDb& db, const std::string& experiment_id, SqliteCheck sqlite_check,
                                       const std::atomic<bool>* cancel) {
  using Clock = std::chrono::steady_clock;
  const auto since = [](Clock::time_point t0) { return std::chrono::duration<double>(Clock::now() - t0).count(); };
  const auto cpu_now = [] {
    timespec ts{};
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
  };
  std::vector<Finding> findings;
  std::vector<int64_t> scan;  // the embedding scan's counts, once read
  for (const CheckDef& c : Checks()) {
    if (cancel != nullptr && cancel->load()) return Status::Cancelled("doctor interrupted before check " + c.name);
    const auto t0 = Clock::now();
    const double cpu0 = cpu_now();
    Finding f{c.name, c.description, c.fixable, c.global, 0, {}, 0, 0};
    if (c.name == "integrity_check") {
      f.description = sqlite_check == SqliteCheck::kFull ? "SQLite PRAGMA integrity_check reports damage"
                                                         : "SQLite PRAGMA quick_check reports damage (--full: "
                                                           "integrity_check, which also checks every index)";
    }
    const std::string scope = c.global ? std::string() : experiment_id;
    const std::string name = c.name;
    if (name == "integrity_check") {
      PANIC_RETURN_IF_ERROR(RunIntegrityPragma(db, sqlite_check, &f).WithContext("check " + name));
    } else if (name == "foreign_key_check") {
      PANIC_RETURN_IF_ERROR(RunForeignKeyCheck(db, &f).WithContext("check " + name));
    } else {
      if (c.embedding_scan > 0) {
        if (scan.empty()) {
          PANIC_ASSIGN_OR_RETURN(Statement * q, db.Prepare(EmbeddingScanSql()));
          q->Bind(1, scope);
          PANIC_RETURN_IF_ERROR(q->ForEachRow([&](const Statement& row) {
            for (int col = 0; col < 3; ++col) scan.push_back(row.Int(col));
            return Status::Ok();
          }));
          if (scan.size() != 3) return Status::Internal("check " + name + ": the embedding scan returned no row");
        }
        f.count = scan[static_cast<size_t>(c.embedding_scan - 1)];
      } else {
        PANIC_ASSIGN_OR_RETURN(f.count, Scalar(db, c.count_sql, scope));
      }
      if (f.count > 0) PANIC_RETURN_IF_ERROR(RunExamples(db, c.examples_sql, scope, &f).WithContext("check " + name));
    }
    f.seconds = since(t0);
    f.cpu_seconds = cpu_now() - cpu0;
    findings.push_back(std::move(f));
  }
  return findings;
}

Result<std::vector<std::string>> ExperimentsToResume(SqliteDb& db, const std::string& experiment_id) {
  PANIC_ASSIGN_OR_RETURN(
      Statement * q,
      db.Prepare("SELECT id FROM experiments e WHERE (?1 = '' OR e.id = ?1) AND e.id NOT IN (SELECT experiment_id "
                 "FROM doctor_live) AND (e.completed_at IS NULL OR EXISTS (SELECT 1 FROM runs r WHERE r.experiment_id "
                 "= e.id AND (r.stop_reason IS NULL OR r.stop_reason = 'failed'))) "
                 "UNION SELECT experiment_id FROM (" + MissingEmbeddingsSql() + ") "
                 "UNION SELECT experiment_id FROM (" + MissingDiagramsSql() + ")"));
  q->Bind(1, experiment_id);
  std::vector<std::string> ids;
  PANIC_RETURN_IF_ERROR(q->ForEachRow([&](const Statement& row) {
    ids.push_back(row.Text(0));
    return Status::Ok();
  }));
  return ids;
}

Result<std::vector<std::string>> ExperimentIds(SqliteDb& db) {
  PANIC_ASSIGN_OR_RETURN(Statement * q, db.Prepare("SELECT id FROM experiments ORDER BY id"));
  std::vector<std::string> ids;
  PANIC_RETURN_IF_ERROR(q->ForEachRow([&](const Statement& row) {
    ids.push_back(row.Text(0));
    return Status::Ok();
  }));
  return ids;
}

}  // namespace panic::store::integrity
