#include "panic/store/merge_renames.h"

#include <cstring>

#include "panic/core/sha256.h"
#include "panic/core/uuid.h"

namespace panic::store::merge {

namespace {

constexpr const char* kExperiments = "experiments";
constexpr const char* kClusterings = "clustering_results";

// Every table of kMergedTables with the owner of its rows (source alias `s`). Rows of an
// experiment reach it through their parents (runs → experiment, invocations and diagrams →
// run, embeddings → invocation).
constexpr std::pair<const char*, OwnerSql> kOwners[] = {
    {"experiments", {kExperiments, "s.id"}},
    {"runs", {kExperiments, "s.experiment_id"}},
    {"invocations", {kExperiments, "(SELECT r.experiment_id FROM src.runs r WHERE r.id = s.run_id)"}},
    {"embeddings",
     {kExperiments, "(SELECT r.experiment_id FROM src.invocations i JOIN src.runs r ON r.id = i.run_id "
                    "WHERE i.id = s.invocation_id)"}},
    {"persistence_diagrams", {kExperiments, "(SELECT r.experiment_id FROM src.runs r WHERE r.id = s.run_id)"}},
    {"clustering_results", {kClusterings, "s.id"}},
    {"embedding_clusters", {kClusterings, "s.clustering_result_id"}},
    {"clustering_result_experiments", {kClusterings, "s.clustering_result_id"}},
    {"cluster_summaries", {kClusterings, "s.clustering_result_id"}},
    {"prompt_embeddings", {kExperiments, "s.experiment_id"}},
    {"lyapunov_results", {kExperiments, "s.experiment_id"}},
    {"legacy_imports", {nullptr, "NULL"}},
    {"legacy_import_experiments", {kExperiments, "s.experiment_id"}},
    {"legacy_import_skips", {nullptr, "NULL"}},
};

// Every id a unit owns (?1: the unit's source id). Together these cover every table with
// an `id` column; the other tables' rows are keyed by their parents' ids.
constexpr const char* kExperimentIds =
    "SELECT ?1 UNION ALL SELECT id FROM src.runs WHERE experiment_id = ?1 "
    "UNION ALL SELECT i.id FROM src.invocations i JOIN src.runs r ON r.id = i.run_id WHERE r.experiment_id = ?1 "
    "UNION ALL SELECT e.id FROM src.embeddings e JOIN src.invocations i ON i.id = e.invocation_id "
    "JOIN src.runs r ON r.id = i.run_id WHERE r.experiment_id = ?1 "
    "UNION ALL SELECT p.id FROM src.persistence_diagrams p JOIN src.runs r ON r.id = p.run_id WHERE r.experiment_id = ?1 "
    "UNION ALL SELECT id FROM src.prompt_embeddings WHERE experiment_id = ?1 "
    "UNION ALL SELECT id FROM src.lyapunov_results WHERE experiment_id = ?1";
constexpr const char* kClusteringIds =
    "SELECT ?1 UNION ALL SELECT id FROM src.embedding_clusters WHERE clustering_result_id = ?1";

// Clustering results of the source that refer to an id already in the map (a renamed
// experiment or one of its embeddings) through their own row, scope, labels or summaries.
constexpr const char* kDependentClusterings =
    "SELECT id FROM src.clustering_results WHERE experiment_id IN (SELECT old FROM temp.merge_rename_map) "
    "UNION SELECT clustering_result_id FROM src.clustering_result_experiments "
    "WHERE experiment_id IN (SELECT old FROM temp.merge_rename_map) "
    "UNION SELECT clustering_result_id FROM src.embedding_clusters "
    "WHERE embedding_id IN (SELECT old FROM temp.merge_rename_map) "
    "OR medoid_embedding_id IN (SELECT old FROM temp.merge_rename_map) "
    "UNION SELECT clustering_result_id FROM src.cluster_summaries "
    "WHERE medoid_embedding_id IN (SELECT old FROM temp.merge_rename_map)";

}  // namespace

Result<OwnerSql> OwnerOf(const std::string& table) {
  for (const auto& [name, owner] : kOwners) {
    if (table == name) return owner;
  }
  return Status::Internal("db merge does not know who owns the rows of table " + table);
}

std::string RenamedId(const std::string& old_id, int salt) {
  const Sha256Digest h = Sha256("panic-tda db merge --rename-conflicts\n" + old_id + "\n" + std::to_string(salt));
  UuidBytes b{};
  if (auto parsed = ParseUuid(old_id); parsed.ok()) {
    std::memcpy(b.data(), parsed->data(), 8);  // time, version and counter as they were
  } else {
    // Not a UUID (no panic-tda database has one): 64 more bits of the hash, marked v7.
    std::memcpy(b.data(), h.data() + 8, 8);
    b[6] = static_cast<uint8_t>((b[6] & 0x0F) | 0x70);
  }
  std::memcpy(b.data() + 8, h.data(), 8);
  b[8] = static_cast<uint8_t>((b[8] & 0x3F) | 0x80);  // RFC 9562 variant
  return FormatUuid(b);
}

Status RenamePlan::AddConflict(const Key& unit, const std::string& reason) {
  auto [it, added] = units_.try_emplace(unit, Unit{1, reason, 0});
  if (added) return Status::Ok();
  if (++it->second.salt > kMaxSalt) {
    return Status::Internal("db merge found no free ids for " + unit.first + " '" + unit.second + "' after " +
                            std::to_string(kMaxSalt) + " tries (the last conflict: " + reason + ")");
  }
  return Status::Ok();
}

Status RenamePlan::MapUnit(SqliteDb& db, const Key& key, Unit& unit) {
  PANIC_ASSIGN_OR_RETURN(Statement * ids, db.Prepare(key.first == kExperiments ? kExperimentIds : kClusteringIds));
  PANIC_ASSIGN_OR_RETURN(Statement * put, db.Prepare("INSERT INTO temp.merge_rename_map (old, new) VALUES (?, ?)"));
  ids->Bind(1, key.second);
  unit.ids = 0;
  std::vector<std::string> olds;
  PANIC_RETURN_IF_ERROR(ids->ForEachRow([&](const Statement& row) -> Status {
    olds.push_back(row.Text(0));
    return Status::Ok();
  }));
  for (const auto& old : olds) {
    put->Bind(1, old).Bind(2, RenamedId(old, unit.salt));
    PANIC_RETURN_IF_ERROR(put->Run().WithContext("renaming " + key.first + " '" + key.second + "'"));
    ++unit.ids;
  }
  return Status::Ok();
}

Status RenamePlan::BuildMap(SqliteDb& db) {
  PANIC_RETURN_IF_ERROR(db.Exec("CREATE TEMP TABLE IF NOT EXISTS merge_rename_map "
                                "(old TEXT PRIMARY KEY, new TEXT NOT NULL) WITHOUT ROWID; "
                                "DELETE FROM temp.merge_rename_map"));
  for (auto& [key, unit] : units_) {
    if (key.first == kExperiments) PANIC_RETURN_IF_ERROR(MapUnit(db, key, unit));
  }
  PANIC_ASSIGN_OR_RETURN(Statement * dependents, db.Prepare(kDependentClusterings));
  PANIC_RETURN_IF_ERROR(dependents->ForEachRow([&](const Statement& row) -> Status {
    units_.try_emplace(Key{kClusterings, row.Text(0)},
                       Unit{1, "its scope, labels or medoids refer to a renamed experiment", 0});
    return Status::Ok();
  }));
  for (auto& [key, unit] : units_) {
    if (key.first == kClusterings) PANIC_RETURN_IF_ERROR(MapUnit(db, key, unit));
  }
  return Status::Ok();
}

Result<std::vector<MergeRename>> RenamePlan::Report(SqliteDb& db) const {
  std::vector<MergeRename> out;
  for (const char* table : {kExperiments, kClusterings}) {
    PANIC_ASSIGN_OR_RETURN(Statement * present,
                           db.Prepare(std::string("SELECT count(*) FROM main.") + table + " WHERE id = ?"));
    for (const auto& [key, unit] : units_) {
      if (key.first != table) continue;
      MergeRename r{key.first, key.second, RenamedId(key.second, unit.salt), unit.ids, unit.reason, false};
      present->Bind(1, r.new_id);
      PANIC_ASSIGN_OR_RETURN(int64_t n, present->ScalarInt());
      r.already_present = n > 0;
      out.push_back(std::move(r));
    }
  }
  return out;
}

}  // namespace panic::store::merge
