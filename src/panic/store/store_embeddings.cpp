#include "panic/store/sqlite_db.h"
#include "panic/store/store.h"
#include "panic/store/vector_codec.h"

namespace panic::store {

Result<std::vector<InvocationRecord>> Store::ListUnembedded(const std::string& experiment_id, const std::string& model,
                                                            OutputType type, int64_t limit, InvocationCursor* cursor) {
  PANIC_ASSIGN_OR_RETURN(Statement * q, db_->Prepare(
      "SELECT i.id, i.run_id, i.sequence_number, i.output_text, i.output_image, r.run_number FROM runs r "
      "JOIN invocations i ON i.run_id = r.id "
      "WHERE r.experiment_id = ?1 AND (r.run_number, i.sequence_number) > (?5, ?6) AND i.type = ?2 AND NOT EXISTS "
      "(SELECT 1 FROM embeddings e WHERE e.invocation_id = i.id AND e.embedding_model = ?3) "
      "ORDER BY r.run_number, i.sequence_number LIMIT ?4"));
  q->Bind(1, experiment_id).Bind(2, type == OutputType::kText ? "text" : "image").Bind(3, model).Bind(4, limit);
  q->Bind(5, cursor->run_number).Bind(6, cursor->sequence_number);
  std::vector<InvocationRecord> out;
  PANIC_RETURN_IF_ERROR(q->ForEachRow([&](const Statement& row) -> Status {
    InvocationRecord r;
    r.id = row.Text(0);
    r.run_id = row.Text(1);
    r.sequence_number = row.Int(2);
    r.type = type;
    r.output_text = row.Text(3);
    r.output_image = row.Blob(4);
    *cursor = {row.Int(5), r.sequence_number};
    out.push_back(std::move(r));
    return Status::Ok();
  }));
  return out;
}

Status Store::InsertEmbeddings(const std::vector<EmbeddingRecord>& embeddings) {
  PANIC_ASSIGN_OR_RETURN(auto txn, Transaction::Begin(*db_));
  PANIC_ASSIGN_OR_RETURN(Statement * ins, db_->Prepare(
      "INSERT INTO embeddings (id, invocation_id, embedding_model, vector, started_at, completed_at) "
      "VALUES (?,?,?,?,?,?)"));
  for (const auto& e : embeddings) {
    ins->Bind(1, e.id).Bind(2, e.invocation_id).Bind(3, e.embedding_model);
    ins->BindBlob(4, EncodeVector(e.vector)).Bind(5, e.started_at).Bind(6, e.completed_at);
    Status s = ins->Run();
    if (!s.ok()) return s.WithContext("embedding of invocation " + e.invocation_id + " under " + e.embedding_model);
  }
  return txn->Commit();
}

Result<std::vector<std::vector<float>>> Store::LoadRunVectors(const std::string& run_id, const std::string& model) {
  PANIC_ASSIGN_OR_RETURN(Statement * q, db_->Prepare(
      "SELECT e.vector, i.id FROM embeddings e JOIN invocations i ON i.id = e.invocation_id "
      "WHERE i.run_id = ? AND e.embedding_model = ? ORDER BY i.sequence_number"));
  q->Bind(1, run_id).Bind(2, model);
  std::vector<std::vector<float>> out;
  PANIC_RETURN_IF_ERROR(q->ForEachRow([&](const Statement& row) -> Status {
    auto v = DecodeVector(row.Blob(0));
    if (!v.ok()) {
      return Status::Corruption("embeddings row of invocation " + row.Text(1) + " under " + model +
                                ": damaged vector: " + v.status().message());
    }
    out.push_back(std::move(v).value());
    return Status::Ok();
  }));
  return out;
}

Result<std::map<std::string, std::vector<std::string>>> Store::EmbeddingModelsByInvocation(const std::string& run_id) {
  PANIC_ASSIGN_OR_RETURN(Statement * q, db_->Prepare(
      "SELECT e.invocation_id, e.embedding_model FROM embeddings e JOIN invocations i ON i.id = e.invocation_id "
      "WHERE i.run_id = ? ORDER BY e.embedding_model"));
  q->Bind(1, run_id);
  std::map<std::string, std::vector<std::string>> out;
  PANIC_RETURN_IF_ERROR(q->ForEachRow([&](const Statement& row) -> Status {
    out[row.Text(0)].push_back(row.Text(1));
    return Status::Ok();
  }));
  return out;
}

}  // namespace panic::store
