// Queries of the experiments table (and the counts of what an experiment owns). Free
// functions over a connection (store/database.h): writes REQUIRE an open write transaction.
#pragma once

#include <string>
#include <vector>

#include "panic/core/status.h"
#include "panic/store/records.h"

namespace panic::store {

class SqliteDb;

namespace experiments {

// The experiment and all its runs. AlreadyExists when the id is taken.
Status Insert(SqliteDb& db, const ExperimentRecord& experiment, const std::vector<RunRecord>& runs);
Result<ExperimentRecord> Get(SqliteDb& db, const std::string& id);
// Newest first.
Result<std::vector<ExperimentRecord>> List(SqliteDb& db);
// A full id, a unique prefix, or "latest". NotFound / InvalidArgument (ambiguous, listing matches).
Result<std::string> ResolveId(SqliteDb& db, const std::string& id_or_prefix);
Status SetStarted(SqliteDb& db, const std::string& id, const std::string& when);
// `when` empty clears completed_at (a resumed experiment is not complete until it is).
Status SetCompleted(SqliteDb& db, const std::string& id, const std::string& when);
// The experiment and, by cascade, everything it owns. NotFound if absent; IOError naming the
// holder while a writer's lease on it is live (store/writer_lease.h).
Status Delete(SqliteDb& db, const std::string& id);
// Runs by stop reason, diagrams and diagram failures by model, with CountSteps::kWith the
// steps by type and with CountVectors::kWith the vectors by model. kWithout leaves those
// counts 0 / empty and skips their query: the vectors' looks every step up in the vector
// index (a third of `experiment show` at 10^5 steps; the listings, `experiment show` and the
// dashboard do not print it); the steps' reads every step, which a caller that has
// RunOutputStatsByRun already summed need not read again.
enum class CountVectors { kWith, kWithout };
enum class CountSteps { kWith, kWithout };
Result<ExperimentCounts> Count(SqliteDb& db, const std::string& id, CountVectors vectors = CountVectors::kWith,
                               CountSteps steps = CountSteps::kWith);

}  // namespace experiments
}  // namespace panic::store
