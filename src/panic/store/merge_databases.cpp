#include "panic/store/merge_databases.h"

#include <algorithm>
#include <set>

#include "panic/store/merge_renames.h"
#include "panic/store/reader_files.h"
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
  std::vector<std::string> id_columns;  // its `id` and every foreign key to an `id`
  merge::OwnerSql owner;
};

// The columns that hold ids: the table's own `id` and every foreign key to another `id`.
Result<std::vector<std::string>> IdColumns(SqliteDb& db, const TableShape& t) {
  std::vector<std::string> out;
  for (const auto& c : t.columns) {
    if (c == "id") out.push_back(c);
  }
  PANIC_ASSIGN_OR_RETURN(Statement * q,
                         db.Prepare("SELECT DISTINCT \"from\" FROM pragma_foreign_key_list(?, 'main') WHERE \"to\" = 'id'"));
  q->Bind(1, t.name);
  PANIC_RETURN_IF_ERROR(q->ForEachRow([&](const Statement& row) -> Status {
    out.push_back(row.Text(0));
    return Status::Ok();
  }));
  return out;
}

// Where a table's source rows are read from: the attached file itself, or (when renaming)
// temp.merge_src_<table>, a view of it with every renamed id replaced by its new one and
// two more columns, _owner_table and _owner: the unit that owns the row, in source ids.
std::string SourceOf(const TableShape& t, bool renaming) {
  return renaming ? "temp.merge_src_" + t.name : "src." + t.name;
}

Status CreateSourceView(SqliteDb& db, const TableShape& t, bool map_ids) {
  std::string select;
  for (const auto& c : t.columns) {
    const bool is_id = std::find(t.id_columns.begin(), t.id_columns.end(), c) != t.id_columns.end();
    const std::string value = map_ids && is_id ? "coalesce((SELECT r.new FROM " + std::string(merge::kRenameMap) +
                                                     " r WHERE r.old = s." + c + "), s." + c + ")"
                                               : "s." + c;
    select += value + " AS " + c + ", ";
  }
  const std::string owner_table = t.owner.unit_table ? "'" + std::string(t.owner.unit_table) + "'" : "NULL";
  return db.Exec("DROP VIEW IF EXISTS temp.merge_src_" + t.name + "; CREATE TEMP VIEW merge_src_" + t.name +
                 " AS SELECT " + select + owner_table + " AS _owner_table, " + t.owner.id_sql +
                 " AS _owner FROM src." + t.name + " s");
}

Status DropSourceViews(SqliteDb& db) {
  std::string sql = "DROP TABLE IF EXISTS temp.merge_rename_map;";
  for (const char* name : kMergedTables) sql += std::string(" DROP VIEW IF EXISTS temp.merge_src_") + name + ";";
  return db.Exec(sql);
}

// One way a source row conflicts with the target: `from_where` joins the source rows `s`
// with the target's `m`; `text` describes each conflicting row (SQL text expression).
struct ConflictQuery {
  std::string from_where, text;
};

std::vector<ConflictQuery> ConflictQueries(const TableShape& t, const std::string& source) {
  std::vector<ConflictQuery> out;
  // Same key, other content: name the columns that differ.
  std::string differ;
  for (const auto& c : t.columns) {
    differ += (differ.empty() ? "" : " || ") + ("CASE WHEN s." + c + " IS m." + c + " THEN '' ELSE ' " + c + "' END");
  }
  out.push_back({"FROM " + source + " s JOIN main." + t.name + " m ON " + Same(t.key) + " WHERE NOT (" +
                     Same(t.columns) + ")",
                 "'" + t.name + " ' || " + KeyText(t.key) + " || ': differs in' || " + differ});
  // Another key, the same UNIQUE values as a row of the target.
  for (const auto& unique : t.uniques) {
    std::string cols;
    for (const auto& c : unique) cols += (cols.empty() ? "" : ", ") + c;
    out.push_back({"FROM " + source + " s JOIN main." + t.name + " m ON " + Same(unique) + " WHERE NOT (" +
                       Same(t.key) + ")",
                   "'" + t.name + " ' || " + KeyText(t.key) + " || ': (" + cols + ") = ' || " + KeyText(unique) +
                       " || ' belongs to another row of the target'"});
  }
  return out;
}

// Up to `room` conflicts of one table, appended to `out`.
Status FindConflicts(SqliteDb& db, const TableShape& t, const std::string& source, size_t room,
                     std::vector<std::string>& out) {
  for (const auto& q : ConflictQueries(t, source)) {
    if (out.size() >= room) break;
    PANIC_ASSIGN_OR_RETURN(Statement * s, db.Prepare("SELECT " + q.text + " " + q.from_where + " LIMIT " +
                                                      std::to_string(room - out.size())));
    PANIC_RETURN_IF_ERROR(s->ForEachRow([&](const Statement& row) -> Status {
      out.push_back(row.Text(0));
      return Status::Ok();
    }));
  }
  return Status::Ok();
}

Status Refuse(const std::vector<std::string>& conflicts, const std::string& why) {
  std::string msg = why;
  for (const auto& c : conflicts) msg += "\n  " + c;
  if (conflicts.size() >= kMaxReportedConflicts) msg += "\n  (only the first " + std::to_string(kMaxReportedConflicts) + " shown)";
  return Status::AlreadyExists(msg);
}

// Every unit of the source with a conflicting row (→ its first conflict), and up to
// kMaxReportedConflicts conflicts of rows no unit owns. REQUIRES: the source views.
Status ConflictingUnits(SqliteDb& db, const std::vector<TableShape>& shapes,
                        std::map<merge::RenamePlan::Key, std::string>& units, std::vector<std::string>& unowned) {
  for (const auto& t : shapes) {
    const std::string source = SourceOf(t, true);
    if (!t.owner.unit_table) {
      PANIC_RETURN_IF_ERROR(FindConflicts(db, t, source, kMaxReportedConflicts, unowned));
      continue;
    }
    for (const auto& q : ConflictQueries(t, source)) {
      PANIC_ASSIGN_OR_RETURN(Statement * s, db.Prepare("SELECT s._owner, min(" + q.text + ") " + q.from_where +
                                                        " GROUP BY s._owner"));
      PANIC_RETURN_IF_ERROR(s->ForEachRow([&](const Statement& row) -> Status {
        units.try_emplace({t.owner.unit_table, row.Text(0)}, row.Text(1));
        return Status::Ok();
      }));
    }
  }
  return Status::Ok();
}

// Renames the conflicting units of the source until none conflicts (a unit whose new ids
// conflict moves on to its next salt), leaving the source views reading the renamed rows.
Result<std::vector<MergeRename>> PlanRenames(SqliteDb& db, const std::vector<TableShape>& shapes) {
  merge::RenamePlan plan;
  for (const auto& t : shapes) PANIC_RETURN_IF_ERROR(CreateSourceView(db, t, false));
  // Each round charges every conflict to its unit once; a unit's salt only grows, so this
  // ends (RenamePlan::kMaxSalt bounds it).
  while (true) {
    std::map<merge::RenamePlan::Key, std::string> units;
    std::vector<std::string> unowned;
    PANIC_RETURN_IF_ERROR(ConflictingUnits(db, shapes, units, unowned));
    if (!unowned.empty()) {
      return Refuse(unowned, "the source conflicts with the target in rows that have no id to rename (legacy "
                             "import records); nothing of it was merged:");
    }
    if (units.empty()) break;
    for (const auto& [key, reason] : units) PANIC_RETURN_IF_ERROR(plan.AddConflict(key, reason));
    PANIC_RETURN_IF_ERROR(plan.BuildMap(db));
    for (const auto& t : shapes) PANIC_RETURN_IF_ERROR(CreateSourceView(db, t, true));
  }
  return plan.Report(db);
}

Status Merge(SqliteDb& db, const MergeOptions& options, MergeReport& report) {
  PANIC_RETURN_IF_ERROR(db.Exec("PRAGMA defer_foreign_keys = ON"));
  PANIC_RETURN_IF_ERROR(CheckTablesKnown(db));
  std::vector<TableShape> shapes;
  for (const char* name : kMergedTables) {
    TableShape t{name, {}, {}, {}, {}, {}};
    PANIC_ASSIGN_OR_RETURN(t.columns, Columns(db, name));
    PANIC_ASSIGN_OR_RETURN(t.key, KeyColumns(db, name));
    PANIC_ASSIGN_OR_RETURN(t.uniques, UniqueKeys(db, name));
    PANIC_ASSIGN_OR_RETURN(t.id_columns, IdColumns(db, t));
    PANIC_ASSIGN_OR_RETURN(t.owner, merge::OwnerOf(name));
    shapes.push_back(std::move(t));
  }
  // All conflicts are found before anything is written (they depend only on the target as
  // it was and the source).
  const bool renaming = options.rename_conflicts;
  if (renaming) {
    PANIC_ASSIGN_OR_RETURN(report.renamed, PlanRenames(db, shapes));
  } else {
    std::vector<std::string> conflicts;
    for (const auto& t : shapes) {
      if (conflicts.size() >= kMaxReportedConflicts) break;
      PANIC_RETURN_IF_ERROR(FindConflicts(db, t, SourceOf(t, false), kMaxReportedConflicts, conflicts));
    }
    if (!conflicts.empty()) {
      return Refuse(conflicts, "the source conflicts with the target (same id, other content); nothing of it was "
                               "merged (--rename-conflicts copies the conflicting experiments under new ids):");
    }
  }
  for (const auto& t : shapes) {
    std::string list;
    for (const auto& c : t.columns) list += (list.empty() ? "" : ", ") + c;
    const std::string source = SourceOf(t, renaming);
    PANIC_ASSIGN_OR_RETURN(Statement * total, db.Prepare("SELECT count(*) FROM src." + t.name));
    PANIC_ASSIGN_OR_RETURN(int64_t in_source, total->ScalarInt());
    const std::string sql = "INSERT INTO main." + t.name + " (" + list + ") SELECT " + list + " FROM " + source +
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

Status CheckMergeSource(const std::string& source_path) { return CheckSourceDatabase(source_path, "merge it"); }

Result<MergeReport> MergeDatabase(Database& target, const std::string& source_path, const MergeOptions& options) {
  PANIC_RETURN_IF_ERROR(CheckMergeSource(source_path));
  SqliteDb& db = target.connection();
  ReaderFiles source_files(source_path);  // outlives the ATTACH: removes the -wal/-shm it made
  {
    PANIC_ASSIGN_OR_RETURN(Statement * attach, db.Prepare("ATTACH DATABASE ? AS src"));
    attach->Bind(1, ReadOnlyUri(source_path));
    PANIC_RETURN_IF_ERROR(attach->Run().WithContext("opening the source database '" + source_path + "'"));
  }
  MergeReport report;
  Status merged = target.Write([&](SqliteDb& c) { return Merge(c, options, report); });
  Status dropped = DropSourceViews(db);  // temp objects of this connection: after the transaction
  Status detached = db.Exec("DETACH DATABASE src");
  PANIC_RETURN_IF_ERROR(merged.WithContext("merging '" + source_path + "'"));
  PANIC_RETURN_IF_ERROR(dropped);
  PANIC_RETURN_IF_ERROR(detached);
  return report;
}

}  // namespace panic::store
