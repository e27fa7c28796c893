#include "panic/store/diagram_writes.h"

#include "panic/store/run_progress.h"

namespace panic::store {

Status ReplaceDiagrams(Database& database, const std::vector<DiagramWrite>& diagrams) {
  PANIC_ASSIGN_OR_RETURN(bool with_provenance, DiagramsHaveProvenance(database.connection()));
  return database.Write([&](SqliteDb& db) -> Status {
    PANIC_ASSIGN_OR_RETURN(Statement * del, db.Prepare(
        "DELETE FROM persistence_diagrams WHERE run_id = ? AND embedding_model = ?"));
    PANIC_ASSIGN_OR_RETURN(Statement * ins, db.Prepare(
        with_provenance
            ? "INSERT INTO persistence_diagrams (id, run_id, embedding_model, diagram_data, error, started_at, "
              "completed_at, point_count, last_sequence_number, approximation_epsilon) VALUES (?,?,?,?,?,?,?,?,?,?)"
            : "INSERT INTO persistence_diagrams (id, run_id, embedding_model, diagram_data, error, started_at, "
              "completed_at) VALUES (?,?,?,?,?,?,?)"));
    for (const auto& [d, provenance] : diagrams) {
      del->Bind(1, d.run_id).Bind(2, d.embedding_model);
      PANIC_RETURN_IF_ERROR(del->Run());
      ins->Bind(1, d.id).Bind(2, d.run_id).Bind(3, d.embedding_model);
      if (d.diagram_data) ins->BindBlob(4, *d.diagram_data); else ins->BindNull(4);
      ins->Bind(5, d.error).Bind(6, d.started_at).Bind(7, d.completed_at);
      if (with_provenance) {
        ins->Bind(8, provenance.point_count).Bind(9, provenance.last_sequence_number).Bind(10, d.approximation_epsilon);
      }
      PANIC_RETURN_IF_ERROR(ins->Run().WithContext("diagram of run " + d.run_id + " under " + d.embedding_model));
    }
    return Status::Ok();
  });
}

}  // namespace panic::store
