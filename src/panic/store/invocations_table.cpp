#include "panic/store/invocations_table.h"

#include "panic/store/id_prefix.h"
#include "panic/store/sqlite_db.h"

namespace panic::store::invocations {
namespace {

const char* TypeName(OutputType t) { return t == OutputType::kText ? "text" : "image"; }

constexpr const char* kColumns =
    "i.id, i.run_id, i.sequence_number, i.model, i.type, i.seed, i.input_invocation_id, i.output_text, "
    "i.output_image, i.started_at, i.completed_at, i.batch_size, i.batch_position";
constexpr const char* kColumnsWithoutOutputs =
    "i.id, i.run_id, i.sequence_number, i.model, i.type, i.seed, i.input_invocation_id, NULL, NULL, "
    "i.started_at, i.completed_at, i.batch_size, i.batch_position";

// Reads the columns above (0..12).
Result<InvocationRecord> ReadInvocation(const Statement& q, bool with_outputs) {
  InvocationRecord r;
  r.id = q.Text(0);
  r.run_id = q.Text(1);
  r.sequence_number = q.Int(2);
  r.model = q.Text(3);
  std::string type = q.Text(4);
  if (type == "text") r.type = OutputType::kText;
  else if (type == "image") r.type = OutputType::kImage;
  else return Status::Corruption("invocations row " + r.id + ": unknown type '" + type + "'");
  r.seed = q.Int(5);
  r.input_invocation_id = q.OptText(6);
  if (with_outputs) {
    r.output_text = q.Text(7);
    r.output_image = q.Blob(8);
  }
  r.started_at = q.Text(9);
  r.completed_at = q.Text(10);
  r.batch_size = q.OptInt(11);
  r.batch_position = q.OptInt(12);
  return r;
}

}  // namespace

Status InsertStep(SqliteDb& db, const std::vector<InvocationRecord>& invocations,
                  const std::vector<RunCompletion>& completions) {
  PANIC_ASSIGN_OR_RETURN(Statement * ins, db.Prepare(
      "INSERT INTO invocations (id, run_id, sequence_number, model, type, seed, input_invocation_id, output_text, "
      "output_image, started_at, completed_at, batch_size, batch_position) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)"));
  for (const InvocationRecord& r : invocations) {
    ins->Bind(1, r.id)
        .Bind(2, r.run_id)
        .Bind(3, r.sequence_number)
        .Bind(4, r.model)
        .Bind(5, TypeName(r.type))
        .Bind(6, r.seed)
        .Bind(7, r.input_invocation_id);
    if (r.type == OutputType::kText) {
      ins->Bind(8, r.output_text).BindNull(9);
    } else {
      ins->BindNull(8).BindBlob(9, r.output_image);
    }
    ins->Bind(10, r.started_at).Bind(11, r.completed_at).Bind(12, r.batch_size).Bind(13, r.batch_position);
    Status s = ins->Run();
    if (!s.ok()) return s.WithContext("run " + r.run_id + " step " + std::to_string(r.sequence_number));
  }
  PANIC_ASSIGN_OR_RETURN(Statement * done, db.Prepare(
      "UPDATE runs SET stop_reason = ?, loop_length = ?, error = ?, completed_at = ? WHERE id = ?"));
  for (const RunCompletion& c : completions) {
    done->Bind(1, c.stop_reason).Bind(2, c.loop_length).Bind(3, c.error).Bind(4, c.completed_at).Bind(5, c.run_id);
    PANIC_RETURN_IF_ERROR(done->Run().WithContext("completion of run " + c.run_id));
  }
  return Status::Ok();
}

Result<std::vector<InvocationRecord>> Scan(SqliteDb& db, const InvocationFilter& filter, int64_t limit,
                                           InvocationCursor* cursor) {
  // One statement text per combination of filters (each prepared once and cached). The
  // parameters keep their numbers whichever filters are present.
  std::string sql = std::string("SELECT ") + (filter.with_outputs ? kColumns : kColumnsWithoutOutputs) +
                    ", r.run_number FROM runs r JOIN invocations i ON i.run_id = r.id "
                    "WHERE (r.run_number, i.sequence_number) > (?1, ?2)";
  if (filter.experiment_id) sql += " AND r.experiment_id = ?3";
  if (filter.run_id) sql += " AND i.run_id = ?4";
  if (filter.type) sql += " AND i.type = ?5";
  if (filter.without_embedding) {
    sql += " AND NOT EXISTS (SELECT 1 FROM embeddings e WHERE e.invocation_id = i.id AND e.embedding_model = ?6)";
  }
  sql += " ORDER BY r.run_number, i.sequence_number LIMIT ?7";
  PANIC_ASSIGN_OR_RETURN(Statement * q, db.Prepare(sql));
  q->Bind(1, cursor->run_number).Bind(2, cursor->sequence_number).Bind(7, limit);
  if (filter.experiment_id) q->Bind(3, *filter.experiment_id);
  if (filter.run_id) q->Bind(4, *filter.run_id);
  if (filter.type) q->Bind(5, TypeName(*filter.type));
  if (filter.without_embedding) q->Bind(6, *filter.without_embedding);
  std::vector<InvocationRecord> out;
  PANIC_RETURN_IF_ERROR(q->ForEachRow([&](const Statement& row) -> Status {
    PANIC_ASSIGN_OR_RETURN(InvocationRecord r, ReadInvocation(row, filter.with_outputs));
    *cursor = {row.Int(13), r.sequence_number};
    out.push_back(std::move(r));
    return Status::Ok();
  }));
  return out;
}

Result<std::vector<InvocationRecord>> ListForRun(SqliteDb& db, const std::string& run_id, bool with_outputs) {
  InvocationFilter filter;
  filter.run_id = run_id;
  filter.with_outputs = with_outputs;
  InvocationCursor cursor;
  std::vector<InvocationRecord> out;
  constexpr int64_t kPage = 1024;
  while (true) {
    PANIC_ASSIGN_OR_RETURN(auto page, Scan(db, filter, kPage, &cursor));
    const bool last = static_cast<int64_t>(page.size()) < kPage;
    for (auto& r : page) out.push_back(std::move(r));
    if (last) return out;
  }
}

Result<InvocationRecord> Get(SqliteDb& db, const std::string& id) {
  PANIC_ASSIGN_OR_RETURN(Statement * q, db.Prepare(std::string("SELECT ") + kColumns + " FROM invocations i WHERE i.id = ?"));
  q->Bind(1, id);
  PANIC_ASSIGN_OR_RETURN(bool row, q->Step());
  if (!row) {
    return Status::NotFound("no invocation with id '" + id +
                            "' (name an invocation by its full id; `run show RUN --json` lists them)");
  }
  auto r = ReadInvocation(*q, true);
  q->Reset();
  return r;
}

Result<std::string> ResolveId(SqliteDb& db, const std::string& id_or_prefix) {
  return ResolveIdPrefix(db, "invocations", "invocation", id_or_prefix,
                         "its full id or a unique prefix of it; `run show RUN --json` lists them");
}

Result<std::map<std::string, int64_t>> CountsByRun(SqliteDb& db, const std::string& experiment_id) {
  PANIC_ASSIGN_OR_RETURN(Statement * q, db.Prepare(
      "SELECT i.run_id, count(*) FROM invocations i JOIN runs r ON r.id = i.run_id "
      "WHERE r.experiment_id = ? GROUP BY i.run_id"));
  q->Bind(1, experiment_id);
  std::map<std::string, int64_t> out;
  PANIC_RETURN_IF_ERROR(q->ForEachRow([&](const Statement& row) -> Status {
    out[row.Text(0)] = row.Int(1);
    return Status::Ok();
  }));
  return out;
}

}  // namespace panic::store::invocations
