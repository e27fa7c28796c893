#include "panic/store/subset_copy.h"

#include <filesystem>

#include "panic/store/database_file.h"
#include "panic/store/reader_files.h"
#include "panic/store/schema.h"
#include "panic/store/sqlite_db.h"

namespace panic::store {

std::string ReadOnlyUri(const std::string& path) {
  std::string out = "file:";
  for (unsigned char c : std::filesystem::absolute(path).string()) {
    if (c == '%' || c == '?' || c == '#' || c <= ' ' || c >= 0x7f) {
      char buf[4];
      std::snprintf(buf, sizeof buf, "%%%02X", c);
      out += buf;
    } else {
      out += static_cast<char>(c);
    }
  }
  return out + (ReaderOpensImmutable(path) ? "?immutable=1" : "?mode=ro");
}

Status CheckSourceDatabase(const std::string& path, const std::string& action) {
  PANIC_ASSIGN_OR_RETURN(DatabaseInspection source, InspectDatabase(path));
  if (source.origin == DatabaseOrigin::kMissing) return Status::NotFound("source database '" + path + "' does not exist");
  if (source.origin != DatabaseOrigin::kOurs) {
    return Status::InvalidArgument("source database '" + path + "' is " + DescribeOrigin(source));
  }
  if (source.schema_version != LatestSchemaVersion()) {
    return Status::InvalidArgument("source database '" + path + "' has schema version " +
                                   std::to_string(source.schema_version) + "; " + action + " after migrating it to " +
                                   std::to_string(LatestSchemaVersion()) + " (any command that writes it does)");
  }
  return Status::Ok();
}

Result<std::vector<std::string>> Columns(SqliteDb& db, const std::string& table) {
  PANIC_ASSIGN_OR_RETURN(Statement * q, db.Prepare("SELECT name FROM pragma_table_info(?) ORDER BY cid"));
  q->Bind(1, table);
  std::vector<std::string> out;
  PANIC_RETURN_IF_ERROR(q->ForEachRow([&](const Statement& row) -> Status {
    out.push_back(row.Text(0));
    return Status::Ok();
  }));
  return out;
}

namespace {

// The subset of each table, in an order where parents come first (foreign keys are also
// deferred to the commit). `ids` is temp.copy_ids.
struct Step {
  const char* table;
  const char* where;  // over the source table's rows
  bool or_ignore = false;
};
constexpr const char* kRuns = "(SELECT id FROM src.runs WHERE experiment_id IN (SELECT id FROM temp.copy_ids))";
const Step kSteps[] = {
    {"experiments", "id IN (SELECT id FROM temp.copy_ids)"},
    {"runs", "experiment_id IN (SELECT id FROM temp.copy_ids)"},
    {"invocations", "run_id IN " },
    {"embeddings", "invocation_id IN (SELECT i.id FROM src.invocations i WHERE i.run_id IN "},
    {"persistence_diagrams", "run_id IN "},
    // Their own results; cross-experiment results that label a copied embedding (once).
    {"clustering_results",
     "experiment_id IN (SELECT id FROM temp.copy_ids) OR (experiment_id IS NULL AND EXISTS (SELECT 1 FROM "
     "src.embedding_clusters c WHERE c.clustering_result_id = clustering_results.id AND c.embedding_id IN "
     "(SELECT e.id FROM src.embeddings e JOIN src.invocations i ON i.id = e.invocation_id WHERE i.run_id IN ",
     true},
    {"embedding_clusters",
     "clustering_result_id IN (SELECT id FROM main.clustering_results) AND embedding_id IN (SELECT e.id FROM "
     "src.embeddings e JOIN src.invocations i ON i.id = e.invocation_id WHERE i.run_id IN "},
    // The scope of the copied results, as far as it lies in the copy; the per-cluster
    // summaries of a copied result as the source holds them (of the whole result).
    {"clustering_result_experiments",
     "experiment_id IN (SELECT id FROM temp.copy_ids) AND clustering_result_id IN (SELECT id FROM main.clustering_results)",
     true},
    {"cluster_summaries", "clustering_result_id IN (SELECT id FROM main.clustering_results)", true},
    {"prompt_embeddings", "experiment_id IN (SELECT id FROM temp.copy_ids)"},
    {"lyapunov_results", "experiment_id IN (SELECT id FROM temp.copy_ids)"},
};

std::string WhereOf(const Step& s) {
  const std::string w = s.where;
  const std::string table = s.table;
  if (table == "invocations" || table == "persistence_diagrams") return w + kRuns;
  if (table == "embeddings" || table == "embedding_clusters") return w + kRuns + ")";
  if (table == "clustering_results") return w + kRuns + ")))";
  return w;
}

Status Copy(SqliteDb& db, const std::vector<std::string>& ids, CopyCounts& counts) {
  PANIC_RETURN_IF_ERROR(db.Exec("PRAGMA defer_foreign_keys = ON"));
  PANIC_RETURN_IF_ERROR(db.Exec("CREATE TEMP TABLE IF NOT EXISTS copy_ids (id TEXT PRIMARY KEY); DELETE FROM temp.copy_ids"));
  PANIC_ASSIGN_OR_RETURN(Statement * add, db.Prepare("INSERT OR IGNORE INTO temp.copy_ids VALUES (?)"));
  PANIC_ASSIGN_OR_RETURN(Statement * have, db.Prepare("SELECT count(*) FROM main.experiments WHERE id = ?"));
  PANIC_ASSIGN_OR_RETURN(Statement * in_source, db.Prepare("SELECT count(*) FROM src.experiments WHERE id = ?"));
  for (const auto& id : ids) {
    in_source->Bind(1, id);
    PANIC_ASSIGN_OR_RETURN(int64_t found, in_source->ScalarInt());
    if (found == 0) return Status::NotFound("no experiment with id '" + id + "' in the source database");
    have->Bind(1, id);
    PANIC_ASSIGN_OR_RETURN(int64_t exists, have->ScalarInt());
    if (exists) {
      return Status::AlreadyExists("the target database already holds experiment " + id + "; nothing was copied");
    }
    add->Bind(1, id);
    PANIC_RETURN_IF_ERROR(add->Run());
  }
  for (const Step& s : kSteps) {
    PANIC_ASSIGN_OR_RETURN(auto cols, Columns(db, s.table));
    std::string list, select;
    for (const auto& c : cols) {
      list += (list.empty() ? "" : ", ") + c;
      // A medoid outside the copy is NULL, as the schema makes a deleted medoid.
      const std::string value = c == "medoid_embedding_id"
                                    ? "CASE WHEN medoid_embedding_id IN (SELECT id FROM main.embeddings) "
                                      "THEN medoid_embedding_id END"
                                    : c;
      select += (select.empty() ? "" : ", ") + value;
    }
    const std::string sql = std::string("INSERT ") + (s.or_ignore ? "OR IGNORE " : "") + "INTO main." + s.table +
                            " (" + list + ") SELECT " + select + " FROM src." + s.table + " WHERE " + WhereOf(s);
    Status done = db.Exec(sql);
    if (!done.ok()) return done.WithContext("copying " + std::string(s.table));
    counts[s.table] = db.Changes();
  }
  PANIC_ASSIGN_OR_RETURN(Statement * fk, db.Prepare("PRAGMA main.foreign_key_check"));
  PANIC_ASSIGN_OR_RETURN(bool broken, fk->Step());
  if (broken) {
    std::string where = fk->Text(0) + " rowid " + fk->Text(1) + " → " + fk->Text(2);
    fk->Reset();
    return Status::Internal("the copy would break a reference (" + where + "); nothing was copied");
  }
  fk->Reset();
  return Status::Ok();
}

}  // namespace

Result<CopyCounts> CopyExperiments(Database& target, const std::string& source_path,
                                   const std::vector<std::string>& experiment_ids) {
  PANIC_RETURN_IF_ERROR(CheckSourceDatabase(source_path, "copy from it"));
  SqliteDb& db = target.connection();
  ReaderFiles source_files(source_path);  // outlives the ATTACH: removes the -wal/-shm it made
  {
    PANIC_ASSIGN_OR_RETURN(Statement * attach, db.Prepare("ATTACH DATABASE ? AS src"));
    attach->Bind(1, ReadOnlyUri(source_path));
    PANIC_RETURN_IF_ERROR(attach->Run().WithContext("opening the source database '" + source_path + "'"));
  }
  CopyCounts counts;
  Status copied = target.Write([&](SqliteDb& c) { return Copy(c, experiment_ids, counts); });
  Status detached = db.Exec("DETACH DATABASE src");
  PANIC_RETURN_IF_ERROR(copied);
  PANIC_RETURN_IF_ERROR(detached);
  return counts;
}

}  // namespace panic::store
