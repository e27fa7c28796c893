// The doctor's checks of runs as sequences of steps: runs left without a stop reason, gaps
// in sequence numbers, broken input chains, and experiments marked complete with a run
// unfinished; the repairs TruncateDamagedRuns (at a run's first bad step, outputs included:
// integrity_outputs.cpp) and ClearFalseCompletion.
#include "panic/store/integrity_check_defs.h"
#include "panic/store/sqlite_db.h"

namespace panic::store::integrity {
namespace {

#define GAP_RUNS_SQL                                                                                 \
  "SELECT run_id FROM invocations WHERE " IN_SCOPE_RUN("run_id") " GROUP BY run_id HAVING count(*) " \
  "!= max(sequence_number) + 1"
#define BROKEN_CHAIN_SQL                                                                                         \
  "SELECT i.run_id, i.sequence_number, 'broken input chain' FROM invocations i LEFT JOIN invocations p ON p.id " \
  "= i.input_invocation_id WHERE " IN_SCOPE_RUN("i.run_id") " AND ((i.sequence_number = 0 AND "                 \
  "i.input_invocation_id IS NOT NULL) OR (i.sequence_number > 0 AND (p.id IS NULL OR p.run_id != i.run_id OR "  \
  "p.sequence_number != i.sequence_number - 1)))"

// The bad steps of damaged runs as (run_id, seq): the first missing step of a run with a
// gap, a step whose input is not the run's previous step, and the steps whose output is bad
// (BadOutputStepsSql: a NULL output, an image that is not whole, an output type other than
// its model's).
const std::string& BadStepsSql() {
  static const std::string kSql =
      "SELECT g.run_id AS run_id, CASE WHEN NOT EXISTS (SELECT 1 FROM invocations z WHERE z.run_id = g.run_id AND "
      "z.sequence_number = 0) THEN 0 ELSE (SELECT min(a.sequence_number) + 1 FROM invocations a WHERE a.run_id = "
      "g.run_id AND NOT EXISTS (SELECT 1 FROM invocations b WHERE b.run_id = a.run_id AND b.sequence_number = "
      "a.sequence_number + 1)) END AS seq, 'gap' AS why FROM (" GAP_RUNS_SQL ") g "
      "UNION ALL " BROKEN_CHAIN_SQL " UNION ALL " + BadOutputStepsSql();
  return kSql;
}

}  // namespace

const std::vector<CheckDef>& RunChecksOfSteps() {
  static const std::vector<CheckDef> kChecks = {
      {"run_not_stopped", "runs without a stop reason and no live writer (interrupted)", true, false,
       "SELECT count(*) FROM runs WHERE stop_reason IS NULL AND (?1 = '' OR experiment_id = ?1) AND experiment_id "
       "NOT IN (SELECT experiment_id FROM doctor_live)",
       "SELECT id || ' (experiment ' || experiment_id || ' run ' || run_number || ')' FROM runs WHERE stop_reason IS "
       "NULL AND (?1 = '' OR experiment_id = ?1) AND experiment_id NOT IN (SELECT experiment_id FROM doctor_live) "
       "ORDER BY experiment_id, run_number LIMIT ?2"},
      {"sequence_gap", "runs whose sequence numbers are not 0, 1, 2, … without gaps", true, false,
       "SELECT count(*) FROM (" GAP_RUNS_SQL ")",
       "SELECT run_id || ' (first missing step ' || seq || ')' FROM (" + BadStepsSql() + ") WHERE why = 'gap' LIMIT ?2"},
      {"broken_input_chain", "invocations whose input_invocation_id is not the run's previous step", true, false,
       "SELECT count(*) FROM (" BROKEN_CHAIN_SQL ")",
       "SELECT run_id || ' step ' || sequence_number FROM (" BROKEN_CHAIN_SQL ") LIMIT ?2"},
  };
  return kChecks;
}

const std::vector<CheckDef>& CompletionChecks() {
  static const std::vector<CheckDef> kChecks = {
      {"completed_but_unfinished", "experiments with completed_at set and a run not finished", true, false,
       "SELECT count(*) FROM experiments e WHERE (?1 = '' OR e.id = ?1) AND e.completed_at IS NOT NULL AND EXISTS "
       "(SELECT 1 FROM runs r WHERE r.experiment_id = e.id AND (r.stop_reason IS NULL OR r.stop_reason = 'failed'))",
       "SELECT e.id FROM experiments e WHERE (?1 = '' OR e.id = ?1) AND e.completed_at IS NOT NULL AND EXISTS "
       "(SELECT 1 FROM runs r WHERE r.experiment_id = e.id AND (r.stop_reason IS NULL OR r.stop_reason = 'failed')) "
       "LIMIT ?2"},
  };
  return kChecks;
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
                                                     "first_bad FROM (" + BadStepsSql() + ") GROUP BY run_id"));
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

}  // namespace panic::store::integrity
