#include <nlohmann/json.hpp>

#include "panic/store/runs_table.h"

#include "panic/store/id_prefix.h"
#include "panic/store/sqlite_db.h"

namespace panic::store::runs {
namespace {

constexpr const char* kRunColumns =
    "id, experiment_id, run_number, network, seed, max_length, initial_prompt, stop_reason, loop_length, error, "
    "completed_at";

Result<RunRecord> ReadRun(const Statement& q) {
  RunRecord r;
  r.id = q.Text(0);
  r.experiment_id = q.Text(1);
  r.run_number = q.Int(2);
  try {
    r.network = nlohmann::json::parse(q.Text(3)).get<std::vector<std::string>>();
  } catch (const nlohmann::json::exception& ex) {
    return Status::Corruption("run " + r.id + ": undecodable network JSON: " + ex.what());
  }
  r.seed = q.Int(4);
  r.max_length = q.Int(5);
  r.initial_prompt = q.Text(6);
  r.stop_reason = q.OptText(7);
  r.loop_length = q.OptInt(8);
  r.error = q.OptText(9);
  r.completed_at = q.OptText(10);
  return r;
}

Result<std::vector<RunRecord>> ReadRuns(Statement* q) {
  std::vector<RunRecord> out;
  PANIC_RETURN_IF_ERROR(q->ForEachRow([&](const Statement& row) -> Status {
    PANIC_ASSIGN_OR_RETURN(RunRecord r, ReadRun(row));
    out.push_back(std::move(r));
    return Status::Ok();
  }));
  return out;
}

}  // namespace

Result<std::vector<RunRecord>> List(SqliteDb& db, const std::string& experiment_id) {
  PANIC_ASSIGN_OR_RETURN(Statement * q, db.Prepare("SELECT " + std::string(kRunColumns) +
                                                     " FROM runs WHERE experiment_id = ? ORDER BY run_number"));
  q->Bind(1, experiment_id);
  return ReadRuns(q);
}

Result<std::vector<RunRecord>> ListAll(SqliteDb& db) {
  PANIC_ASSIGN_OR_RETURN(Statement * q, db.Prepare("SELECT " + std::string(kRunColumns) +
                                                     " FROM runs ORDER BY experiment_id, run_number"));
  return ReadRuns(q);
}

Result<RunRecord> Get(SqliteDb& db, const std::string& id) {
  PANIC_ASSIGN_OR_RETURN(Statement * q, db.Prepare("SELECT " + std::string(kRunColumns) + " FROM runs WHERE id = ?"));
  q->Bind(1, id);
  PANIC_ASSIGN_OR_RETURN(auto runs, ReadRuns(q));
  if (runs.empty()) return Status::NotFound("no run with id '" + id + "'");
  return runs[0];
}

Result<std::string> ResolveId(SqliteDb& db, const std::string& id_or_prefix) {
  return ResolveIdPrefix(db, "runs", "run", id_or_prefix,
                         "its full id, a unique prefix of it, EXP#N (run N of experiment EXP, e.g. latest#0) or "
                         "latest (the last run of the latest experiment); `run list` shows them");
}

Result<int64_t> ReopenFailed(SqliteDb& db, const std::string& experiment_id) {
  PANIC_ASSIGN_OR_RETURN(Statement * q, db.Prepare(
      "UPDATE runs SET stop_reason = NULL, error = NULL, completed_at = NULL "
      "WHERE experiment_id = ? AND stop_reason = 'failed'"));
  q->Bind(1, experiment_id);
  PANIC_RETURN_IF_ERROR(q->Run());
  return db.Changes();
}

Status MarkFailed(SqliteDb& db, const std::vector<std::string>& run_ids, const std::string& error,
                  const std::string& when) {
  PANIC_ASSIGN_OR_RETURN(Statement * q, db.Prepare(
      "UPDATE runs SET stop_reason = 'failed', error = ?, completed_at = ? WHERE id = ?"));
  for (const auto& id : run_ids) {
    q->Bind(1, error).Bind(2, when).Bind(3, id);
    PANIC_RETURN_IF_ERROR(q->Run());
  }
  return Status::Ok();
}

}  // namespace panic::store::runs
