#include "panic/store/sqlite_db.h"
#include "panic/store/store.h"

namespace panic::store {
namespace {

const char* TypeName(OutputType t) { return t == OutputType::kText ? "text" : "image"; }

Result<InvocationRecord> ReadInvocation(const Statement& q, bool with_outputs) {
  InvocationRecord r;
  r.id = q.Text(0);
  r.run_id = q.Text(1);
  r.sequence_number = q.Int(2);
  r.model = q.Text(3);
  std::string type = q.Text(4);
  if (type == "text") r.type = OutputType::kText;
  else if (type == "image") r.type = OutputType::kImage;
  else return Status::Corruption("invocation " + r.id + ": unknown type '" + type + "'");
  r.seed = q.Int(5);
  r.input_invocation_id = q.OptText(6);
  if (with_outputs) {
    r.output_text = q.Text(7);
    r.output_image = q.Blob(8);
  }
  r.started_at = q.Text(9);
  r.completed_at = q.Text(10);
  return r;
}

constexpr const char* kInvocationColumns =
    "id, run_id, sequence_number, model, type, seed, input_invocation_id, output_text, output_image, started_at, "
    "completed_at";

}  // namespace

Status Store::CommitStep(const std::vector<InvocationRecord>& invocations,
                         const std::vector<RunCompletion>& completions) {
  PANIC_ASSIGN_OR_RETURN(auto txn, Transaction::Begin(*db_));
  PANIC_ASSIGN_OR_RETURN(Statement * ins, db_->Prepare("INSERT INTO invocations (" + std::string(kInvocationColumns) +
                                                       ") VALUES (?,?,?,?,?,?,?,?,?,?,?)"));
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
    ins->Bind(10, r.started_at).Bind(11, r.completed_at);
    Status s = ins->Run();
    if (!s.ok()) {
      return s.WithContext("run " + r.run_id + " step " + std::to_string(r.sequence_number));
    }
  }
  PANIC_ASSIGN_OR_RETURN(Statement * done, db_->Prepare(
      "UPDATE runs SET stop_reason = ?, loop_length = ?, error = ?, completed_at = ? WHERE id = ?"));
  for (const RunCompletion& c : completions) {
    done->Bind(1, c.stop_reason).Bind(2, c.loop_length).Bind(3, c.error).Bind(4, c.completed_at).Bind(5, c.run_id);
    PANIC_RETURN_IF_ERROR(done->Run());
  }
  return txn->Commit();
}

Result<std::vector<InvocationRecord>> Store::ListInvocations(const std::string& run_id, bool with_outputs) {
  const std::string columns =
      with_outputs ? kInvocationColumns
                   : "id, run_id, sequence_number, model, type, seed, input_invocation_id, NULL, NULL, started_at, "
                     "completed_at";
  PANIC_ASSIGN_OR_RETURN(Statement * q, db_->Prepare("SELECT " + columns +
                                                     " FROM invocations WHERE run_id = ? ORDER BY sequence_number"));
  q->Bind(1, run_id);
  std::vector<InvocationRecord> out;
  PANIC_RETURN_IF_ERROR(q->ForEachRow([&](const Statement& row) -> Status {
    PANIC_ASSIGN_OR_RETURN(InvocationRecord r, ReadInvocation(row, with_outputs));
    out.push_back(std::move(r));
    return Status::Ok();
  }));
  return out;
}

Result<InvocationRecord> Store::GetInvocation(const std::string& id) {
  PANIC_ASSIGN_OR_RETURN(Statement * q, db_->Prepare("SELECT " + std::string(kInvocationColumns) +
                                                     " FROM invocations WHERE id = ?"));
  q->Bind(1, id);
  PANIC_ASSIGN_OR_RETURN(bool row, q->Step());
  if (!row) return Status::NotFound("no invocation with id '" + id + "'");
  auto r = ReadInvocation(*q, true);
  q->Reset();
  return r;
}

Result<std::map<std::string, int64_t>> Store::InvocationCountsByRun(const std::string& experiment_id) {
  PANIC_ASSIGN_OR_RETURN(Statement * q, db_->Prepare(
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

}  // namespace panic::store
