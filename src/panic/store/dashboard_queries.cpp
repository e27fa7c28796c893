#include "panic/store/dashboard_queries.h"

#include <nlohmann/json.hpp>

#include "panic/store/sqlite_db.h"

namespace panic::store::dashboard {
namespace {

// ORDER BY clauses chosen from a fixed table: nothing of the request reaches the SQL text.
const char* OrderColumn(RunSort sort) {
  switch (sort) {
    case RunSort::kNumber: return "r.run_number";
    case RunSort::kLength: return "length";
    case RunSort::kSeed: return "r.seed";
    case RunSort::kStopReason: return "COALESCE(r.stop_reason, '')";
    case RunSort::kLoopLength: return "COALESCE(r.loop_length, -1)";
    case RunSort::kNetwork: return "r.network";
  }
  return "r.run_number";
}

}  // namespace

Result<RunSort> ParseRunSort(const std::string& name) {
  if (name == "number") return RunSort::kNumber;
  if (name == "length") return RunSort::kLength;
  if (name == "seed") return RunSort::kSeed;
  if (name == "stop_reason") return RunSort::kStopReason;
  if (name == "loop_length") return RunSort::kLoopLength;
  if (name == "network") return RunSort::kNetwork;
  return Status::InvalidArgument("sort: '" + name +
                                 "' is not one of: number, length, seed, stop_reason, loop_length, network");
}

Result<RunsPage> ListRunsPage(SqliteDb& db, const RunsPageQuery& query) {
  RunsPage page;
  PANIC_ASSIGN_OR_RETURN(Statement * total, db.Prepare("SELECT COUNT(*) FROM runs WHERE experiment_id = ?"));
  total->Bind(1, query.experiment_id);
  PANIC_ASSIGN_OR_RETURN(page.total, total->ScalarInt());
  const std::string direction = query.descending ? " DESC" : " ASC";
  const std::string sql =
      "SELECT r.id, r.experiment_id, r.run_number, r.network, r.seed, r.max_length, r.initial_prompt, "
      "r.stop_reason, r.loop_length, r.error, r.completed_at, "
      "(SELECT COUNT(*) FROM invocations i WHERE i.run_id = r.id) AS length "
      "FROM runs r WHERE r.experiment_id = ? ORDER BY " +
      std::string(OrderColumn(query.sort)) + direction + ", r.run_number" + direction + " LIMIT ? OFFSET ?";
  PANIC_ASSIGN_OR_RETURN(Statement * q, db.Prepare(sql));
  q->Bind(1, query.experiment_id).Bind(2, query.limit).Bind(3, query.offset);
  PANIC_RETURN_IF_ERROR(q->ForEachRow([&](const Statement& row) -> Status {
    RunWithLength r;
    r.run.id = row.Text(0);
    r.run.experiment_id = row.Text(1);
    r.run.run_number = row.Int(2);
    try {
      r.run.network = nlohmann::json::parse(row.Text(3)).get<std::vector<std::string>>();
    } catch (const nlohmann::json::exception& ex) {
      return Status::Corruption("run " + r.run.id + ": undecodable network JSON: " + ex.what());
    }
    r.run.seed = row.Int(4);
    r.run.max_length = row.Int(5);
    r.run.initial_prompt = row.Text(6);
    r.run.stop_reason = row.OptText(7);
    r.run.loop_length = row.OptInt(8);
    r.run.error = row.OptText(9);
    r.run.completed_at = row.OptText(10);
    r.length = row.Int(11);
    page.runs.push_back(std::move(r));
    return Status::Ok();
  }));
  return page;
}

Result<StoredImage> InvocationImage(SqliteDb& db, const std::string& id) {
  PANIC_ASSIGN_OR_RETURN(Statement * q,
                         db.Prepare("SELECT type, output_image FROM invocations WHERE id = ?"));
  q->Bind(1, id);
  PANIC_ASSIGN_OR_RETURN(bool found, q->Step());
  if (!found) {
    q->Reset();
    return Status::NotFound("no invocation with id '" + id + "'");
  }
  if (q->Text(0) != "image") {
    q->Reset();
    return Status::NotFound("invocation '" + id + "' has a text output, not an image");
  }
  StoredImage image;
  image.bytes = q->Blob(1);
  q->Reset();
  return image;
}

Result<std::vector<ClusterExample>> ClusterExamples(SqliteDb& db, const std::string& result_id, int64_t label,
                                                    int64_t limit) {
  PANIC_ASSIGN_OR_RETURN(
      Statement * q,
      db.Prepare("SELECT i.id, i.type, COALESCE(i.output_text, ''), "
                 "(SELECT p.id FROM invocations p WHERE p.id = i.input_invocation_id AND p.type = 'image') "
                 "FROM embedding_clusters ec JOIN embeddings e ON e.id = ec.embedding_id "
                 "JOIN invocations i ON i.id = e.invocation_id "
                 "WHERE ec.clustering_result_id = ? AND ec.cluster_label = ? ORDER BY ec.rowid LIMIT ?"));
  q->Bind(1, result_id).Bind(2, label).Bind(3, limit);
  std::vector<ClusterExample> out;
  PANIC_RETURN_IF_ERROR(q->ForEachRow([&](const Statement& row) -> Status {
    out.push_back({row.Text(0), row.Text(1), row.Text(2), row.OptText(3)});
    return Status::Ok();
  }));
  return out;
}

}  // namespace panic::store::dashboard
