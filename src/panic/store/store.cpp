// TRANSITIONAL forwarders of the Store facade onto Database and the per-table queries.
#include "panic/store/store.h"

#include "panic/store/embeddings_table.h"
#include "panic/store/experiments_table.h"
#include "panic/store/runs_table.h"

namespace panic::store {

Store::Store(std::unique_ptr<Database> db) : db_(std::move(db)) {}
Store::~Store() = default;

const std::string& Store::path() const { return db_->path(); }

Result<std::unique_ptr<Store>> Store::Open(const std::string& path, Mode mode, Durability durability) {
  const OpenMode open_mode = mode == Mode::kReadOnly ? OpenMode::kReadOnly
                             : mode == Mode::kCreate ? OpenMode::kCreate
                                                     : OpenMode::kWrite;
  PANIC_ASSIGN_OR_RETURN(auto db, Database::Open(path, open_mode, durability));
  return std::unique_ptr<Store>(new Store(std::move(db)));
}

// ---- experiments
Status Store::CreateExperiment(const ExperimentRecord& e, const std::vector<RunRecord>& runs) {
  return db_->Write([&](SqliteDb& c) { return experiments::Insert(c, e, runs); });
}
Result<ExperimentRecord> Store::GetExperiment(const std::string& id) { return experiments::Get(database(), id); }
Result<std::vector<ExperimentRecord>> Store::ListExperiments() { return experiments::List(database()); }
Result<std::string> Store::ResolveExperimentId(const std::string& id_or_prefix) {
  return experiments::ResolveId(database(), id_or_prefix);
}
Status Store::SetExperimentStarted(const std::string& id, const std::string& when) {
  return db_->Write([&](SqliteDb& c) { return experiments::SetStarted(c, id, when); });
}
Status Store::SetExperimentCompleted(const std::string& id, const std::string& when) {
  return db_->Write([&](SqliteDb& c) { return experiments::SetCompleted(c, id, when); });
}
Status Store::DeleteExperiment(const std::string& id) {
  // A large delete touches every page the experiment owns, several times (table and
  // indexes): a 256 MB page cache for it instead of SQLite's 2 MB default, and temporary
  // id sets in memory. Debian's SQLite is built with SECURE_DELETE, which zero-fills every
  // freed page and so writes the whole experiment through the WAL and again at checkpoint;
  // FAST still zeroes freed cells inside pages that are written anyway, but leaves whole freed
  // pages on the freelist as they are (reused by later writes; `VACUUM` reclaims them).
  int64_t secure_delete = 0;  // this build's default, restored afterwards
  {
    PANIC_ASSIGN_OR_RETURN(Statement * q, database().Prepare("PRAGMA secure_delete"));
    PANIC_RETURN_IF_ERROR(q->ForEachRow([&](const Statement& row) {
      secure_delete = row.Int(0);
      return Status::Ok();
    }));
  }
  PANIC_RETURN_IF_ERROR(database().Exec("PRAGMA cache_size = -262144; PRAGMA temp_store = MEMORY; "
                                        "PRAGMA secure_delete = FAST"));
  Status deleted = db_->Write([&](SqliteDb& c) { return experiments::Delete(c, id); });
  (void)database().Exec("PRAGMA cache_size = -2000; PRAGMA temp_store = DEFAULT; PRAGMA secure_delete = " +
                        std::to_string(secure_delete));
  return deleted;
}
Result<ExperimentCounts> Store::CountExperiment(const std::string& id) {
  return db_->Read([&](SqliteDb& c) { return experiments::Count(c, id); });
}

// ---- runs
Result<std::vector<RunRecord>> Store::ListRuns(const std::string& experiment_id) {
  return runs::List(database(), experiment_id);
}
Result<std::vector<RunRecord>> Store::ListAllRuns() { return runs::ListAll(database()); }
Result<RunRecord> Store::GetRun(const std::string& id) { return runs::Get(database(), id); }
Result<std::string> Store::ResolveRunId(const std::string& id_or_prefix) {
  return runs::ResolveId(database(), id_or_prefix);
}
Result<int64_t> Store::ReopenFailedRuns(const std::string& experiment_id) {
  return db_->Write([&](SqliteDb& c) { return runs::ReopenFailed(c, experiment_id); });
}
Status Store::MarkRunsFailed(const std::vector<std::string>& run_ids, const std::string& error,
                             const std::string& when) {
  return db_->Write([&](SqliteDb& c) { return runs::MarkFailed(c, run_ids, error, when); });
}

// ---- invocations
Status Store::CommitStep(const std::vector<InvocationRecord>& invocations,
                         const std::vector<RunCompletion>& completions) {
  return db_->Write([&](SqliteDb& c) { return invocations::InsertStep(c, invocations, completions); });
}
Result<std::vector<InvocationRecord>> Store::ListInvocations(const std::string& run_id, bool with_outputs) {
  return db_->Read([&](SqliteDb& c) { return invocations::ListForRun(c, run_id, with_outputs); });
}
Result<InvocationRecord> Store::GetInvocation(const std::string& id) { return invocations::Get(database(), id); }
Result<std::map<std::string, int64_t>> Store::InvocationCountsByRun(const std::string& experiment_id) {
  return invocations::CountsByRun(database(), experiment_id);
}

// ---- embeddings
Result<std::vector<InvocationRecord>> Store::ListUnembedded(const std::string& experiment_id, const std::string& model,
                                                            OutputType type, int64_t limit, InvocationCursor* cursor) {
  InvocationFilter filter;
  filter.experiment_id = experiment_id;
  filter.type = type;
  filter.without_embedding = model;
  return invocations::Scan(database(), filter, limit, cursor);
}
Status Store::InsertEmbeddings(const std::vector<EmbeddingRecord>& vectors) {
  return db_->Write([&](SqliteDb& c) { return embeddings::Insert(c, vectors); });
}
Result<std::vector<std::vector<float>>> Store::LoadRunVectors(const std::string& run_id, const std::string& model) {
  return embeddings::LoadRunVectors(database(), run_id, model);
}
Result<std::map<std::string, std::vector<std::string>>> Store::EmbeddingModelsByInvocation(const std::string& run_id) {
  return embeddings::ModelsByInvocation(database(), run_id);
}

// ---- persistence diagrams
Result<std::vector<std::pair<std::string, int64_t>>> Store::ListRunsNeedingDiagram(const std::string& experiment_id,
                                                                                  const std::string& model) {
  return diagrams::RunsNeedingDiagram(database(), experiment_id, model);
}
Result<int64_t> Store::CountRunsWithOutputs(const std::string& experiment_id, OutputType type, int64_t at_least) {
  return diagrams::CountRunsWithOutputs(database(), experiment_id, type, at_least);
}
Result<int64_t> Store::CountRunsWithPoints(const std::string& experiment_id, const std::string& model) {
  return diagrams::CountRunsWithPoints(database(), experiment_id, model);
}
Status Store::PutDiagram(const PersistenceDiagramRecord& record) {
  return db_->Write([&](SqliteDb& c) { return diagrams::Put(c, record); });
}
Result<PersistenceDiagramRecord> Store::GetDiagram(const std::string& run_id, const std::string& model) {
  return diagrams::Get(database(), run_id, model);
}
Result<std::vector<std::string>> Store::DiagramModels(const std::string& run_id) {
  return diagrams::Models(database(), run_id);
}

}  // namespace panic::store
