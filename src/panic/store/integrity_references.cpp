// The doctor's reference checks: SQLite's foreign_key_check (answered from the indexes),
// rows whose parent is missing (imported files had no enforced foreign keys), and their
// repair, DeleteOrphans.
#include <algorithm>

#include "panic/store/integrity_check_defs.h"
#include "panic/store/sqlite_db.h"

namespace panic::store::integrity {
namespace {

std::string QuoteId(const std::string& name) {
  std::string out = "\"";
  for (char c : name) out += c == '"' ? std::string("\"\"") : std::string(1, c);
  return out + "\"";
}

// One row per violation, as PRAGMA foreign_key_check words it.
std::string ForeignKeyExample(const std::string& table, const std::string& rowid, const std::string& parent) {
  return table + " rowid " + rowid + " refers to a missing row of " + parent;
}

}  // namespace

const std::vector<CheckDef>& ReferenceChecks() {
  static const std::vector<CheckDef> kChecks = {
      {"foreign_key_check", "SQLite PRAGMA foreign_key_check: rows referring to a missing row", true, true, "", ""},
      {"orphan_runs", "runs whose experiment is missing", true, true,
       "SELECT count(*) FROM runs WHERE experiment_id NOT IN (SELECT id FROM experiments)",
       "SELECT id || ' (experiment ' || experiment_id || ')' FROM runs WHERE experiment_id NOT IN (SELECT id FROM "
       "experiments) LIMIT ?2"},
      {"orphan_invocations", "invocations whose run is missing", true, true,
       "SELECT count(*) FROM invocations WHERE run_id NOT IN (SELECT id FROM runs)",
       "SELECT id || ' (run ' || run_id || ')' FROM invocations WHERE run_id NOT IN (SELECT id FROM runs) LIMIT ?2"},
      {"orphan_embeddings", "embeddings whose invocation is missing", true, true,
       "SELECT count(*) FROM embeddings WHERE invocation_id NOT IN (SELECT id FROM invocations)",
       "SELECT id || ' (invocation ' || invocation_id || ')' FROM embeddings WHERE invocation_id NOT IN (SELECT id "
       "FROM invocations) LIMIT ?2"},
      {"orphan_diagrams", "persistence diagrams whose run is missing", true, true,
       "SELECT count(*) FROM persistence_diagrams WHERE run_id NOT IN (SELECT id FROM runs)",
       "SELECT id || ' (run ' || run_id || ')' FROM persistence_diagrams WHERE run_id NOT IN (SELECT id FROM runs) "
       "LIMIT ?2"},
      {"orphan_clustering_results", "clustering results whose experiment is missing", true, true,
       "SELECT count(*) FROM clustering_results WHERE experiment_id IS NOT NULL AND experiment_id NOT IN (SELECT id "
       "FROM experiments)",
       "SELECT id || ' (experiment ' || experiment_id || ')' FROM clustering_results WHERE experiment_id IS NOT "
       "NULL AND experiment_id NOT IN (SELECT id FROM experiments) LIMIT ?2"},
      {"orphan_cluster_assignments", "cluster assignments whose clustering result is missing", true, true,
       "SELECT count(*) FROM embedding_clusters WHERE clustering_result_id NOT IN (SELECT id FROM clustering_results)",
       "SELECT id || ' (clustering result ' || clustering_result_id || ')' FROM embedding_clusters WHERE "
       "clustering_result_id NOT IN (SELECT id FROM clustering_results) LIMIT ?2"},
      {"cluster_assignment_missing_embedding", "cluster assignments that point at a missing embedding (or medoid)",
       true, true,
       "SELECT count(*) FROM embedding_clusters WHERE embedding_id NOT IN (SELECT id FROM embeddings) OR "
       "(medoid_embedding_id IS NOT NULL AND medoid_embedding_id NOT IN (SELECT id FROM embeddings))",
       "SELECT id || ' (embedding ' || embedding_id || ', medoid ' || coalesce(medoid_embedding_id, 'none') || ')' "
       "FROM embedding_clusters WHERE embedding_id NOT IN (SELECT id FROM embeddings) OR (medoid_embedding_id IS NOT "
       "NULL AND medoid_embedding_id NOT IN (SELECT id FROM embeddings)) LIMIT ?2"},
  };
  return kChecks;
}

// What PRAGMA foreign_key_check finds, without reading every row of the big tables: the
// PRAGMA walks each child table row by row, which for `embeddings` is a read of every vector
// (3 KB a row). A single-column key of a rowid table is instead checked by an anti-join on
// its column, which SQLite answers from the index every foreign-key column has (migration 2;
// the UNIQUE keys lead with it) without touching the rows. Keys of another shape (compound,
// naming no parent column, a missing parent table) and WITHOUT ROWID tables go through the
// PRAGMA for their table. Only main's tables are read (the read-compatibility views of an
// older schema live in temp).
Status RunForeignKeyCheck(SqliteDb& db, Finding* f) {
  struct Key {
    std::string table, from, parent, to;
  };
  std::vector<Key> keys;
  std::vector<std::string> pragma_tables;
  PANIC_ASSIGN_OR_RETURN(Statement * tables, db.Prepare("SELECT name, wr FROM pragma_table_list WHERE schema = 'main' "
                                                        "AND type = 'table' AND name NOT LIKE 'sqlite\\_%' ESCAPE "
                                                        "'\\' ORDER BY name"));
  PANIC_ASSIGN_OR_RETURN(Statement * fks, db.Prepare("SELECT id, count(*), min(\"table\"), min(\"from\"), min(\"to\") "
                                                     "FROM pragma_foreign_key_list(?1, 'main') GROUP BY id ORDER BY id"));
  std::vector<std::pair<std::string, bool>> names;
  PANIC_RETURN_IF_ERROR(tables->ForEachRow([&](const Statement& row) {
    names.emplace_back(row.Text(0), row.Int(1) != 0);
    return Status::Ok();
  }));
  for (const auto& [table, without_rowid] : names) {
    bool via_pragma = without_rowid;
    std::vector<Key> table_keys;
    fks->Bind(1, table);
    PANIC_RETURN_IF_ERROR(fks->ForEachRow([&](const Statement& row) {
      const std::string parent = row.Text(2);
      const bool parent_exists =
          std::any_of(names.begin(), names.end(), [&](const auto& n) { return n.first == parent; });
      if (row.Int(1) != 1 || row.IsNull(4) || !parent_exists) via_pragma = true;
      table_keys.push_back(Key{table, row.Text(3), row.Text(2), row.Text(4)});
      return Status::Ok();
    }));
    if (table_keys.empty()) continue;
    if (via_pragma) {
      pragma_tables.push_back(table);
    } else {
      keys.insert(keys.end(), table_keys.begin(), table_keys.end());
    }
  }
  for (const Key& k : keys) {
    PANIC_ASSIGN_OR_RETURN(Statement * q, db.Prepare("SELECT c.rowid FROM main." + QuoteId(k.table) + " c WHERE c." +
                                                     QuoteId(k.from) + " IS NOT NULL AND NOT EXISTS (SELECT 1 FROM main." +
                                                     QuoteId(k.parent) + " p WHERE p." + QuoteId(k.to) + " = c." +
                                                     QuoteId(k.from) + ")"));
    PANIC_RETURN_IF_ERROR(q->ForEachRow([&](const Statement& row) {
      AddExample(f, ForeignKeyExample(k.table, row.Text(0), k.parent));
      return Status::Ok();
    }));
  }
  for (const std::string& table : pragma_tables) {
    PANIC_ASSIGN_OR_RETURN(Statement * q, db.Prepare("PRAGMA main.foreign_key_check(" + QuoteId(table) + ")"));
    PANIC_RETURN_IF_ERROR(q->ForEachRow([&](const Statement& row) {
      AddExample(f, ForeignKeyExample(row.Text(0), row.IsNull(1) ? "(none)" : row.Text(1), row.Text(2)));
      return Status::Ok();
    }));
  }
  return Status::Ok();
}

Result<int64_t> DeleteOrphans(SqliteDb& db) {
  // Parents first: each statement also removes what the previous ones orphaned (the
  // foreign keys' cascades remove the rest of a deleted row's subtree).
  static const char* kDeletes[] = {
      "DELETE FROM runs WHERE experiment_id NOT IN (SELECT id FROM experiments)",
      "DELETE FROM invocations WHERE run_id NOT IN (SELECT id FROM runs)",
      "DELETE FROM embeddings WHERE invocation_id NOT IN (SELECT id FROM invocations)",
      "DELETE FROM persistence_diagrams WHERE run_id NOT IN (SELECT id FROM runs)",
      "DELETE FROM clustering_results WHERE experiment_id IS NOT NULL AND experiment_id NOT IN (SELECT id FROM "
      "experiments)",
      "DELETE FROM embedding_clusters WHERE clustering_result_id NOT IN (SELECT id FROM clustering_results) OR "
      "embedding_id NOT IN (SELECT id FROM embeddings) OR (medoid_embedding_id IS NOT NULL AND medoid_embedding_id "
      "NOT IN (SELECT id FROM embeddings))",
      "DELETE FROM writer_leases WHERE experiment_id NOT IN (SELECT id FROM experiments)",
      // A result whose scope names a missing experiment goes, as deleting that experiment
      // would have removed it (store/experiments_table.h); then rows without their result.
      "DELETE FROM clustering_results WHERE id IN (SELECT clustering_result_id FROM clustering_result_experiments "
      "WHERE experiment_id NOT IN (SELECT id FROM experiments))",
      "DELETE FROM clustering_result_experiments WHERE " SNAPSHOT_ORPHANS_WHERE,
      "DELETE FROM cluster_summaries WHERE " SNAPSHOT_ORPHANS_WHERE,
  };
  int64_t total = 0;
  for (const char* sql : kDeletes) {
    PANIC_ASSIGN_OR_RETURN(int64_t n, ExecCounting(db, sql, ""));
    total += n;
  }
  return total;
}

}  // namespace panic::store::integrity
