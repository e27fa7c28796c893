#include <nlohmann/json.hpp>

#include "panic/store/experiments_table.h"

#include "panic/store/id_prefix.h"
#include "panic/store/sqlite_db.h"
#include "panic/store/writer_lease.h"

namespace panic::store::experiments {
namespace {

constexpr const char* kExperimentColumns =
    "id, networks, seeds, prompts, embedding_models, max_length, options, started_at, completed_at, "
    "created_at, updated_at";

Result<ExperimentRecord> ReadExperiment(const Statement& q) {
  ExperimentRecord e;
  e.id = q.Text(0);
  try {
    e.networks = nlohmann::json::parse(q.Text(1)).get<std::vector<std::vector<std::string>>>();
    e.seeds = nlohmann::json::parse(q.Text(2)).get<std::vector<int64_t>>();
    e.prompts = nlohmann::json::parse(q.Text(3)).get<std::vector<std::string>>();
    e.embedding_models = nlohmann::json::parse(q.Text(4)).get<std::vector<std::string>>();
  } catch (const nlohmann::json::exception& ex) {
    return Status::Corruption("experiment " + e.id + ": undecodable JSON column: " + ex.what());
  }
  e.max_length = q.Int(5);
  e.options_json = q.Text(6);
  e.started_at = q.OptText(7);
  e.completed_at = q.OptText(8);
  e.created_at = q.Text(9);
  e.updated_at = q.Text(10);
  return e;
}

}  // namespace

Status Insert(SqliteDb& db, const ExperimentRecord& e, const std::vector<RunRecord>& runs) {
  PANIC_ASSIGN_OR_RETURN(Statement * ins,
                         db.Prepare("INSERT INTO experiments (" + std::string(kExperimentColumns) +
                                      ") VALUES (?,?,?,?,?,?,?,?,?,?,?)"));
  ins->Bind(1, e.id)
      .Bind(2, nlohmann::json(e.networks).dump())
      .Bind(3, nlohmann::json(e.seeds).dump())
      .Bind(4, nlohmann::json(e.prompts).dump())
      .Bind(5, nlohmann::json(e.embedding_models).dump())
      .Bind(6, e.max_length)
      .Bind(7, e.options_json)
      .Bind(8, e.started_at)
      .Bind(9, e.completed_at)
      .Bind(10, e.created_at)
      .Bind(11, e.updated_at);
  PANIC_RETURN_IF_ERROR(ins->Run());
  PANIC_ASSIGN_OR_RETURN(Statement * run_ins,
                         db.Prepare("INSERT INTO runs (id, experiment_id, run_number, network, seed, max_length, "
                                      "initial_prompt) VALUES (?,?,?,?,?,?,?)"));
  for (const RunRecord& r : runs) {
    run_ins->Bind(1, r.id)
        .Bind(2, r.experiment_id)
        .Bind(3, r.run_number)
        .Bind(4, nlohmann::json(r.network).dump())
        .Bind(5, r.seed)
        .Bind(6, r.max_length)
        .Bind(7, r.initial_prompt);
    PANIC_RETURN_IF_ERROR(run_ins->Run());
  }
  return Status::Ok();
}

Result<ExperimentRecord> Get(SqliteDb& db, const std::string& id) {
  PANIC_ASSIGN_OR_RETURN(Statement * q,
                         db.Prepare("SELECT " + std::string(kExperimentColumns) + " FROM experiments WHERE id = ?"));
  q->Bind(1, id);
  PANIC_ASSIGN_OR_RETURN(bool row, q->Step());
  if (!row) return Status::NotFound("no experiment with id '" + id + "'");
  auto e = ReadExperiment(*q);
  q->Reset();
  return e;
}

Result<std::vector<ExperimentRecord>> List(SqliteDb& db) {
  PANIC_ASSIGN_OR_RETURN(Statement * q, db.Prepare("SELECT " + std::string(kExperimentColumns) +
                                                     " FROM experiments ORDER BY created_at DESC, id DESC"));
  std::vector<ExperimentRecord> out;
  PANIC_RETURN_IF_ERROR(q->ForEachRow([&](const Statement& row) -> Status {
    PANIC_ASSIGN_OR_RETURN(ExperimentRecord e, ReadExperiment(row));
    out.push_back(std::move(e));
    return Status::Ok();
  }));
  return out;
}

Result<std::string> ResolveId(SqliteDb& db, const std::string& id_or_prefix) {
  if (id_or_prefix == "latest") {
    PANIC_ASSIGN_OR_RETURN(Statement * q, db.Prepare("SELECT id FROM experiments ORDER BY created_at DESC, id DESC LIMIT 1"));
    PANIC_ASSIGN_OR_RETURN(bool row, q->Step());
    if (!row) return Status::NotFound("the database '" + db.path() + "' has no experiments");
    std::string id = q->Text(0);
    q->Reset();
    return id;
  }
  return ResolveIdPrefix(db, "experiments", "experiment", id_or_prefix,
                         "its full id, a unique prefix of it, or latest; `experiment list` shows them");
}

Status SetStarted(SqliteDb& db, const std::string& id, const std::string& when) {
  PANIC_ASSIGN_OR_RETURN(Statement * q, db.Prepare("UPDATE experiments SET started_at = coalesce(started_at, ?1), "
                                                     "updated_at = ?1 WHERE id = ?2"));
  q->Bind(1, when).Bind(2, id);
  return q->Run();
}

Status SetCompleted(SqliteDb& db, const std::string& id, const std::string& when) {
  PANIC_ASSIGN_OR_RETURN(Statement * q, db.Prepare("UPDATE experiments SET completed_at = ?1, "
                                                     "updated_at = coalesce(?1, updated_at) WHERE id = ?2"));
  if (when.empty()) q->BindNull(1); else q->Bind(1, when);
  q->Bind(2, id);
  return q->Run();
}

Status Delete(SqliteDb& db, const std::string& id) {
  // Never from under a live writer; a stale lease goes with the experiment.
  PANIC_ASSIGN_OR_RETURN(auto writer, LiveWriter(db, id));
  if (writer) return HeldBy(*writer).WithContext("not deleted");
  // Explicit bulk deletes, leaves first, in one transaction (the caller's Write): each
  // statement walks an index once instead of firing a cascade sub-program per parent row,
  // and by the time a parent goes its children are gone, so the remaining per-row foreign-key
  // checks find empty index ranges. Order: clustering results whose scope includes this
  // experiment, also those spanning several (they would no longer be the snapshot they claim;
  // their embedding_clusters cascade by index), embeddings of its invocations (cross-experiment
  // embedding_clusters rows cascade, medoids are set NULL, both by index), diagrams,
  // invocations (the input_invocation_id chain stays inside this one statement, and migration 2
  // took its cascade away), then the experiment itself (runs and the stale lease cascade, now
  // childless). A crash anywhere rolls the whole delete back: never a partial experiment.
  static const char* const kSteps[] = {
      "DELETE FROM clustering_results WHERE experiment_id = ?1 OR id IN (SELECT clustering_result_id FROM "
      "clustering_result_experiments WHERE experiment_id = ?1)",  // every result whose scope includes it
      "DELETE FROM embeddings WHERE invocation_id IN (SELECT i.id FROM runs r JOIN invocations i ON i.run_id = r.id "
      "WHERE r.experiment_id = ?1)",
      "DELETE FROM persistence_diagrams WHERE run_id IN (SELECT id FROM runs WHERE experiment_id = ?1)",
      "DELETE FROM invocations WHERE run_id IN (SELECT id FROM runs WHERE experiment_id = ?1)",
      "DELETE FROM experiments WHERE id = ?1",
  };
  for (const char* sql : kSteps) {
    PANIC_ASSIGN_OR_RETURN(Statement * q, db.Prepare(sql));
    q->Bind(1, id);
    PANIC_RETURN_IF_ERROR(q->Run());
  }
  if (db.Changes() == 0) return Status::NotFound("no experiment with id '" + id + "'");
  return Status::Ok();
}

Result<ExperimentCounts> Count(SqliteDb& db, const std::string& id, CountVectors vectors, CountSteps steps) {
  ExperimentCounts c;
  PANIC_ASSIGN_OR_RETURN(Statement * runs, db.Prepare(
      "SELECT coalesce(stop_reason, 'running'), count(*) FROM runs WHERE experiment_id = ? GROUP BY 1"));
  runs->Bind(1, id);
  PANIC_RETURN_IF_ERROR(runs->ForEachRow([&](const Statement& row) -> Status {
    std::string reason = row.Text(0);
    int64_t n = row.Int(1);
    c.runs_total += n;
    c.stop_reasons[reason] = n;
    if (reason == kStopFailed) c.runs_failed += n;
    else if (reason != "running") c.runs_finished += n;
    return Status::Ok();
  }));
  if (steps == CountSteps::kWith) {
    PANIC_ASSIGN_OR_RETURN(Statement * inv, db.Prepare(
        "SELECT coalesce(sum(i.type = 'text'), 0), coalesce(sum(i.type = 'image'), 0) FROM runs r "
        "CROSS JOIN invocations i ON i.run_id = r.id WHERE r.experiment_id = ?"));
    // Two sums in one pass instead of GROUP BY i.type, which sorted every step into a temporary
    // B-tree (type is 'text' or 'image' by the table's CHECK).
    inv->Bind(1, id);
    PANIC_RETURN_IF_ERROR(inv->ForEachRow([&](const Statement& row) -> Status {
      c.text_invocations = row.Int(0);
      c.image_invocations = row.Int(1);
      return Status::Ok();
    }));
    c.invocations = c.text_invocations + c.image_invocations;
  }
  if (vectors == CountVectors::kWith) {
    PANIC_ASSIGN_OR_RETURN(Statement * emb, db.Prepare(
        "SELECT e.embedding_model, count(*) FROM embeddings e JOIN invocations i ON i.id = e.invocation_id "
        "JOIN runs r ON r.id = i.run_id WHERE r.experiment_id = ? GROUP BY 1"));
    emb->Bind(1, id);
    PANIC_RETURN_IF_ERROR(emb->ForEachRow([&](const Statement& row) -> Status {
      c.embeddings[row.Text(0)] = row.Int(1);
      return Status::Ok();
    }));
  }
  PANIC_ASSIGN_OR_RETURN(Statement * pd, db.Prepare(
      "SELECT d.embedding_model, sum(d.diagram_data IS NOT NULL), sum(d.error IS NOT NULL) "
      "FROM persistence_diagrams d JOIN runs r ON r.id = d.run_id WHERE r.experiment_id = ? GROUP BY 1"));
  pd->Bind(1, id);
  PANIC_RETURN_IF_ERROR(pd->ForEachRow([&](const Statement& row) -> Status {
    c.diagrams[row.Text(0)] = row.Int(1);
    c.diagram_failures[row.Text(0)] = row.Int(2);
    return Status::Ok();
  }));
  return c;
}

}  // namespace panic::store::experiments
