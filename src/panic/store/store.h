// TRANSITIONAL: the 28-method facade of the store, kept while the engine and the CLI move
// to the split API. New code uses
//   - store::Database (store/database.h): the connection, its open modes, Read/Write
//     transactions;
//   - the per-table query files of free functions: experiments_table.h, runs_table.h,
//     invocations_table.h (with the one keyset-paged invocation scan), embeddings_table.h,
//     diagrams_table.h.
// Every method below forwards onto them, a write in one transaction, so a crash leaves
// either all of its rows or none.
//
// Thread safety: one thread at a time per Store; open a Store per thread or process.
// Many readers and one writer may use the same file at once (WAL).
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "panic/core/status.h"
#include "panic/store/database.h"
#include "panic/store/diagrams_table.h"
#include "panic/store/invocations_table.h"
#include "panic/store/npz_codec.h"
#include "panic/store/records.h"

namespace panic::store {

class Store {
 public:
  // The open modes of Database (store/database.h, docs/STORE.md).
  enum class Mode {
    kReadOnly,
    kCreate,
    kWrite,
    kExisting = kWrite,  // transitional name of kWrite
  };
  using Durability = ::panic::store::Durability;
  static Result<std::unique_ptr<Store>> Open(const std::string& path, Mode mode,
                                             Durability durability = Durability::kFull);
  ~Store();

  const std::string& path() const;
  Database& db() { return *db_; }
  // The connection, for store/ internals.
  SqliteDb& database() { return db_->connection(); }

  // ---- experiments (experiments_table.h)
  Status CreateExperiment(const ExperimentRecord& experiment, const std::vector<RunRecord>& runs);
  Result<ExperimentRecord> GetExperiment(const std::string& id);
  Result<std::vector<ExperimentRecord>> ListExperiments();
  Result<std::string> ResolveExperimentId(const std::string& id_or_prefix);
  Status SetExperimentStarted(const std::string& id, const std::string& when);
  Status SetExperimentCompleted(const std::string& id, const std::string& when);
  Status DeleteExperiment(const std::string& id);
  Result<ExperimentCounts> CountExperiment(const std::string& id);

  // ---- runs (runs_table.h)
  Result<std::vector<RunRecord>> ListRuns(const std::string& experiment_id);
  Result<std::vector<RunRecord>> ListAllRuns();
  Result<RunRecord> GetRun(const std::string& id);
  Result<std::string> ResolveRunId(const std::string& id_or_prefix);
  Result<int64_t> ReopenFailedRuns(const std::string& experiment_id);
  Status MarkRunsFailed(const std::vector<std::string>& run_ids, const std::string& error, const std::string& when);

  // ---- invocations (invocations_table.h)
  Status CommitStep(const std::vector<InvocationRecord>& invocations, const std::vector<RunCompletion>& completions);
  Result<std::vector<InvocationRecord>> ListInvocations(const std::string& run_id, bool with_outputs);
  Result<InvocationRecord> GetInvocation(const std::string& id);
  Result<std::map<std::string, int64_t>> InvocationCountsByRun(const std::string& experiment_id);

  // ---- embeddings (embeddings_table.h; the scan of invocations_table.h)
  using InvocationCursor = ::panic::store::InvocationCursor;
  // invocations::Scan with {experiment_id, type, without_embedding = model}.
  Result<std::vector<InvocationRecord>> ListUnembedded(const std::string& experiment_id, const std::string& model,
                                                       OutputType type, int64_t limit, InvocationCursor* cursor);
  Status InsertEmbeddings(const std::vector<EmbeddingRecord>& embeddings);
  Result<std::vector<std::vector<float>>> LoadRunVectors(const std::string& run_id, const std::string& model);
  Result<std::map<std::string, std::vector<std::string>>> EmbeddingModelsByInvocation(const std::string& run_id);

  // ---- persistence diagrams (diagrams_table.h)
  Result<std::vector<std::pair<std::string, int64_t>>> ListRunsNeedingDiagram(const std::string& experiment_id,
                                                                             const std::string& model);
  Result<int64_t> CountRunsWithOutputs(const std::string& experiment_id, OutputType type, int64_t at_least);
  Result<int64_t> CountRunsWithPoints(const std::string& experiment_id, const std::string& model);
  Status PutDiagram(const PersistenceDiagramRecord& record);
  Result<PersistenceDiagramRecord> GetDiagram(const std::string& run_id, const std::string& model);
  Result<std::vector<std::string>> DiagramModels(const std::string& run_id);

 private:
  explicit Store(std::unique_ptr<Database> db);
  std::unique_ptr<Database> db_;
};

}  // namespace panic::store
