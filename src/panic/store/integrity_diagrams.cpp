// The doctor's diagram checks: diagrams missing for a finished run, failed (no data),
// undecodable, or for a model not in the experiment's config, and the repair
// DeleteBadDiagrams (the pipeline then recomputes what is missing).
#include <string_view>

#include "panic/store/integrity_check_defs.h"
#include "panic/store/npz_codec.h"
#include "panic/store/sqlite_db.h"

namespace panic::store::integrity {
namespace {

// Runs stopped by length or duplicate, with ≥ 2 outputs of a config model's modality and
// no diagram row for it. The diagram is looked up first (an index probe); the outputs are
// counted only for a run without one, and only up to 2 (a run may have 10^5 steps). CROSS
// JOIN keeps SQLite's join order: the config's models before the runs, so that the outputs
// are not counted for every embedding model the registry knows.
#define MISSING_DIAGRAMS_SQL                                                                                    \
  "SELECT r.id AS run_id, cfg.value AS model, e.id AS experiment_id FROM experiments e CROSS JOIN "             \
  "json_each(e.embedding_models) cfg CROSS JOIN doctor_models m ON m.name = cfg.value AND m.embedding = 1 "     \
  "CROSS JOIN runs r ON r.experiment_id = e.id WHERE (?1 = '' OR e.id = ?1) AND e.id NOT IN (SELECT experiment_id "   \
  "FROM doctor_live) AND r.stop_reason IN ('length', 'duplicate') AND NOT EXISTS (SELECT 1 FROM "               \
  "persistence_diagrams d WHERE d.run_id = r.id AND d.embedding_model = cfg.value) AND (SELECT count(*) FROM "   \
  "(SELECT 1 FROM invocations i WHERE i.run_id = r.id AND i.type = m.output_type LIMIT 2)) >= 2"

#define DIAGRAM_NOT_IN_CONFIG_WHERE                                                                              \
  "NOT EXISTS (SELECT 1 FROM runs r JOIN experiments e ON e.id = r.experiment_id JOIN json_each(e.embedding_models) " \
  "cfg WHERE r.id = d.run_id AND cfg.value = d.embedding_model) AND d.run_id IN (SELECT id FROM runs)"

// panic_diagram_decodes(blob): 1 when the NPZ data decodes (store/npz_codec.h).
void DiagramDecodes(sqlite3_context* ctx, int, sqlite3_value** argv) {
  const char* p = static_cast<const char*>(sqlite3_value_blob(argv[0]));
  const int n = sqlite3_value_bytes(argv[0]);
  sqlite3_result_int(ctx, p != nullptr && DecodeDiagramNpz(std::string_view(p, static_cast<size_t>(n))).ok() ? 1 : 0);
}

}  // namespace

const std::vector<CheckDef>& DiagramChecks() {
  static const std::vector<CheckDef> kChecks = {
      {"diagram_missing", "finished runs without the diagram of an embedding model of their experiment", true, false,
       "SELECT count(*) FROM (" MISSING_DIAGRAMS_SQL ")",
       "SELECT 'run ' || run_id || ' under ' || model FROM (" MISSING_DIAGRAMS_SQL ") LIMIT ?2"},
      {"diagram_failed", "diagrams whose computation failed (no data)", true, false,
       "SELECT count(*) FROM persistence_diagrams d WHERE " IN_SCOPE_RUN("d.run_id") " AND d.diagram_data IS NULL",
       "SELECT d.id || ' (run ' || d.run_id || ' under ' || d.embedding_model || ': ' || coalesce(d.error, 'no "
       "error recorded') || ')' FROM persistence_diagrams d WHERE " IN_SCOPE_RUN("d.run_id") " AND d.diagram_data "
       "IS NULL LIMIT ?2"},
      {"diagram_undecodable", "diagrams whose NPZ data does not decode", true, false,
       "SELECT count(*) FROM persistence_diagrams d WHERE " IN_SCOPE_RUN("d.run_id") " AND d.diagram_data IS NOT "
       "NULL AND NOT panic_diagram_decodes(d.diagram_data)",
       "SELECT d.id || ' (run ' || d.run_id || ' under ' || d.embedding_model || ')' FROM persistence_diagrams d "
       "WHERE " IN_SCOPE_RUN("d.run_id") " AND d.diagram_data IS NOT NULL AND NOT "
       "panic_diagram_decodes(d.diagram_data) LIMIT ?2"},
      {"diagram_model_not_in_config", "diagrams under an embedding model that is not in the experiment's config",
       true, false,
       "SELECT count(*) FROM persistence_diagrams d WHERE " IN_SCOPE_RUN("d.run_id") " AND "
       DIAGRAM_NOT_IN_CONFIG_WHERE,
       "SELECT d.id || ' (run ' || d.run_id || ' under ' || d.embedding_model || ')' FROM persistence_diagrams d "
       "WHERE " IN_SCOPE_RUN("d.run_id") " AND " DIAGRAM_NOT_IN_CONFIG_WHERE " LIMIT ?2"},
  };
  return kChecks;
}

const std::string& MissingDiagramsSql() {
  static const std::string kSql = MISSING_DIAGRAMS_SQL;
  return kSql;
}

Status RegisterDiagramFunction(SqliteDb& db) {
  if (sqlite3_create_function_v2(db.raw(), "panic_diagram_decodes", 1, SQLITE_UTF8 | SQLITE_DETERMINISTIC, nullptr,
                                 DiagramDecodes, nullptr, nullptr, nullptr) != SQLITE_OK) {
    return db.Error("registering panic_diagram_decodes");
  }
  return Status::Ok();
}

Result<int64_t> DeleteBadDiagrams(SqliteDb& db, const std::string& experiment_id) {
  return ExecCounting(db,
                      "DELETE FROM persistence_diagrams WHERE id IN (SELECT d.id FROM persistence_diagrams d WHERE "
                      IN_SCOPE_RUN("d.run_id") " AND (d.diagram_data IS NULL OR NOT "
                      "panic_diagram_decodes(d.diagram_data) OR (" DIAGRAM_NOT_IN_CONFIG_WHERE ")))",
                      experiment_id);
}

}  // namespace panic::store::integrity
