#include "panic/store/diagrams_table.h"

#include "panic/store/sqlite_db.h"

namespace panic::store {
namespace diagrams {

Result<std::vector<std::pair<std::string, int64_t>>> RunsNeedingDiagram(SqliteDb& db, const std::string& experiment_id,
                                                                       const std::string& model) {
  PANIC_ASSIGN_OR_RETURN(Statement * q, db.Prepare(
      "SELECT r.id, count(*) FROM runs r JOIN invocations i ON i.run_id = r.id "
      "JOIN embeddings e ON e.invocation_id = i.id AND e.embedding_model = ?2 "
      "WHERE r.experiment_id = ?1 AND r.stop_reason IN ('length', 'duplicate') "
      "AND NOT EXISTS (SELECT 1 FROM persistence_diagrams d "
      "  WHERE d.run_id = r.id AND d.embedding_model = ?2 AND d.diagram_data IS NOT NULL) "
      "GROUP BY r.id HAVING count(*) >= 2 ORDER BY r.run_number"));
  q->Bind(1, experiment_id).Bind(2, model);
  std::vector<std::pair<std::string, int64_t>> out;
  PANIC_RETURN_IF_ERROR(q->ForEachRow([&](const Statement& row) -> Status {
    out.emplace_back(row.Text(0), row.Int(1));
    return Status::Ok();
  }));
  return out;
}

Result<int64_t> CountRunsWithPoints(SqliteDb& db, const std::string& experiment_id, const std::string& model) {
  PANIC_ASSIGN_OR_RETURN(Statement * q, db.Prepare(
      "SELECT count(*) FROM (SELECT r.id FROM runs r JOIN invocations i ON i.run_id = r.id "
      "JOIN embeddings e ON e.invocation_id = i.id AND e.embedding_model = ?2 "
      "WHERE r.experiment_id = ?1 GROUP BY r.id HAVING count(*) >= 2)"));
  q->Bind(1, experiment_id).Bind(2, model);
  return q->ScalarInt();
}

Result<int64_t> CountRunsWithOutputs(SqliteDb& db, const std::string& experiment_id, OutputType type,
                                     int64_t at_least) {
  PANIC_ASSIGN_OR_RETURN(Statement * q, db.Prepare(
      "SELECT count(*) FROM (SELECT r.id FROM runs r JOIN invocations i ON i.run_id = r.id "
      "WHERE r.experiment_id = ?1 AND i.type = ?2 GROUP BY r.id HAVING count(*) >= ?3)"));
  q->Bind(1, experiment_id).Bind(2, type == OutputType::kText ? "text" : "image").Bind(3, at_least);
  return q->ScalarInt();
}

Status Put(SqliteDb& db, const PersistenceDiagramRecord& d) {
  // A failed attempt leaves a row with an error; a later attempt replaces it.
  PANIC_ASSIGN_OR_RETURN(Statement * del, db.Prepare(
      "DELETE FROM persistence_diagrams WHERE run_id = ? AND embedding_model = ? AND diagram_data IS NULL"));
  del->Bind(1, d.run_id).Bind(2, d.embedding_model);
  PANIC_RETURN_IF_ERROR(del->Run());
  PANIC_ASSIGN_OR_RETURN(Statement * ins, db.Prepare(
      "INSERT INTO persistence_diagrams (id, run_id, embedding_model, diagram_data, error, started_at, completed_at, "
      "point_count, last_sequence_number, approximation_epsilon) VALUES (?,?,?,?,?,?,?,?,?,?)"));
  ins->Bind(1, d.id).Bind(2, d.run_id).Bind(3, d.embedding_model);
  if (d.diagram_data) ins->BindBlob(4, *d.diagram_data); else ins->BindNull(4);
  ins->Bind(5, d.error).Bind(6, d.started_at).Bind(7, d.completed_at);
  ins->Bind(8, d.point_count).Bind(9, d.last_sequence_number).Bind(10, d.approximation_epsilon);
  return ins->Run().WithContext("diagram of run " + d.run_id + " under " + d.embedding_model);
}

Result<PersistenceDiagramRecord> Get(SqliteDb& db, const std::string& run_id, const std::string& model) {
  PANIC_ASSIGN_OR_RETURN(Statement * q, db.Prepare(
      "SELECT id, diagram_data, error, started_at, completed_at, point_count, last_sequence_number, "
      "approximation_epsilon FROM persistence_diagrams "
      "WHERE run_id = ? AND embedding_model = ?"));
  q->Bind(1, run_id).Bind(2, model);
  PANIC_ASSIGN_OR_RETURN(bool row, q->Step());
  if (!row) {
    q->Reset();
    return Status::NotFound("run " + run_id + " has no persistence diagram under '" + model + "'");
  }
  PersistenceDiagramRecord d;
  d.id = q->Text(0);
  d.run_id = run_id;
  d.embedding_model = model;
  if (!q->IsNull(1)) d.diagram_data = q->Blob(1);
  d.error = q->OptText(2);
  d.started_at = q->Text(3);
  d.completed_at = q->Text(4);
  d.point_count = q->OptInt(5);
  d.last_sequence_number = q->OptInt(6);
  if (!q->IsNull(7)) d.approximation_epsilon = q->Double(7);
  q->Reset();
  return d;
}

Result<std::vector<std::string>> Models(SqliteDb& db, const std::string& run_id) {
  PANIC_ASSIGN_OR_RETURN(Statement * q, db.Prepare(
      "SELECT embedding_model FROM persistence_diagrams WHERE run_id = ? ORDER BY embedding_model"));
  q->Bind(1, run_id);
  std::vector<std::string> out;
  PANIC_RETURN_IF_ERROR(q->ForEachRow([&](const Statement& row) -> Status {
    out.push_back(row.Text(0));
    return Status::Ok();
  }));
  return out;
}

Result<std::vector<ApproximateDiagramCount>> ApproximateCounts(SqliteDb& db, const std::string& experiment_id) {
  PANIC_ASSIGN_OR_RETURN(Statement * q, db.Prepare(
      "SELECT d.embedding_model, d.approximation_epsilon, count(*) FROM persistence_diagrams d "
      "JOIN runs r ON r.id = d.run_id WHERE r.experiment_id = ? AND d.diagram_data IS NOT NULL "
      "AND d.approximation_epsilon IS NOT NULL GROUP BY 1, 2 ORDER BY 1, 2"));
  q->Bind(1, experiment_id);
  std::vector<ApproximateDiagramCount> out;
  PANIC_RETURN_IF_ERROR(q->ForEachRow([&](const Statement& row) -> Status {
    out.push_back({row.Text(0), row.Double(1), row.Int(2)});
    return Status::Ok();
  }));
  return out;
}

}  // namespace diagrams

Result<DiagramWithEntropy> DecodeStoredDiagram(const PersistenceDiagramRecord& record) {
  const std::string row = "persistence_diagrams row " + record.id + " (run " + record.run_id + ", " +
                          record.embedding_model + ")";
  if (!record.diagram_data) {
    return Status::ModelFailed("the diagram computation failed: " + record.error.value_or("no error recorded"));
  }
  auto decoded = DecodeDiagramNpz(*record.diagram_data);
  if (!decoded.ok()) return Status::Corruption(row + ": damaged diagram_data: " + decoded.status().message());
  return decoded;
}

}  // namespace panic::store
