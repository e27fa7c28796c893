#include "panic/store/merge_databases.h"

#include <set>

#include "panic/store/database_file.h"
#include "panic/store/schema.h"
#include "panic/store/sqlite_db.h"
#include "panic/store/subset_copy.h"

namespace panic::store {

int64_t MergeReport::copied() const {
  int64_t n = 0;
  for (const auto& [table, c] : tables) n += c.copied;
  return n;
}
int64_t MergeReport::identical() const {
  int64_t n = 0;
  for (const auto& [table, c] : tables) n += c.identical;
  return n;
}

namespace {

// A table's key: its primary-key columns, or every column when it has none.
Result<std::vector<std::string>> KeyColumns(SqliteDb& db, const std::string& table) {
  PANIC_ASSIGN_OR_RETURN(Statement * q,
                         db.Prepare("SELECT name FROM pragma_table_info(?, 'main') WHERE pk > 0 ORDER BY pk"));
  q->Bind(1, table);
  std::vector<std::string> out;
  PANIC_RETURN_IF_ERROR(q->ForEachRow([&](const Statement& row) -> Status {
    out.push_back(row.Text(0));
    return Status::Ok();
  }));
  if (out.empty()) return Columns(db, table);
  return out;
}

// The column lists of the table's UNIQUE constraints other than the primary key.
Result<std::vector<std::vector<std::string>>> UniqueKeys(SqliteDb& db, const std::string& table) {
  PANIC_ASSIGN_OR_RETURN(Statement * idx, db.Prepare("SELECT name FROM pragma_index_list(?, 'main') "
                                                     "WHERE \"unique\" = 1 AND origin <> 'pk'"));
  idx->Bind(1, table);
  std::vector<std::string> names;
  PANIC_RETURN_IF_ERROR(idx->ForEachRow([&](const Statement& row) -> Status {
    names.push_back(row.Text(0));
    return Status::Ok();
  }));
  std::vector<std::vector<std::string>> out;
  for (const auto& name : names) {
    PANIC_ASSIGN_OR_RETURN(Statement * cols, db.Prepare("SELECT name FROM pragma_index_info(?, 'main') ORDER BY seqno"));
    cols->Bind(1, name);
    std::vector<std::string> key;
    PANIC_RETURN_IF_ERROR(cols->ForEachRow([&](const Statement& row) -> Status {
      key.push_back(row.Text(0));
      return Status::Ok();
    }));
    out.push_back(std::move(key));
  }
  return out;
}

// "s.a IS m.a AND s.b IS m.b" (IS: NULL equals NULL).
std::string Same(const std::vector<std::string>& cols) {
  std::string out;
  for (const auto& c : cols) out += (out.empty() ? "" : " AND ") + ("s." + c + " IS m." + c);
  return out;
}

// "s.a || '/' || s.b" for a readable key.
std::string KeyText(const std::vector<std::string>& cols) {
  std::string out;
  for (const auto& c : cols) out += (out.empty() ? "" : " || '/' || ") + ("quote(s." + c + ")");
  return out;
}

// Every table of the target must be one kMergedTables knows (or one merge deliberately
// leaves out), so a new migration's table is not silently dropped.
Status CheckTablesKnown(SqliteDb& db) {
  std::set<std::string> known(std::begin(kMergedTables), std::end(kMergedTables));
  known.insert({"schema_version", "writer_leases"});
  PANIC_ASSIGN_OR_RETURN(Statement * q, db.Prepare("SELECT name FROM main.sqlite_master WHERE type = 'table' "
                                                   "AND name NOT LIKE 'sqlite_%' ORDER BY name"));
  std::string unknown;
  PANIC_RETURN_IF_ERROR(q->ForEachRow([&](const Statement& row) -> Status {
    if (!known.count(row.Text(0))) unknown += (unknown.empty() ? "" : ", ") + row.Text(0);
    return Status::Ok();
  }));
  if (!unknown.empty()) return Status::Internal("db merge does not know the table(s) " + unknown);
  return Status::Ok();
}

struct TableShape {
  std::string name;
  std::vector<std::string> columns, key;
  std::vector<std::vector<std::string>> uniques;
};

// Up to `room` conflicts of one table, appended to `out`.
Status FindConflicts(SqliteDb& db, const TableShape& t, size_t room, std::vector<std::string>& out) {
  // Same key, other content: name the columns that differ.
  std::string differ;
  for (const auto& c : t.columns) {
    differ += (differ.empty() ? "" : " || ") + ("CASE WHEN s." + c + " IS m." + c + " THEN '' ELSE ' " + c + "' END");
  }
  std::string sql = "SELECT " + KeyText(t.key) + ", " + differ + " FROM src." + t.name + " s JOIN main." + t.name +
                    " m ON " + Same(t.key) + " WHERE NOT (" + Same(t.columns) + ") LIMIT " + std::to_string(room);
  PANIC_ASSIGN_OR_RETURN(Statement * q, db.Prepare(sql));
  PANIC_RETURN_IF_ERROR(q->ForEachRow([&](const Statement& row) -> Status {
    out.push_back(t.name + " " + row.Text(0) + ": differs in" + row.Text(1));
    return Status::Ok();
  }));
  // Another key, the same UNIQUE values as a row of the target.
  for (const auto& unique : t.uniques) {
    if (out.size() >= room) break;
    std::string cols;
    for (const auto& c : unique) cols += (cols.empty() ? "" : ", ") + c;
    sql = "SELECT " + KeyText(t.key) + ", " + KeyText(unique) + " FROM src." + t.name + " s JOIN main." + t.name +
          " m ON " + Same(unique) + " WHERE NOT (" + Same(t.key) + ") LIMIT " + std::to_string(room - out.size());
    PANIC_ASSIGN_OR_RETURN(Statement * u, db.Prepare(sql));
    PANIC_RETURN_IF_ERROR(u->ForEachRow([&](const Statement& row) -> Status {
      out.push_back(t.name + " " + row.Text(0) + ": (" + cols + ") = " + row.Text(1) +
                    " belongs to another row of the target");
      return Status::Ok();
    }));
  }
  return Status::Ok();
}

Status Merge(SqliteDb& db, MergeReport& report) {
  PANIC_RETURN_IF_ERROR(db.Exec("PRAGMA defer_foreign_keys = ON"));
  PANIC_RETURN_IF_ERROR(CheckTablesKnown(db));
  std::vector<TableShape> shapes;
  for (const char* name : kMergedTables) {
    TableShape t{name, {}, {}, {}};
    PANIC_ASSIGN_OR_RETURN(t.columns, Columns(db, name));
    PANIC_ASSIGN_OR_RETURN(t.key, KeyColumns(db, name));
    PANIC_ASSIGN_OR_RETURN(t.uniques, UniqueKeys(db, name));
    shapes.push_back(std::move(t));
  }
  // All conflicts are found before anything is written (they depend only on the target as
  // it was and the source).
  std::vector<std::string> conflicts;
  for (const auto& t : shapes) {
    if (conflicts.size() >= kMaxReportedConflicts) break;
    PANIC_RETURN_IF_ERROR(FindConflicts(db, t, kMaxReportedConflicts - conflicts.size(), conflicts));
  }
  if (!conflicts.empty()) {
    std::string msg = "the source conflicts with the target (same id, other content); nothing of it was merged:";
    for (const auto& c : conflicts) msg += "\n  " + c;
    if (conflicts.size() >= kMaxReportedConflicts) msg += "\n  (only the first " + std::to_string(kMaxReportedConflicts) + " shown)";
    return Status::AlreadyExists(msg);
  }
  for (const auto& t : shapes) {
    std::string list;
    for (const auto& c : t.columns) list += (list.empty() ? "" : ", ") + c;
    PANIC_ASSIGN_OR_RETURN(Statement * total, db.Prepare("SELECT count(*) FROM src." + t.name));
    PANIC_ASSIGN_OR_RETURN(int64_t in_source, total->ScalarInt());
    const std::string sql = "INSERT INTO main." + t.name + " (" + list + ") SELECT " + list + " FROM src." + t.name +
                            " s WHERE NOT EXISTS (SELECT 1 FROM main." + t.name + " m WHERE " + Same(t.key) + ")";
    Status done = db.Exec(sql);
    if (!done.ok()) return done.WithContext("merging " + t.name);
    MergeTableCount& count = report.tables[t.name];
    count.copied = db.Changes();
    count.identical = in_source - count.copied;
  }
  PANIC_ASSIGN_OR_RETURN(Statement * fk, db.Prepare("PRAGMA main.foreign_key_check"));
  PANIC_ASSIGN_OR_RETURN(bool broken, fk->Step());
  if (broken) {
    std::string where = fk->Text(0) + " rowid " + fk->Text(1) + " → " + fk->Text(2);
    fk->Reset();
    return Status::Internal("the merge would break a reference (" + where + "); nothing of the source was merged");
  }
  fk->Reset();
  return Status::Ok();
}

}  // namespace

Result<MergeReport> MergeDatabase(Database& target, const std::string& source_path) {
  PANIC_ASSIGN_OR_RETURN(DatabaseInspection source, InspectDatabase(source_path));
  if (source.origin != DatabaseOrigin::kOurs) {
    return Status::InvalidArgument("source database '" + source_path + "' is " + DescribeOrigin(source));
  }
  if (source.schema_version != LatestSchemaVersion()) {
    return Status::InvalidArgument("source database '" + source_path + "' has schema version " +
                                   std::to_string(source.schema_version) + "; merge it after migrating it to " +
                                   std::to_string(LatestSchemaVersion()) + " (any command that writes it does)");
  }
  SqliteDb& db = target.connection();
  {
    PANIC_ASSIGN_OR_RETURN(Statement * attach, db.Prepare("ATTACH DATABASE ? AS src"));
    attach->Bind(1, ReadOnlyUri(source_path));
    PANIC_RETURN_IF_ERROR(attach->Run().WithContext("opening the source database '" + source_path + "'"));
  }
  MergeReport report;
  Status merged = target.Write([&](SqliteDb& c) { return Merge(c, report); });
  Status detached = db.Exec("DETACH DATABASE src");
  PANIC_RETURN_IF_ERROR(merged.WithContext("merging '" + source_path + "'"));
  PANIC_RETURN_IF_ERROR(detached);
  return report;
}

}  // namespace panic::store
