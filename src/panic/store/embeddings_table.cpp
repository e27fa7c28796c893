#include "panic/store/embeddings_table.h"

#include "panic/store/sqlite_db.h"
#include "panic/store/vector_codec.h"

namespace panic::store::embeddings {

Status Insert(SqliteDb& db, const std::vector<EmbeddingRecord>& embeddings) {
  PANIC_ASSIGN_OR_RETURN(Statement * ins, db.Prepare(
      "INSERT INTO embeddings (id, invocation_id, embedding_model, vector, started_at, completed_at) "
      "VALUES (?,?,?,?,?,?)"));
  for (const auto& e : embeddings) {
    ins->Bind(1, e.id).Bind(2, e.invocation_id).Bind(3, e.embedding_model);
    ins->BindBlob(4, EncodeVector(e.vector)).Bind(5, e.started_at).Bind(6, e.completed_at);
    Status s = ins->Run();
    if (!s.ok()) return s.WithContext("embedding of invocation " + e.invocation_id + " under " + e.embedding_model);
  }
  return Status::Ok();
}

Result<std::vector<std::vector<float>>> LoadRunVectors(SqliteDb& db, const std::string& run_id,
                                                       const std::string& model) {
  PANIC_ASSIGN_OR_RETURN(Statement * q, db.Prepare(
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

Result<std::map<std::string, std::vector<std::string>>> ModelsByInvocation(SqliteDb& db, const std::string& run_id) {
  PANIC_ASSIGN_OR_RETURN(Statement * q, db.Prepare(
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

}  // namespace panic::store::embeddings
