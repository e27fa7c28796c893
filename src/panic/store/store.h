// The typed database API: the only door to SQL in panic-tda (DESIGN.md §4).
//
// A Store owns one SQLite connection. Rows that belong together are written in one
// transaction (an experiment with its runs; one lockstep step's invocations with the
// completions of the runs it ended), so a crash leaves either all of them or none.
//
// Thread safety: one thread at a time per Store; open a Store per thread or process.
// Many readers and one writer may use the same file at once (WAL).
#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "panic/core/status.h"
#include "panic/store/npz_codec.h"
#include "panic/store/records.h"

namespace panic::store {

class SqliteDb;

// The bars and entropy of a stored diagram. A diagram whose computation failed is
// ModelFailed with the stored error (exit 1); undecodable bytes are Corruption naming the row.
Result<DiagramWithEntropy> DecodeStoredDiagram(const PersistenceDiagramRecord& record);

class Store {
 public:
  // Only writers migrate. Every mode refuses, untouched, a file that is not ours
  // (InvalidArgument naming what it looks like: store/database_file.h) and a schema newer
  // than this program.
  enum class Mode {
    kReadOnly,           // mode=ro: never writes, works on a read-only file or directory; an
                         // older schema is read through InstallReadCompatibility
    kCreate,             // create the file if missing, migrate to the latest schema
    kWrite,              // NotFound when the file does not exist; migrate
    kExisting = kWrite,  // transitional name of kWrite
  };
  enum class Durability {
    kFull,    // every commit reaches the disk before it returns: survives power loss
    kNormal,  // survives a killed process; a power loss may lose the latest commits
  };
  static Result<std::unique_ptr<Store>> Open(const std::string& path, Mode mode,
                                             Durability durability = Durability::kFull);
  ~Store();

  const std::string& path() const;
  // The connection, for store/ internals (the lease, the per-table query files).
  SqliteDb& database() { return *db_; }

  // ---- experiments (store_experiments.cpp)
  // Inserts the experiment and all its runs in one transaction.
  Status CreateExperiment(const ExperimentRecord& experiment, const std::vector<RunRecord>& runs);
  Result<ExperimentRecord> GetExperiment(const std::string& id);
  // Newest first.
  Result<std::vector<ExperimentRecord>> ListExperiments();
  // A full id, a unique prefix, or "latest". NotFound / InvalidArgument (ambiguous, listing matches).
  Result<std::string> ResolveExperimentId(const std::string& id_or_prefix);
  Status SetExperimentStarted(const std::string& id, const std::string& when);
  // `when` empty clears completed_at (a resumed experiment is not complete until it is).
  Status SetExperimentCompleted(const std::string& id, const std::string& when);
  // Deletes the experiment and, by cascade, everything it owns. NotFound if absent.
  Status DeleteExperiment(const std::string& id);
  Result<ExperimentCounts> CountExperiment(const std::string& id);

  // ---- runs (store_runs.cpp)
  Result<std::vector<RunRecord>> ListRuns(const std::string& experiment_id);  // by run_number
  Result<std::vector<RunRecord>> ListAllRuns();
  Result<RunRecord> GetRun(const std::string& id);
  Result<std::string> ResolveRunId(const std::string& id_or_prefix);
  // Puts failed runs of the experiment back to running (stop_reason, error cleared) so
  // that resume retries them. Returns how many.
  Result<int64_t> ReopenFailedRuns(const std::string& experiment_id);
  // Marks runs failed with the error (no invocation is written).
  Status MarkRunsFailed(const std::vector<std::string>& run_ids, const std::string& error, const std::string& when);

  // ---- invocations (store_invocations.cpp)
  // One transaction: the invocations of one step and the completions of the runs it ended.
  // AlreadyExists if a (run, sequence_number) is taken — nothing is written then.
  Status CommitStep(const std::vector<InvocationRecord>& invocations, const std::vector<RunCompletion>& completions);
  // The run's invocations by sequence number; outputs included when `with_outputs`.
  Result<std::vector<InvocationRecord>> ListInvocations(const std::string& run_id, bool with_outputs);
  Result<InvocationRecord> GetInvocation(const std::string& id);
  // run id → number of invocations, for every run of the experiment that has any.
  Result<std::map<std::string, int64_t>> InvocationCountsByRun(const std::string& experiment_id);

  // ---- embeddings (store_embeddings.cpp)
  // Where a scan over an experiment's invocations stands: after (run_number, step).
  struct InvocationCursor {
    int64_t run_number = -1;
    int64_t sequence_number = -1;
  };
  // Up to `limit` invocations of the experiment of output `type` that have no embedding
  // under `model`, with their outputs, ordered by run number and step, starting after
  // `*cursor`, which is advanced past the last one returned (keyset paging: each call
  // costs the rows it returns, not the rows before them).
  Result<std::vector<InvocationRecord>> ListUnembedded(const std::string& experiment_id, const std::string& model,
                                                       OutputType type, int64_t limit, InvocationCursor* cursor);
  // Inserts a batch in one transaction; AlreadyExists (nothing written) on a duplicate.
  Status InsertEmbeddings(const std::vector<EmbeddingRecord>& embeddings);
  // The run's vectors under `model` in step order (each a float32 vector).
  Result<std::vector<std::vector<float>>> LoadRunVectors(const std::string& run_id, const std::string& model);
  // invocation id → the embedding models it has vectors for, for one run.
  Result<std::map<std::string, std::vector<std::string>>> EmbeddingModelsByInvocation(const std::string& run_id);

  // ---- persistence diagrams (store_diagrams.cpp)
  // Finished runs (stopped by length or duplicate: their trajectory will not grow) of the
  // experiment with ≥ 2 embeddings under `model` and no diagram for it, or whose diagram
  // failed before (they are retried). With the number of embeddings.
  Result<std::vector<std::pair<std::string, int64_t>>> ListRunsNeedingDiagram(const std::string& experiment_id,
                                                                             const std::string& model);
  // Number of runs of the experiment with ≥ 2 invocations of output `type`: the diagrams
  // an embedding model of that modality will have.
  Result<int64_t> CountRunsWithOutputs(const std::string& experiment_id, OutputType type, int64_t at_least);
  // Number of runs of the experiment with ≥ 2 embeddings under `model`.
  Result<int64_t> CountRunsWithPoints(const std::string& experiment_id, const std::string& model);
  // Writes the diagram (or its failure), replacing an earlier failure of the same run and model.
  Status PutDiagram(const PersistenceDiagramRecord& record);
  Result<PersistenceDiagramRecord> GetDiagram(const std::string& run_id, const std::string& model);
  // Embedding models with a diagram row for the run.
  Result<std::vector<std::string>> DiagramModels(const std::string& run_id);

 private:
  explicit Store(std::unique_ptr<SqliteDb> db);
  std::unique_ptr<SqliteDb> db_;
  friend class StoreAccess;
};

}  // namespace panic::store
