#include "panic/store/integrity_checks.h"

#include <webp/decode.h>

#include <algorithm>
#include <bit>
#include <chrono>
#include <cmath>
#include <cstring>
#include <ctime>
#include <map>
#include <string_view>

#include "panic/store/image_codec.h"
#include "panic/store/npz_codec.h"
#include "panic/store/sqlite_db.h"

namespace panic::store::integrity {
namespace {

// ?1 is the experiment id, '' for every experiment. These restrict a row to the scope
// through its run (the IN subquery is evaluated once per statement).
#define IN_SCOPE_RUN(col) "(?1 = '' OR " col " IN (SELECT id FROM runs WHERE experiment_id = ?1))"
#define IN_SCOPE_INVOCATION(col) \
  "(?1 = '' OR " col " IN (SELECT i.id FROM invocations i JOIN runs r ON r.id = i.run_id WHERE r.experiment_id = ?1))"

// The bad steps of damaged runs as (run_id, seq): the first missing step of a run with a
// gap, a step whose input is not the run's previous step, a NULL output, an image that is
// not whole, an output type other than its model's.
#define BAD_STEPS_SQL                                                                                              \
  "SELECT g.run_id AS run_id, CASE WHEN NOT EXISTS (SELECT 1 FROM invocations z WHERE z.run_id = g.run_id AND "    \
  "z.sequence_number = 0) THEN 0 ELSE (SELECT min(a.sequence_number) + 1 FROM invocations a WHERE a.run_id = "      \
  "g.run_id AND NOT EXISTS (SELECT 1 FROM invocations b WHERE b.run_id = a.run_id AND b.sequence_number = "        \
  "a.sequence_number + 1)) END AS seq, 'gap' AS why FROM (" GAP_RUNS_SQL ") g "                                     \
  "UNION ALL " BROKEN_CHAIN_SQL " UNION ALL " NULL_OUTPUT_SQL " UNION ALL " BAD_IMAGE_SQL                         \
  " UNION ALL " TYPE_MISMATCH_SQL

#define GAP_RUNS_SQL                                                                                 \
  "SELECT run_id FROM invocations WHERE " IN_SCOPE_RUN("run_id") " GROUP BY run_id HAVING count(*) " \
  "!= max(sequence_number) + 1"
#define BROKEN_CHAIN_SQL                                                                                         \
  "SELECT i.run_id, i.sequence_number, 'broken input chain' FROM invocations i LEFT JOIN invocations p ON p.id " \
  "= i.input_invocation_id WHERE " IN_SCOPE_RUN("i.run_id") " AND ((i.sequence_number = 0 AND "                 \
  "i.input_invocation_id IS NOT NULL) OR (i.sequence_number > 0 AND (p.id IS NULL OR p.run_id != i.run_id OR "  \
  "p.sequence_number != i.sequence_number - 1)))"
#define NULL_OUTPUT_SQL                                                                                        \
  "SELECT run_id, sequence_number, 'NULL output' FROM invocations WHERE " IN_SCOPE_RUN("run_id") " AND "      \
  "((type = 'text' AND output_text IS NULL) OR (type = 'image' AND output_image IS NULL))"
#define BAD_IMAGE_SQL                                                                                            \
  "SELECT run_id, sequence_number, 'image does not decode' FROM invocations WHERE " IN_SCOPE_RUN("run_id") " " \
  "AND type = 'image' AND output_image IS NOT NULL AND NOT panic_image_whole(output_image)"
#define TYPE_MISMATCH_SQL                                                                                          \
  "SELECT i.run_id, i.sequence_number, 'output type differs from the model''s' FROM invocations i JOIN "          \
  "doctor_models m ON m.name = i.model WHERE " IN_SCOPE_RUN("i.run_id") " AND (m.embedding = 1 OR m.output_type " \
  "!= i.type)"

// Invocations of done-or-stopped runs (no live writer) that lack the vector of an
// embedding model of their experiment's config, for that model's modality.
#define MISSING_EMBEDDINGS_SQL                                                                                   \
  "SELECT i.id AS invocation_id, cfg.value AS model, e.id AS experiment_id FROM experiments e "                  \
  "JOIN json_each(e.embedding_models) cfg JOIN doctor_models m ON m.name = cfg.value AND m.embedding = 1 "       \
  "JOIN runs r ON r.experiment_id = e.id JOIN invocations i ON i.run_id = r.id AND i.type = m.output_type "      \
  "WHERE (?1 = '' OR e.id = ?1) AND e.id NOT IN (SELECT experiment_id FROM doctor_live) AND NOT EXISTS "         \
  "(SELECT 1 FROM embeddings x WHERE x.invocation_id = i.id AND x.embedding_model = cfg.value)"

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

#define BAD_EMBEDDING_MODALITY_WHERE                                                                        \
  "x.id IN (SELECT x.id FROM embeddings x JOIN invocations i ON i.id = x.invocation_id JOIN doctor_models m " \
  "ON m.name = x.embedding_model WHERE (m.embedding = 0 OR m.output_type != i.type))"
#define BAD_EMBEDDING_LENGTH_WHERE                                                                             \
  "(length(x.vector) = 0 OR length(x.vector) % 4 != 0 OR length(x.vector) != 4 * coalesce((SELECT m.dim FROM " \
  "doctor_models m WHERE m.name = x.embedding_model AND m.embedding = 1), length(x.vector) / 4))"

// The three embedding checks in one sequential read of the embeddings (the vectors are most
// of a large file's bytes): the counts of embedding_wrong_modality, embedding_wrong_length and
// embedding_non_finite, each as its own check's condition (BAD_EMBEDDING_*_WHERE).
#define EMBEDDING_SCAN_SQL                                                                                        \
  "SELECT coalesce(sum(i.id IS NOT NULL AND m.name IS NOT NULL AND (m.embedding = 0 OR m.output_type != "       \
  "i.type)), 0), coalesce(sum(length(x.vector) = 0 OR length(x.vector) % 4 != 0 OR (m.embedding IS 1 AND "       \
  "length(x.vector) != 4 * m.dim)), 0), coalesce(sum(panic_nonfinite_f32(x.vector)), 0) FROM embeddings x "       \
  "LEFT JOIN invocations i ON i.id = x.invocation_id LEFT JOIN doctor_models m ON m.name = x.embedding_model "    \
  "WHERE " IN_SCOPE_INVOCATION("x.invocation_id")

#define DIAGRAM_NOT_IN_CONFIG_WHERE                                                                              \
  "NOT EXISTS (SELECT 1 FROM runs r JOIN experiments e ON e.id = r.experiment_id JOIN json_each(e.embedding_models) " \
  "cfg WHERE r.id = d.run_id AND cfg.value = d.embedding_model) AND d.run_id IN (SELECT id FROM runs)"

// ---- the clustering snapshot of migration 4 (docs/DOCTOR.md). Only completed results are
// checked; an incomplete one is either being written (left alone) or abandoned by a writer
// that is gone (temp.doctor_abandoned, filled from store/clustering_table.h).

// Each member's cluster as its assignments say: size and distinct runs per (result, label).
#define CLUSTER_MEMBERS_SQL                                                                                       \
  "SELECT ec.clustering_result_id AS rid, ec.cluster_label AS label, count(*) AS size, count(DISTINCT i.run_id) " \
  "AS runs FROM embedding_clusters ec JOIN embeddings e ON e.id = ec.embedding_id JOIN invocations i ON i.id = "   \
  "e.invocation_id WHERE ec.cluster_label >= 0 GROUP BY 1, 2"
// Completed results whose summaries (size, runs, one row per cluster) or counts (points,
// clusters, outliers) differ from their assignments.
#define SUMMARY_MISMATCH_SQL                                                                                       \
  "WITH a AS (" CLUSTER_MEMBERS_SQL "), bad AS (SELECT s.clustering_result_id AS rid FROM cluster_summaries s "    \
  "LEFT JOIN a ON a.rid = s.clustering_result_id AND a.label = s.cluster_label WHERE a.rid IS NULL OR a.size != " \
  "s.size OR a.runs != s.run_count UNION SELECT a.rid FROM a WHERE NOT EXISTS (SELECT 1 FROM cluster_summaries s " \
  "WHERE s.clustering_result_id = a.rid AND s.cluster_label = a.label) UNION SELECT c.id FROM clustering_results " \
  "c WHERE c.point_count IS NOT (SELECT count(*) FROM embedding_clusters ec WHERE ec.clustering_result_id = c.id) " \
  "OR c.outlier_count IS NOT (SELECT count(*) FROM embedding_clusters ec WHERE ec.clustering_result_id = c.id "    \
  "AND ec.cluster_label < 0) OR c.cluster_count IS NOT (SELECT count(*) FROM cluster_summaries s WHERE "           \
  "s.clustering_result_id = c.id)) SELECT c.id AS id FROM clustering_results c WHERE c.completed_at IS NOT NULL " \
  "AND c.id IN (SELECT rid FROM bad)"
// Clusters (result, label) of completed results whose medoid is not one of its own members:
// the summary names none (its embedding was deleted) or a non-member, or a member's
// assignment names another medoid; and outliers that name a medoid.
#define MEDOID_NOT_MEMBER_SQL                                                                                      \
  "SELECT s.clustering_result_id AS rid, s.cluster_label AS label FROM cluster_summaries s JOIN clustering_results " \
  "c ON c.id = s.clustering_result_id AND c.completed_at IS NOT NULL WHERE s.medoid_embedding_id IS NULL OR NOT "  \
  "EXISTS (SELECT 1 FROM embedding_clusters ec WHERE ec.embedding_id = s.medoid_embedding_id AND "                 \
  "ec.clustering_result_id = s.clustering_result_id AND ec.cluster_label = s.cluster_label) UNION SELECT "        \
  "ec.clustering_result_id, ec.cluster_label FROM embedding_clusters ec JOIN clustering_results c ON c.id = "      \
  "ec.clustering_result_id AND c.completed_at IS NOT NULL LEFT JOIN cluster_summaries s ON "                      \
  "s.clustering_result_id = ec.clustering_result_id AND s.cluster_label = ec.cluster_label WHERE "               \
  "(ec.cluster_label >= 0 AND s.clustering_result_id IS NOT NULL AND ec.medoid_embedding_id IS NOT "              \
  "s.medoid_embedding_id) OR (ec.cluster_label < 0 AND ec.medoid_embedding_id IS NOT NULL)"
// (result, experiment) pairs of completed results: a member's experiment missing from the
// result's scope.
#define SCOPE_MISSING_SQL                                                                                          \
  "SELECT DISTINCT ec.clustering_result_id AS rid, r.experiment_id AS experiment_id FROM embedding_clusters ec "   \
  "JOIN clustering_results c ON c.id = ec.clustering_result_id AND c.completed_at IS NOT NULL JOIN embeddings e "  \
  "ON e.id = ec.embedding_id JOIN invocations i ON i.id = e.invocation_id JOIN runs r ON r.id = i.run_id WHERE "   \
  "NOT EXISTS (SELECT 1 FROM clustering_result_experiments x WHERE x.clustering_result_id = "                      \
  "ec.clustering_result_id AND x.experiment_id = r.experiment_id)"
#define SNAPSHOT_ORPHANS_WHERE                                                                                     \
  "clustering_result_id NOT IN (SELECT id FROM clustering_results)"
#define BAD_PROBABILITY_WHERE "probability IS NOT NULL AND NOT (probability BETWEEN 0 AND 1)"

struct CheckDef {
  const char* name;
  const char* description;
  bool fixable;
  bool global;
  const char* count_sql;      // nullptr: counted elsewhere (the pragmas, the embedding scan)
  const char* examples_sql;   // one text column per example, LIMIT ?2
  int embedding_scan = 0;     // its count is column N-1 of EMBEDDING_SCAN_SQL (0: not in it)
};

const std::vector<CheckDef>& Checks() {
  static const std::vector<CheckDef> kChecks = {
      {"integrity_check", "SQLite PRAGMA integrity_check reports damage", false, true, nullptr, nullptr},
      {"foreign_key_check", "SQLite PRAGMA foreign_key_check: rows referring to a missing row", true, true, nullptr,
       nullptr},
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
      {"run_not_stopped", "runs without a stop reason and no live writer (interrupted)", true, false,
       "SELECT count(*) FROM runs WHERE stop_reason IS NULL AND (?1 = '' OR experiment_id = ?1) AND experiment_id "
       "NOT IN (SELECT experiment_id FROM doctor_live)",
       "SELECT id || ' (experiment ' || experiment_id || ' run ' || run_number || ')' FROM runs WHERE stop_reason IS "
       "NULL AND (?1 = '' OR experiment_id = ?1) AND experiment_id NOT IN (SELECT experiment_id FROM doctor_live) "
       "ORDER BY experiment_id, run_number LIMIT ?2"},
      {"sequence_gap", "runs whose sequence numbers are not 0, 1, 2, … without gaps", true, false,
       "SELECT count(*) FROM (" GAP_RUNS_SQL ")",
       "SELECT run_id || ' (first missing step ' || seq || ')' FROM (" BAD_STEPS_SQL ") WHERE why = 'gap' LIMIT ?2"},
      {"broken_input_chain", "invocations whose input_invocation_id is not the run's previous step", true, false,
       "SELECT count(*) FROM (" BROKEN_CHAIN_SQL ")",
       "SELECT run_id || ' step ' || sequence_number FROM (" BROKEN_CHAIN_SQL ") LIMIT ?2"},
      {"null_output", "invocations without their output", true, false, "SELECT count(*) FROM (" NULL_OUTPUT_SQL ")",
       "SELECT run_id || ' step ' || sequence_number FROM (" NULL_OUTPUT_SQL ") LIMIT ?2"},
      {"undecodable_image", "image outputs that are not a whole WEBP or JPEG", true, false,
       "SELECT count(*) FROM (" BAD_IMAGE_SQL ")",
       "SELECT run_id || ' step ' || sequence_number FROM (" BAD_IMAGE_SQL ") LIMIT ?2"},
      {"output_type_mismatch", "invocations whose output type is not their model's", true, false,
       "SELECT count(*) FROM (" TYPE_MISMATCH_SQL ")",
       "SELECT i.run_id || ' step ' || i.sequence_number || ' (' || i.model || ' gave ' || i.type || ')' FROM "
       "invocations i JOIN doctor_models m ON m.name = i.model WHERE " IN_SCOPE_RUN("i.run_id") " AND (m.embedding "
       "= 1 OR m.output_type != i.type) LIMIT ?2"},
      {"embedding_missing", "outputs without the vector of an embedding model of their experiment", true, false,
       "SELECT count(*) FROM (" MISSING_EMBEDDINGS_SQL ")",
       "SELECT 'invocation ' || invocation_id || ' under ' || model FROM (" MISSING_EMBEDDINGS_SQL ") LIMIT ?2"},
      {"embedding_wrong_modality", "embeddings of an output the model does not embed (text vs image)", true, false,
       nullptr,
       "SELECT x.id || ' (' || x.embedding_model || ')' FROM embeddings x WHERE " IN_SCOPE_INVOCATION(
           "x.invocation_id") " AND " BAD_EMBEDDING_MODALITY_WHERE " LIMIT ?2", 1},
      {"embedding_wrong_length", "embeddings whose vector length is not the model's dimension", true, false,
       nullptr,
       "SELECT x.id || ' (' || x.embedding_model || ', ' || length(x.vector) || ' bytes)' FROM embeddings x WHERE "
       IN_SCOPE_INVOCATION("x.invocation_id") " AND " BAD_EMBEDDING_LENGTH_WHERE " LIMIT ?2", 2},
      {"embedding_non_finite", "embeddings with a NaN or infinite value", true, false,
       nullptr,
       "SELECT x.id || ' (' || x.embedding_model || ')' FROM embeddings x WHERE " IN_SCOPE_INVOCATION(
           "x.invocation_id") " AND panic_nonfinite_f32(x.vector) LIMIT ?2", 3},
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
      {"completed_but_unfinished", "experiments with completed_at set and a run not finished", true, false,
       "SELECT count(*) FROM experiments e WHERE (?1 = '' OR e.id = ?1) AND e.completed_at IS NOT NULL AND EXISTS "
       "(SELECT 1 FROM runs r WHERE r.experiment_id = e.id AND (r.stop_reason IS NULL OR r.stop_reason = 'failed'))",
       "SELECT e.id FROM experiments e WHERE (?1 = '' OR e.id = ?1) AND e.completed_at IS NOT NULL AND EXISTS "
       "(SELECT 1 FROM runs r WHERE r.experiment_id = e.id AND (r.stop_reason IS NULL OR r.stop_reason = 'failed')) "
       "LIMIT ?2"},
      {"clustering_incomplete", "clustering results left incomplete by a writer that is gone (a killed `cluster run`)",
       true, true,
       "SELECT count(*) FROM clustering_results WHERE completed_at IS NULL AND id IN (SELECT id FROM "
       "temp.doctor_abandoned)",
       "SELECT id || ' (started ' || started_at || ', writer pid ' || coalesce(writer_pid, 'none') || ')' FROM "
       "clustering_results WHERE completed_at IS NULL AND id IN (SELECT id FROM temp.doctor_abandoned) LIMIT ?2"},
      {"clustering_snapshot_orphans",
       "clustering scope and summary rows whose result is missing, or whose scope names a missing experiment", true,
       true,
       "SELECT (SELECT count(*) FROM clustering_result_experiments WHERE " SNAPSHOT_ORPHANS_WHERE " OR experiment_id "
       "NOT IN (SELECT id FROM experiments)) + (SELECT count(*) FROM cluster_summaries WHERE " SNAPSHOT_ORPHANS_WHERE
       ")",
       "SELECT 'scope of ' || clustering_result_id || ': experiment ' || experiment_id FROM "
       "clustering_result_experiments WHERE " SNAPSHOT_ORPHANS_WHERE " OR experiment_id NOT IN (SELECT id FROM "
       "experiments) UNION ALL SELECT 'summary of ' || clustering_result_id || ' cluster ' || cluster_label FROM "
       "cluster_summaries WHERE " SNAPSHOT_ORPHANS_WHERE " LIMIT ?2"},
      {"clustering_scope_mismatch", "clustering results with members of an experiment that is not in their scope",
       true, true, "SELECT count(*) FROM (" SCOPE_MISSING_SQL ")",
       "SELECT rid || ' (experiment ' || experiment_id || ')' FROM (" SCOPE_MISSING_SQL ") LIMIT ?2"},
      {"cluster_summary_mismatch",
       "clustering results whose cluster summaries or counts disagree with their assignments", true, true,
       "SELECT count(*) FROM (" SUMMARY_MISMATCH_SQL ")", "SELECT id FROM (" SUMMARY_MISMATCH_SQL ") LIMIT ?2"},
      {"cluster_medoid_not_member",
       "clusters whose medoid is missing or not one of their members (`cluster delete` the result and `cluster run` "
       "again)",
       false, true, "SELECT count(*) FROM (" MEDOID_NOT_MEMBER_SQL ")",
       "SELECT rid || ' cluster ' || label FROM (" MEDOID_NOT_MEMBER_SQL ") LIMIT ?2"},
      {"cluster_probability_invalid", "cluster assignments whose probability is outside 0..1", true, true,
       "SELECT count(*) FROM embedding_clusters WHERE " BAD_PROBABILITY_WHERE,
       "SELECT id || ' (result ' || clustering_result_id || ', probability ' || probability || ')' FROM "
       "embedding_clusters WHERE " BAD_PROBABILITY_WHERE " LIMIT ?2"},
  };
  return kChecks;
}

// Whether raw little-endian float32 data holds a NaN or an infinity. A float is non-finite
// exactly when its 8 exponent bits are all ones; each 4 bytes are read as one word (in the
// host's order, so the exponent mask is chosen by the host's endianness) and the test runs
// without a branch over blocks of 16 floats, which the compiler vectorises. Bytes past the
// last whole float are ignored (the length check reports them).
bool HasNonFiniteF32(const unsigned char* p, size_t n) {
  constexpr uint32_t kExponent = std::endian::native == std::endian::little ? 0x7F800000u : 0x0000807Fu;
  constexpr size_t kBlock = 16 * 4;
  size_t i = 0;
  for (; i + kBlock <= n; i += kBlock) {
    uint32_t w[16];
    std::memcpy(w, p + i, kBlock);
    uint32_t bad = 0;
    for (uint32_t x : w) bad |= static_cast<uint32_t>((x & kExponent) == kExponent);
    if (bad != 0) return true;
  }
  for (; i + 4 <= n; i += 4) {
    uint32_t x = 0;
    std::memcpy(&x, p + i, 4);
    if ((x & kExponent) == kExponent) return true;
  }
  return false;
}

// panic_nonfinite_f32(blob): 1 when the vector holds a NaN or an infinity.
void NonFiniteF32(sqlite3_context* ctx, int, sqlite3_value** argv) {
  const auto* p = static_cast<const unsigned char*>(sqlite3_value_blob(argv[0]));
  const int n = sqlite3_value_bytes(argv[0]);
  sqlite3_result_int(ctx, p != nullptr && n > 0 && HasNonFiniteF32(p, static_cast<size_t>(n)) ? 1 : 0);
}

// panic_image_whole(blob): the structural check, and with the function's user data true
// (--decode-images) a full decode as well (store/image_codec.h: a damaged stream is an
// error, not a partial image).
constexpr bool kStructuralOnly = false;
constexpr bool kFullDecode = true;
void ImageWhole(sqlite3_context* ctx, int, sqlite3_value** argv) {
  const void* p = sqlite3_value_blob(argv[0]);
  const int n = sqlite3_value_bytes(argv[0]);
  bool whole = p != nullptr && ImageLooksWhole(p, static_cast<size_t>(n));
  if (whole && *static_cast<const bool*>(sqlite3_user_data(ctx))) {
    whole = DecodeImage(std::string_view(static_cast<const char*>(p), static_cast<size_t>(n))).ok();
  }
  sqlite3_result_int(ctx, whole ? 1 : 0);
}

void DiagramDecodes(sqlite3_context* ctx, int, sqlite3_value** argv) {
  const char* p = static_cast<const char*>(sqlite3_value_blob(argv[0]));
  const int n = sqlite3_value_bytes(argv[0]);
  sqlite3_result_int(ctx, p != nullptr && DecodeDiagramNpz(std::string_view(p, static_cast<size_t>(n))).ok() ? 1 : 0);
}

Result<int64_t> Scalar(SqliteDb& db, const std::string& sql, const std::string& experiment_id) {
  PANIC_ASSIGN_OR_RETURN(Statement * q, db.Prepare(sql));
  q->Bind(1, experiment_id);
  return q->ScalarInt();
}

Status RunExamples(SqliteDb& db, const char* sql, const std::string& experiment_id, Finding* f) {
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

// PRAGMA integrity_check or quick_check: every row but a single 'ok' is one problem.
Status RunIntegrityPragma(SqliteDb& db, SqliteCheck mode, Finding* f) {
  PANIC_ASSIGN_OR_RETURN(Statement * q, db.Prepare(mode == SqliteCheck::kFull ? "PRAGMA main.integrity_check"
                                                                               : "PRAGMA main.quick_check"));
  return q->ForEachRow([&](const Statement& row) {
    if (row.Text(0) != "ok") AddExample(f, row.Text(0));
    return Status::Ok();
  });
}

std::string QuoteId(const std::string& name) {
  std::string out = "\"";
  for (char c : name) out += c == '"' ? std::string("\"\"") : std::string(1, c);
  return out + "\"";
}

// One row per violation, as PRAGMA foreign_key_check words it.
std::string ForeignKeyExample(const std::string& table, const std::string& rowid, const std::string& parent) {
  return table + " rowid " + rowid + " refers to a missing row of " + parent;
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

Result<int64_t> ExecCounting(SqliteDb& db, const std::string& sql, const std::string& experiment_id) {
  PANIC_ASSIGN_OR_RETURN(Statement * q, db.Prepare(sql));
  q->Bind(1, experiment_id);
  PANIC_RETURN_IF_ERROR(q->Run());
  return db.Changes();
}

}  // namespace

bool ImageLooksWhole(const void* data, size_t size) {
  const auto* p = static_cast<const uint8_t*>(data);
  if (size >= 12 && std::memcmp(p, "RIFF", 4) == 0 && std::memcmp(p + 8, "WEBP", 4) == 0) {
    // RIFF size = bytes after the 8-byte header (a chunk may be padded by one byte).
    const uint64_t riff = uint64_t{p[4]} | uint64_t{p[5]} << 8 | uint64_t{p[6]} << 16 | uint64_t{p[7]} << 24;
    if (riff + 8 != size && riff + 9 != size) return false;
    int w = 0, h = 0;
    return WebPGetInfo(p, size, &w, &h) != 0 && w > 0 && h > 0;
  }
  if (size >= 4 && p[0] == 0xFF && p[1] == 0xD8 && p[2] == 0xFF) {
    return p[size - 2] == 0xFF && p[size - 1] == 0xD9;
  }
  return false;
}

static Status FillTempTables(SqliteDb& db, const std::vector<ModelRow>& models,
                             const std::vector<std::string>& live_experiments,
                             const std::vector<std::string>& abandoned_clusterings);

Status Prepare(SqliteDb& db, const std::vector<ModelRow>& models, const std::vector<std::string>& live_experiments,
               const std::vector<std::string>& abandoned_clusterings, bool decode_images) {
  const int flags = SQLITE_UTF8 | SQLITE_DETERMINISTIC;
  struct Fn {
    const char* name;
    void (*fn)(sqlite3_context*, int, sqlite3_value**);
    const bool* data;
  };
  const bool* decode = decode_images ? &kFullDecode : &kStructuralOnly;
  for (const Fn& f : {Fn{"panic_nonfinite_f32", NonFiniteF32, nullptr}, Fn{"panic_image_whole", ImageWhole, decode},
                      Fn{"panic_diagram_decodes", DiagramDecodes, nullptr}}) {
    if (sqlite3_create_function_v2(db.raw(), f.name, 1, flags, const_cast<bool*>(f.data), f.fn, nullptr, nullptr,
                                   nullptr) != SQLITE_OK) {
      return db.Error(std::string("registering ") + f.name);
    }
  }
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

static Status FillTempTables(SqliteDb& db, const std::vector<ModelRow>& models,
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

const std::vector<std::string>& CheckNames() {
  static const std::vector<std::string> kNames = [] {
    std::vector<std::string> names;
    for (const CheckDef& c : Checks()) names.emplace_back(c.name);
    return names;
  }();
  return kNames;
}

static bool name_is(const CheckDef& c, const char* name) { return std::strcmp(c.name, name) == 0; }

Result<std::vector<Finding>> RunChecks(SqliteDb& db, const std::string& experiment_id, SqliteCheck sqlite_check) {
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
    const auto t0 = Clock::now();
    const double cpu0 = cpu_now();
    Finding f{c.name, c.description, c.fixable, c.global, 0, {}, 0, 0};
    if (name_is(c, "integrity_check")) {
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
          PANIC_ASSIGN_OR_RETURN(Statement * q, db.Prepare(EMBEDDING_SCAN_SQL));
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

Result<int64_t> ClearFalseCompletion(SqliteDb& db, const std::string& experiment_id) {
  return ExecCounting(db,
                      "UPDATE experiments SET completed_at = NULL WHERE (?1 = '' OR id = ?1) AND completed_at IS NOT "
                      "NULL AND EXISTS (SELECT 1 FROM runs r WHERE r.experiment_id = experiments.id AND "
                      "(r.stop_reason IS NULL OR r.stop_reason = 'failed'))",
                      experiment_id);
}

Result<int64_t> TruncateDamagedRuns(SqliteDb& db, const std::string& experiment_id) {
  PANIC_RETURN_IF_ERROR(db.Exec("DROP TABLE IF EXISTS temp.doctor_cut"));
  PANIC_ASSIGN_OR_RETURN(Statement * cut, db.Prepare("CREATE TEMP TABLE doctor_cut AS SELECT run_id, min(seq) AS "
                                                     "first_bad FROM (" BAD_STEPS_SQL ") GROUP BY run_id"));
  cut->Bind(1, experiment_id);
  PANIC_RETURN_IF_ERROR(cut->Run());
  PANIC_ASSIGN_OR_RETURN(int64_t runs, Scalar(db, "SELECT count(*) FROM temp.doctor_cut", ""));
  // Diagrams were computed from the damaged trajectory. The steps at and after the cut go in
  // one statement, so their input chain is deleted with them; their embeddings (and those
  // embeddings' cluster assignments) go through the foreign keys' cascades.
  PANIC_RETURN_IF_ERROR(db.Exec(
      "DELETE FROM persistence_diagrams WHERE run_id IN (SELECT run_id FROM temp.doctor_cut);"
      "DELETE FROM invocations WHERE rowid IN (SELECT i.rowid FROM invocations i JOIN temp.doctor_cut c ON "
      "c.run_id = i.run_id AND i.sequence_number >= c.first_bad);"
      "UPDATE runs SET stop_reason = NULL, loop_length = NULL, error = NULL, completed_at = NULL WHERE id IN "
      "(SELECT run_id FROM temp.doctor_cut);"
      "UPDATE experiments SET completed_at = NULL WHERE id IN (SELECT r.experiment_id FROM runs r JOIN "
      "temp.doctor_cut c ON c.run_id = r.id);"
      "DROP TABLE temp.doctor_cut;"));
  return runs;
}

Result<int64_t> DeleteBadEmbeddings(SqliteDb& db, const std::string& experiment_id) {
  return ExecCounting(db,
                      "DELETE FROM embeddings WHERE id IN (SELECT x.id FROM embeddings x WHERE " IN_SCOPE_INVOCATION(
                          "x.invocation_id") " AND (" BAD_EMBEDDING_MODALITY_WHERE " OR " BAD_EMBEDDING_LENGTH_WHERE
                                             " OR panic_nonfinite_f32(x.vector)))",
                      experiment_id);
}

Result<int64_t> DeleteBadDiagrams(SqliteDb& db, const std::string& experiment_id) {
  return ExecCounting(db,
                      "DELETE FROM persistence_diagrams WHERE id IN (SELECT d.id FROM persistence_diagrams d WHERE "
                      IN_SCOPE_RUN("d.run_id") " AND (d.diagram_data IS NULL OR NOT "
                      "panic_diagram_decodes(d.diagram_data) OR (" DIAGRAM_NOT_IN_CONFIG_WHERE ")))",
                      experiment_id);
}

Result<int64_t> RepairClusterSnapshots(SqliteDb& db) {
  // The assignments are the snapshot's ground truth (one row per clustered embedding); its
  // scope, summaries and counts are derived from them, as migration 4 derives them.
  PANIC_ASSIGN_OR_RETURN(int64_t scope, ExecCounting(db, "INSERT OR IGNORE INTO clustering_result_experiments "
                                                         "(clustering_result_id, experiment_id) SELECT rid, "
                                                         "experiment_id FROM (" SCOPE_MISSING_SQL ")", ""));
  PANIC_ASSIGN_OR_RETURN(int64_t probabilities,
                         ExecCounting(db, "UPDATE embedding_clusters SET probability = NULL WHERE " BAD_PROBABILITY_WHERE,
                                      ""));
  PANIC_RETURN_IF_ERROR(db.Exec("DROP TABLE IF EXISTS temp.doctor_resummarise"));
  PANIC_RETURN_IF_ERROR(db.Exec("CREATE TEMP TABLE doctor_resummarise AS " SUMMARY_MISMATCH_SQL));
  PANIC_ASSIGN_OR_RETURN(int64_t results, Scalar(db, "SELECT count(*) FROM temp.doctor_resummarise", ""));
  // A cluster keeps its medoid when its summary named one, else its members' medoid.
  PANIC_RETURN_IF_ERROR(db.Exec(
      "CREATE TEMP TABLE doctor_members AS " CLUSTER_MEMBERS_SQL ";"
      "DELETE FROM temp.doctor_members WHERE rid NOT IN (SELECT id FROM temp.doctor_resummarise);"
      "DELETE FROM cluster_summaries WHERE clustering_result_id IN (SELECT id FROM temp.doctor_resummarise) AND NOT "
      "EXISTS (SELECT 1 FROM temp.doctor_members m WHERE m.rid = cluster_summaries.clustering_result_id AND m.label = "
      "cluster_summaries.cluster_label);"
      "INSERT OR REPLACE INTO cluster_summaries (clustering_result_id, cluster_label, size, run_count, "
      "medoid_embedding_id) SELECT m.rid, m.label, m.size, m.runs, coalesce((SELECT s.medoid_embedding_id FROM "
      "cluster_summaries s WHERE s.clustering_result_id = m.rid AND s.cluster_label = m.label), (SELECT "
      "max(ec.medoid_embedding_id) FROM embedding_clusters ec WHERE ec.clustering_result_id = m.rid AND "
      "ec.cluster_label = m.label)) FROM temp.doctor_members m;"
      "UPDATE clustering_results SET point_count = (SELECT count(*) FROM embedding_clusters ec WHERE "
      "ec.clustering_result_id = clustering_results.id), outlier_count = (SELECT count(*) FROM embedding_clusters ec "
      "WHERE ec.clustering_result_id = clustering_results.id AND ec.cluster_label < 0), cluster_count = (SELECT "
      "count(*) FROM cluster_summaries s WHERE s.clustering_result_id = clustering_results.id) WHERE id IN (SELECT "
      "id FROM temp.doctor_resummarise);"
      "DROP TABLE temp.doctor_members; DROP TABLE temp.doctor_resummarise;"));
  return scope + probabilities + results;
}

Result<std::vector<std::string>> ExperimentsToResume(SqliteDb& db, const std::string& experiment_id) {
  PANIC_ASSIGN_OR_RETURN(
      Statement * q,
      db.Prepare("SELECT id FROM experiments e WHERE (?1 = '' OR e.id = ?1) AND e.id NOT IN (SELECT experiment_id "
                 "FROM doctor_live) AND (e.completed_at IS NULL OR EXISTS (SELECT 1 FROM runs r WHERE r.experiment_id "
                 "= e.id AND (r.stop_reason IS NULL OR r.stop_reason = 'failed'))) "
                 "UNION SELECT experiment_id FROM (" MISSING_EMBEDDINGS_SQL ") "
                 "UNION SELECT experiment_id FROM (" MISSING_DIAGRAMS_SQL ")"));
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
