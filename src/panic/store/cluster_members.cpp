#include "panic/store/cluster_members.h"

#include "panic/store/sqlite_db.h"

namespace panic::store::clustering {

Result<std::vector<ClusterMember>> Members(SqliteDb& db, const std::string& result_id, int64_t label) {
  PANIC_ASSIGN_OR_RETURN(Statement * q, db.Prepare(
      "SELECT e.id, i.id, i.type, i.input_invocation_id, coalesce(i.output_text, ''), r.experiment_id, r.id, "
      "r.run_number, i.sequence_number, ec.medoid_embedding_id IS e.id "
      "FROM embedding_clusters ec JOIN embeddings e ON e.id = ec.embedding_id "
      "JOIN invocations i ON i.id = e.invocation_id JOIN runs r ON r.id = i.run_id "
      "WHERE ec.clustering_result_id = ?1 AND ec.cluster_label = ?2 "
      "ORDER BY r.experiment_id, r.run_number, i.sequence_number"));
  q->Bind(1, result_id).Bind(2, label);
  std::vector<ClusterMember> out;
  PANIC_RETURN_IF_ERROR(q->ForEachRow([&](const Statement& row) -> Status {
    ClusterMember m;
    m.embedding_id = row.Text(0);
    m.invocation_id = row.Text(1);
    m.type = row.Text(2) == "image" ? OutputType::kImage : OutputType::kText;
    m.input_invocation_id = row.OptText(3);
    m.output_text = row.Text(4);
    m.experiment_id = row.Text(5);
    m.run_id = row.Text(6);
    m.run_number = row.Int(7);
    m.sequence_number = row.Int(8);
    m.is_medoid = row.Int(9) != 0;
    out.push_back(std::move(m));
    return Status::Ok();
  }));
  return out;
}

}  // namespace panic::store::clustering
