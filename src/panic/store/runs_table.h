// Queries of the runs table. Free functions over a connection (store/database.h): writes
// REQUIRE an open write transaction.
#pragma once

#include <string>
#include <vector>

#include "panic/core/status.h"
#include "panic/store/records.h"

namespace panic::store {

class SqliteDb;

namespace runs {

Result<std::vector<RunRecord>> List(SqliteDb& db, const std::string& experiment_id);  // by run_number
Result<std::vector<RunRecord>> ListAll(SqliteDb& db);  // by experiment, run_number
Result<RunRecord> Get(SqliteDb& db, const std::string& id);
Result<std::string> ResolveId(SqliteDb& db, const std::string& id_or_prefix);
// Puts failed runs of the experiment back to running (stop_reason, error cleared) so that
// resume retries them. Returns how many.
Result<int64_t> ReopenFailed(SqliteDb& db, const std::string& experiment_id);
// Marks runs failed with the error (no invocation is written).
Status MarkFailed(SqliteDb& db, const std::vector<std::string>& run_ids, const std::string& error,
                  const std::string& when);

}  // namespace runs
}  // namespace panic::store
