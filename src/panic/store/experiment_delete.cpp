#include "panic/store/experiment_delete.h"

#include <algorithm>
#include <map>
#include <optional>
#include <set>
#include <vector>

#include "panic/store/database.h"
#include "panic/store/experiments_table.h"
#include "panic/store/sqlite_db.h"
#include "panic/store/writer_lease.h"

namespace panic::store {
namespace {

// One single-column foreign key of the schema: child.column REFERENCES parent(parent_column).
struct ForeignKey {
  std::string child, column, parent, parent_column, on_delete;
  bool operator==(const ForeignKey&) const = default;
};

std::string Quoted(const std::string& name) {
  std::string q = "\"";
  for (char ch : name) q += ch == '"' ? std::string("\"\"") : std::string(1, ch);
  return q + "\"";
}

// Every foreign key of the schema, or nullopt when one has a shape the explicit cascade
// below does not handle (several columns, an implicit parent column, SET DEFAULT), or a
// trigger: then SQLite's own foreign-key actions delete.
Result<std::optional<std::vector<ForeignKey>>> ReadForeignKeys(SqliteDb& c) {
  PANIC_ASSIGN_OR_RETURN(Statement * q, c.Prepare(
      "SELECT m.name, f.seq, f.\"from\", f.\"table\", f.\"to\", upper(f.on_delete) "
      "FROM sqlite_master m, pragma_foreign_key_list(m.name) f WHERE m.type = 'table' ORDER BY m.name, f.id, f.seq"));
  std::vector<ForeignKey> keys;
  bool handled = true;
  PANIC_RETURN_IF_ERROR(q->ForEachRow([&](const Statement& row) {
    const std::string on_delete = row.Text(5);
    if (row.Int(1) != 0 || row.IsNull(4) || on_delete == "SET DEFAULT") handled = false;
    keys.push_back({row.Text(0), row.Text(2), row.Text(3), row.IsNull(4) ? "" : row.Text(4), on_delete});
    return Status::Ok();
  }));
  PANIC_ASSIGN_OR_RETURN(Statement * triggers, c.Prepare("SELECT count(*) FROM sqlite_master WHERE type = 'trigger'"));
  PANIC_ASSIGN_OR_RETURN(int64_t trigger_count, triggers->ScalarInt());
  if (!handled || trigger_count > 0) return std::optional<std::vector<ForeignKey>>();
  return std::optional<std::vector<ForeignKey>>(std::move(keys));
}

// Rows deleted with an experiment beyond its foreign keys' cascades: every clustering result
// whose scope includes the experiment, also one spanning several (it would no longer be the
// snapshot it claims), found through clustering_result_experiments (migration 4). Applied
// when `scope_table` exists; ?1 is the experiment id.
struct AlsoDeleted {
  const char* table;
  const char* scope_table;
  const char* condition;
};
constexpr AlsoDeleted kAlsoDeleted[] = {
    {"clustering_results", "clustering_result_experiments",
     "id IN (SELECT clustering_result_id FROM clustering_result_experiments WHERE experiment_id = ?1)"},
};

// The tables a delete of one experiment reaches through ON DELETE CASCADE, parents before
// children (each table after every cascading parent), or nullopt when the cascade graph has
// a cycle or a table is referenced through two different columns.
std::optional<std::vector<std::string>> CascadeOrder(const std::vector<ForeignKey>& keys) {
  std::set<std::string> reached = {"experiments"};
  for (bool grew = true; grew;) {
    grew = false;
    for (const auto& k : keys) {
      if (k.on_delete == "CASCADE" && reached.count(k.parent) && reached.insert(k.child).second) grew = true;
    }
  }
  std::map<std::string, std::string> referenced_column;
  for (const auto& k : keys) {
    if (!reached.count(k.parent)) continue;
    auto [it, fresh] = referenced_column.emplace(k.parent, k.parent_column);
    if (!fresh && it->second != k.parent_column) return std::nullopt;
  }
  std::vector<std::string> order;
  std::set<std::string> placed;
  while (order.size() < reached.size()) {
    bool progress = false;
    for (const auto& table : reached) {
      if (placed.count(table)) continue;
      bool ready = std::none_of(keys.begin(), keys.end(), [&](const ForeignKey& k) {
        return k.on_delete == "CASCADE" && k.child == table && reached.count(k.parent) && !placed.count(k.parent);
      });
      if (ready) {
        order.push_back(table);
        placed.insert(table);
        progress = true;
      }
    }
    if (!progress) return std::nullopt;  // a cycle of cascades
  }
  return order;
}

// The explicit cascade, with foreign keys off (REQUIRES: PRAGMA foreign_keys=OFF, an open
// write transaction). SQLite's own actions run a trigger sub-program per deleted parent row
// (an ephemeral table each); here each step is one set-based statement over an index:
//   1. table by table, parents first (`order`), one DELETE per cascading foreign key deletes
//      the rows whose parent was deleted (and kAlsoDeleted's rows). When some table refers to this one and is not
//      empty, the DELETE returns the deleted keys (RETURNING) into a temp table, so each row
//      is read once, when it is deleted; its children are found through that temp table
//      and the index on their foreign-key column;
//   2. then rows that still refer to a deleted row: SET NULL ones are set NULL; a NO ACTION
//      or RESTRICT one fails the delete (rolled back whole), as SQLite's check would.
// What stays is exactly what SQLite's cascade would leave (DeleteTest compares the two), so
// every foreign key still holds.
Status ExplicitCascade(SqliteDb& c, const std::string& id, const std::vector<ForeignKey>& keys,
                       const std::vector<std::string>& order) {
  std::map<std::string, std::string> key_column;  // table → the column its children refer to
  for (const auto& k : keys) key_column[k.parent] = k.parent_column;
  std::map<std::string, std::string> deleted;  // table → the temp table of its deleted keys
  auto deleted_keys = [&](const std::string& table) { return "(SELECT key FROM " + deleted.at(table) + ")"; };
  std::string drop;
  for (size_t i = 0; i < order.size(); ++i) {
    const std::string& table = order[i];
    // Keys are kept only when a non-empty table refers to this one: else no row can need them.
    bool keep_keys = false;
    for (const auto& k : keys) {
      if (k.parent != table || keep_keys) continue;
      PANIC_ASSIGN_OR_RETURN(Statement * any, c.Prepare("SELECT EXISTS (SELECT 1 FROM " + Quoted(k.child) + ")"));
      PANIC_ASSIGN_OR_RETURN(int64_t rows, any->ScalarInt());
      keep_keys = rows != 0;
    }
    Statement* keep = nullptr;
    if (keep_keys) {
      const std::string name = "panic_deleted_" + std::to_string(i);
      deleted[table] = "temp." + name;
      PANIC_RETURN_IF_ERROR(c.Exec("DROP TABLE IF EXISTS temp." + name + "; CREATE TEMP TABLE " + name +
                                   " (key PRIMARY KEY)"));
      drop += "DROP TABLE temp." + name + ";";
      PANIC_ASSIGN_OR_RETURN(keep, c.Prepare("INSERT OR IGNORE INTO temp." + name + " VALUES (?1)"));
    }
    std::vector<std::string> conditions;
    if (table == "experiments") conditions.push_back("id = ?1");
    for (const auto& also : kAlsoDeleted) {
      if (table != also.table) continue;
      PANIC_ASSIGN_OR_RETURN(Statement * exists, c.Prepare("SELECT count(*) FROM sqlite_master WHERE type = 'table' "
                                                           "AND name = ?1"));
      exists->Bind(1, also.scope_table);
      PANIC_ASSIGN_OR_RETURN(int64_t found, exists->ScalarInt());
      if (found) conditions.push_back(also.condition);
    }
    for (const auto& k : keys) {
      if (k.child == table && k.on_delete == "CASCADE" && k.parent != table && deleted.count(k.parent)) {
        conditions.push_back(Quoted(k.column) + " IN " + deleted_keys(k.parent));
      }
    }
    for (const auto& condition : conditions) {
      const std::string sql = "DELETE FROM " + Quoted(table) + " WHERE " + condition +
                              (keep ? " RETURNING " + Quoted(key_column.at(table)) : "");
      PANIC_ASSIGN_OR_RETURN(Statement * del, c.Prepare(sql));
      if (sql.find("?1") != std::string::npos) del->Bind(1, id);
      if (!keep) {
        PANIC_RETURN_IF_ERROR(del->Run());
        continue;
      }
      PANIC_RETURN_IF_ERROR(del->ForEachRow([&](const Statement& row) {
        keep->BindColumn(1, row, 0);
        return keep->Run();
      }));
    }
  }
  for (const auto& k : keys) {
    if (k.on_delete == "CASCADE" || !deleted.count(k.parent)) continue;
    const std::string referring =
        " FROM " + Quoted(k.child) + " WHERE " + Quoted(k.column) + " IN " + deleted_keys(k.parent);
    if (k.on_delete == "SET NULL") {
      PANIC_RETURN_IF_ERROR(c.Exec("UPDATE " + Quoted(k.child) + " SET " + Quoted(k.column) + " = NULL WHERE " +
                                   Quoted(k.column) + " IN " + deleted_keys(k.parent)));
      continue;
    }
    PANIC_ASSIGN_OR_RETURN(Statement * blocking, c.Prepare("SELECT " + Quoted(k.column) + referring + " LIMIT 1"));
    PANIC_ASSIGN_OR_RETURN(bool found, blocking->Step());
    if (found) {
      const std::string key = blocking->Text(0);
      blocking->Reset();
      return Status::IOError("experiment '" + id + "' was not deleted: a row of table " + k.child +
                             " outside it refers through " + k.column + " to its " + k.parent + " row " + key);
    }
    blocking->Reset();
  }
  return drop.empty() ? Status::Ok() : c.Exec(drop);
}

}  // namespace

Result<bool> DeletesByExplicitCascade(Database& db) {
  PANIC_ASSIGN_OR_RETURN(auto keys, ReadForeignKeys(db.connection()));
  return keys && CascadeOrder(*keys).has_value();
}

Status DeleteExperiment(Database& db, const std::string& id) {
  SqliteDb& c = db.connection();
  // A large delete touches every page the experiment owns, several times (table and
  // indexes): a 256 MB page cache for it instead of SQLite's 2 MB default, and temporary
  // id sets in memory. Debian's SQLite is built with SECURE_DELETE, which zero-fills every
  // freed page and so writes the whole experiment through the WAL and again at checkpoint;
  // FAST still zeroes freed cells inside pages that are written anyway, but leaves whole freed
  // pages on the freelist as they are (reused by later writes; `VACUUM` reclaims them).
  int64_t secure_delete = 0;  // this build's default, restored afterwards
  {
    PANIC_ASSIGN_OR_RETURN(Statement * q, c.Prepare("PRAGMA secure_delete"));
    PANIC_RETURN_IF_ERROR(q->ForEachRow([&](const Statement& row) {
      secure_delete = row.Int(0);
      return Status::Ok();
    }));
  }
  PANIC_ASSIGN_OR_RETURN(auto keys, ReadForeignKeys(c));
  std::optional<std::vector<std::string>> order;
  if (keys) order = CascadeOrder(*keys);
  const bool explicit_cascade = order.has_value();
  // PRAGMA foreign_keys is a no-op inside a transaction, so it is switched around it.
  std::string pragmas = "PRAGMA cache_size = -262144; PRAGMA temp_store = MEMORY; PRAGMA secure_delete = OFF";
  if (explicit_cascade) pragmas += "; PRAGMA foreign_keys = OFF";
  PANIC_RETURN_IF_ERROR(c.Exec(pragmas));
  Status deleted = db.Write([&](SqliteDb& w) -> Status {
    if (!explicit_cascade) return experiments::Delete(w, id);
    // Under the write lock: the schema planned for is the schema deleted from.
    PANIC_ASSIGN_OR_RETURN(auto now, ReadForeignKeys(w));
    if (now != keys) return Status::IOError("experiment '" + id + "' was not deleted: the schema changed meanwhile");
    PANIC_ASSIGN_OR_RETURN(auto writer, LiveWriter(w, id));
    if (writer) return HeldBy(*writer).WithContext("not deleted");
    PANIC_ASSIGN_OR_RETURN(Statement * exists, w.Prepare("SELECT count(*) FROM experiments WHERE id = ?1"));
    exists->Bind(1, id);
    PANIC_ASSIGN_OR_RETURN(int64_t found, exists->ScalarInt());
    if (found == 0) return Status::NotFound("no experiment with id '" + id + "'");
    return ExplicitCascade(w, id, *keys, *order);
  });
  (void)c.Exec("PRAGMA foreign_keys = ON; PRAGMA cache_size = -2000; PRAGMA temp_store = DEFAULT; "
               "PRAGMA secure_delete = " + std::to_string(secure_delete));
  return deleted;
}

}  // namespace panic::store
