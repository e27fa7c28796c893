// Queries of the embeddings table. Free functions over a connection (store/database.h):
// writes REQUIRE an open write transaction. Invocations still to embed are found with the
// invocation scan (invocations_table.h, InvocationFilter::without_embedding).
#pragma once

#include <map>
#include <string>
#include <vector>

#include "panic/core/status.h"
#include "panic/store/records.h"

namespace panic::store {

class SqliteDb;

namespace embeddings {

// A batch; AlreadyExists on a duplicate (invocation, model).
Status Insert(SqliteDb& db, const std::vector<EmbeddingRecord>& embeddings);
// The run's vectors under `model` in step order. A vector that does not decode is
// Corruption naming its row.
Result<std::vector<std::vector<float>>> LoadRunVectors(SqliteDb& db, const std::string& run_id,
                                                       const std::string& model);
// invocation id → the embedding models it has vectors for, for one run.
Result<std::map<std::string, std::vector<std::string>>> ModelsByInvocation(SqliteDb& db, const std::string& run_id);

}  // namespace embeddings
}  // namespace panic::store
