#include "panic/store/work_intervals.h"

#include "panic/core/time.h"
#include "panic/store/sqlite_db.h"

namespace panic::store {

Result<std::vector<WorkInterval>> WorkIntervals(SqliteDb& db, const std::string& experiment_id, WorkTable table) {
  const char* sql = nullptr;
  const char* name = nullptr;
  switch (table) {
    case WorkTable::kInvocations:
      name = "invocations";
      sql = "SELECT i.started_at, i.completed_at, count(*) FROM invocations i JOIN runs r ON r.id = i.run_id "
            "WHERE r.experiment_id = ? GROUP BY i.started_at, i.completed_at ORDER BY i.started_at";
      break;
    case WorkTable::kEmbeddings:
      name = "embeddings";
      sql = "SELECT e.started_at, e.completed_at, count(*) FROM embeddings e JOIN invocations i ON i.id = "
            "e.invocation_id JOIN runs r ON r.id = i.run_id WHERE r.experiment_id = ? "
            "GROUP BY e.started_at, e.completed_at ORDER BY e.started_at";
      break;
    case WorkTable::kDiagrams:
      name = "persistence_diagrams";
      sql = "SELECT d.started_at, d.completed_at, count(*) FROM persistence_diagrams d JOIN runs r ON r.id = "
            "d.run_id WHERE r.experiment_id = ? GROUP BY d.started_at, d.completed_at ORDER BY d.started_at";
      break;
    case WorkTable::kPromptEmbeddings:
      name = "prompt_embeddings";
      sql = "SELECT started_at, completed_at, count(*) FROM prompt_embeddings WHERE experiment_id = ? "
            "GROUP BY started_at, completed_at ORDER BY started_at";
      break;
  }
  PANIC_ASSIGN_OR_RETURN(Statement * q, db.Prepare(sql));
  q->Bind(1, experiment_id);
  std::vector<WorkInterval> out;
  PANIC_RETURN_IF_ERROR(q->ForEachRow([&](const Statement& row) -> Status {
    auto start = ParseIsoMicros(row.Text(0));
    auto end = ParseIsoMicros(row.Text(1));
    if (!start.ok() || !end.ok()) {
      return Status::Corruption(std::string(name) + ": a row of experiment " + experiment_id +
                                " has a timestamp that is not ISO 8601 ('" + row.Text(0) + "', '" + row.Text(1) + "')");
    }
    out.push_back({*start, *end, row.Int(2)});
    return Status::Ok();
  }));
  return out;
}

}  // namespace panic::store
