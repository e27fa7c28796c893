// Queries of the persistence_diagrams table. Free functions over a connection
// (store/database.h): writes REQUIRE an open write transaction.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "panic/core/status.h"
#include "panic/store/npz_codec.h"
#include "panic/store/records.h"

namespace panic::store {

class SqliteDb;

namespace diagrams {

// Finished runs (stopped by length or duplicate: their trajectory will not grow) of the
// experiment with ≥ 2 embeddings under `model` and no diagram for it, or whose diagram
// failed before (they are retried). With the number of embeddings.
Result<std::vector<std::pair<std::string, int64_t>>> RunsNeedingDiagram(SqliteDb& db, const std::string& experiment_id,
                                                                       const std::string& model);
// Number of runs of the experiment with ≥ `at_least` invocations of output `type`.
Result<int64_t> CountRunsWithOutputs(SqliteDb& db, const std::string& experiment_id, OutputType type,
                                     int64_t at_least);
// Number of runs of the experiment with ≥ 2 embeddings under `model`.
Result<int64_t> CountRunsWithPoints(SqliteDb& db, const std::string& experiment_id, const std::string& model);
// Writes the diagram (or its failure), replacing an earlier failure of the same run and model.
Status Put(SqliteDb& db, const PersistenceDiagramRecord& record);
Result<PersistenceDiagramRecord> Get(SqliteDb& db, const std::string& run_id, const std::string& model);
// Embedding models with a diagram row for the run.
Result<std::vector<std::string>> Models(SqliteDb& db, const std::string& run_id);

// How many stored (not failed) diagrams of the experiment are approximate, per model and ε.
struct ApproximateDiagramCount {
  std::string model;
  double epsilon = 0;
  int64_t diagrams = 0;
};
// Ordered by model, then ε. Exact diagrams (approximation_epsilon NULL) are not listed.
Result<std::vector<ApproximateDiagramCount>> ApproximateCounts(SqliteDb& db, const std::string& experiment_id);

}  // namespace diagrams

// The bars and entropy of a stored diagram. A diagram whose computation failed is
// ModelFailed with the stored error (exit 1); undecodable bytes are Corruption naming the row.
Result<DiagramWithEntropy> DecodeStoredDiagram(const PersistenceDiagramRecord& record);

}  // namespace panic::store
