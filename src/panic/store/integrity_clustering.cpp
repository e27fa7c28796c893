// The doctor's checks of the clustering snapshot of migration 4 (docs/DOCTOR.md): results
// left incomplete by a writer that is gone, scope and summary rows without their result,
// members outside a result's scope, summaries and counts that disagree with the
// assignments, medoids deleted or not members, probabilities outside 0..1; and the repairs
// DeleteClusteringsWithoutMedoid and RepairClusterSnapshots. Only completed results are checked; an incomplete one is either
// being written (left alone) or abandoned by a writer that is gone
// (temp.doctor_abandoned, filled from store/clustering_table.h).
#include "panic/store/integrity_check_defs.h"
#include "panic/store/sqlite_db.h"

namespace panic::store::integrity {
namespace {

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
// Clusters (result, label) of completed results whose medoid's embedding is gone: deleted
// (the schema then sets the summary's and the members' medoid to NULL) or, with foreign keys
// off, dangling — in the summary and in every member's assignment alike. The doctor's own
// repairs make these when they delete a damaged run's steps or a bad vector that was a
// medoid; the result cannot be summarised without it. (A summary whose medoid alone is
// wrong while the members still name an existing one is MEDOID_NOT_MEMBER_SQL's.)
#define MEDOID_MISSING_SQL                                                                                         \
  "SELECT s.clustering_result_id AS rid, s.cluster_label AS label FROM cluster_summaries s JOIN clustering_results " \
  "c ON c.id = s.clustering_result_id AND c.completed_at IS NOT NULL WHERE (s.medoid_embedding_id IS NULL OR "     \
  "s.medoid_embedding_id NOT IN (SELECT id FROM embeddings)) AND NOT EXISTS (SELECT 1 FROM embedding_clusters ec " \
  "WHERE ec.clustering_result_id = s.clustering_result_id AND ec.cluster_label = s.cluster_label AND "            \
  "ec.medoid_embedding_id IN (SELECT id FROM embeddings))"
// Clusters (result, label) of completed results whose medoid exists but is not one of its
// own members (the summary names a non-member, or a member's assignment names another
// medoid), and outliers that name a medoid; results counted by MEDOID_MISSING_SQL are left out.
#define MEDOID_NOT_MEMBER_SQL                                                                                      \
  "SELECT rid, label FROM (SELECT s.clustering_result_id AS rid, s.cluster_label AS label FROM cluster_summaries " \
  "s JOIN clustering_results c ON c.id = s.clustering_result_id AND c.completed_at IS NOT NULL WHERE NOT EXISTS "  \
  "(SELECT 1 FROM embedding_clusters ec WHERE ec.embedding_id = s.medoid_embedding_id AND "                       \
  "ec.clustering_result_id = s.clustering_result_id AND ec.cluster_label = s.cluster_label) UNION SELECT "        \
  "ec.clustering_result_id, ec.cluster_label FROM embedding_clusters ec JOIN clustering_results c ON c.id = "      \
  "ec.clustering_result_id AND c.completed_at IS NOT NULL LEFT JOIN cluster_summaries s ON "                      \
  "s.clustering_result_id = ec.clustering_result_id AND s.cluster_label = ec.cluster_label WHERE "               \
  "(ec.cluster_label >= 0 AND s.clustering_result_id IS NOT NULL AND ec.medoid_embedding_id IS NOT "              \
  "s.medoid_embedding_id) OR (ec.cluster_label < 0 AND ec.medoid_embedding_id IS NOT NULL)) WHERE rid NOT IN "    \
  "(SELECT rid FROM (" MEDOID_MISSING_SQL "))"
// (result, experiment) pairs of completed results: a member's experiment missing from the
// result's scope.
#define SCOPE_MISSING_SQL                                                                                          \
  "SELECT DISTINCT ec.clustering_result_id AS rid, r.experiment_id AS experiment_id FROM embedding_clusters ec "   \
  "JOIN clustering_results c ON c.id = ec.clustering_result_id AND c.completed_at IS NOT NULL JOIN embeddings e "  \
  "ON e.id = ec.embedding_id JOIN invocations i ON i.id = e.invocation_id JOIN runs r ON r.id = i.run_id WHERE "   \
  "NOT EXISTS (SELECT 1 FROM clustering_result_experiments x WHERE x.clustering_result_id = "                      \
  "ec.clustering_result_id AND x.experiment_id = r.experiment_id)"
#define BAD_PROBABILITY_WHERE "probability IS NOT NULL AND NOT (probability BETWEEN 0 AND 1)"

}  // namespace

const std::vector<CheckDef>& ClusteringChecks() {
  static const std::vector<CheckDef> kChecks = {
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
      {"cluster_medoid_missing",
       "clusters whose medoid's embedding was deleted (e.g. by a repair of a damaged run): the result cannot be "
       "summarised without it",
       true, true, "SELECT count(*) FROM (" MEDOID_MISSING_SQL ")",
       "SELECT rid || ' cluster ' || label FROM (" MEDOID_MISSING_SQL ") LIMIT ?2"},
      {"cluster_medoid_not_member",
       "clusters whose medoid is not one of their members (`cluster delete` the result and `cluster run` again)",
       false, true, "SELECT count(*) FROM (" MEDOID_NOT_MEMBER_SQL ")",
       "SELECT rid || ' cluster ' || label FROM (" MEDOID_NOT_MEMBER_SQL ") LIMIT ?2"},
      {"cluster_probability_invalid", "cluster assignments whose probability is outside 0..1", true, true,
       "SELECT count(*) FROM embedding_clusters WHERE " BAD_PROBABILITY_WHERE,
       "SELECT id || ' (result ' || clustering_result_id || ', probability ' || probability || ')' FROM "
       "embedding_clusters WHERE " BAD_PROBABILITY_WHERE " LIMIT ?2"},
  };
  return kChecks;
}

Result<int64_t> DeleteClusteringsWithoutMedoid(SqliteDb& db) {
  return ExecCounting(db, "DELETE FROM clustering_results WHERE id IN (SELECT rid FROM (" MEDOID_MISSING_SQL "))", "");
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

}  // namespace panic::store::integrity
