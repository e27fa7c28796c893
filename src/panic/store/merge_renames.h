// `db merge --rename-conflicts`: which rows of a source are copied under new ids, and which.
//
// Units. A row that conflicts with the target is charged to the unit that owns it (OwnerOf):
// an experiment (its row, runs, invocations, embeddings, persistence diagrams, prompt
// embeddings, Lyapunov results and legacy_import_experiments row) or a clustering result
// (its row, labels, summaries and scope rows). The whole unit is renamed: every id of it
// gets a new one and every column that refers to one of those ids (a foreign key to an
// `id`) is rewritten, so the copy is the source's rows, row for row, modulo ids. A
// clustering result whose scope, labels or medoids refer to a renamed experiment is renamed
// with it (its copy then refers to the renamed experiment; the target's original keeps
// referring to the target's). The legacy import records (legacy_imports,
// legacy_import_skips) are keyed by the source file's path, not by an id: they have no
// owner, and a conflict there still refuses the source.
//
// New ids (RenamedId) are a function of the old id and a salt, not random: the first 64
// bits of the old UUID (its time and counter, so sorting ids still sorts by creation) and
// 62 bits of SHA-256(old id, salt) with the v7/RFC variant bits. Merging the same source
// again makes the same ids, whose rows the target then holds identically, so nothing is
// copied twice (the ordinary "already present" rule; no record of the merge is needed). A
// second, different source that conflicts the same way finds salt 1's ids taken by the
// first copy with other content, so its unit moves on to salt 2, 3, …: one copy per
// distinct version of the experiment.
#pragma once

#include <map>
#include <string>
#include <utility>
#include <vector>

#include "panic/core/status.h"
#include "panic/store/merge_databases.h"
#include "panic/store/sqlite_db.h"

namespace panic::store::merge {

// The owner of a table's rows, as SQL over the source row aliased `s` (source ids).
struct OwnerSql {
  const char* unit_table;  // "experiments", "clustering_results", or nullptr: cannot be renamed
  const char* id_sql;      // the owning unit's id; "NULL" when unit_table is nullptr
};
// Internal for a table of kMergedTables this file does not classify.
Result<OwnerSql> OwnerOf(const std::string& table);

// The renamed id of `old_id` under `salt` (≥ 1); see above.
std::string RenamedId(const std::string& old_id, int salt);

// temp.merge_rename_map (old TEXT PRIMARY KEY, new TEXT): every renamed id of the source.
inline constexpr const char* kRenameMap = "temp.merge_rename_map";

class RenamePlan {
 public:
  using Key = std::pair<std::string, std::string>;  // (unit table, source id)

  // A conflict charged to `unit`: a unit not yet renamed gets salt 1 and `reason`; a unit
  // already renamed conflicts under its current ids and moves on to the next salt.
  // Internal after kMaxSalt salts.
  Status AddConflict(const Key& unit, const std::string& reason);
  bool empty() const { return units_.empty(); }

  // Refills kRenameMap: each experiment's ids, then the clustering results that refer to a
  // renamed experiment (added with salt 1), then each clustering result's ids.
  // REQUIRES: the source attached as `src`, in the caller's write transaction.
  Status BuildMap(SqliteDb& db);

  // The renamed units, experiments first; `already_present` looked up in the target, so
  // call this before copying.
  Result<std::vector<MergeRename>> Report(SqliteDb& db) const;

  static constexpr int kMaxSalt = 64;

 private:
  struct Unit {
    int salt = 1;
    std::string reason;
    int64_t ids = 0;
  };
  Status MapUnit(SqliteDb& db, const Key& key, Unit& unit);
  std::map<Key, Unit> units_;
};

}  // namespace panic::store::merge
