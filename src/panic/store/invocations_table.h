// Queries of the invocations table, including the one keyset-paged invocation scan that
// every stage, export and check reads through. Free functions over a connection
// (store/database.h): writes REQUIRE an open write transaction.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "panic/core/status.h"
#include "panic/store/records.h"

namespace panic::store {

class SqliteDb;

// Where a scan stands: after (run_number, sequence_number). The default starts at the
// beginning.
struct InvocationCursor {
  int64_t run_number = -1;
  int64_t sequence_number = -1;
};

// Which invocations a scan returns; every field narrows it.
struct InvocationFilter {
  std::optional<std::string> experiment_id;
  std::optional<std::string> run_id;
  std::optional<OutputType> type;                // outputs of this modality only
  std::optional<std::string> without_embedding;  // only those with no vector under this model
  bool with_outputs = true;                      // read output_text / output_image
};

namespace invocations {

// One transaction's worth: the invocations of one step and the completions of the runs it
// ended. AlreadyExists if a (run, sequence_number) is taken.
Status InsertStep(SqliteDb& db, const std::vector<InvocationRecord>& invocations,
                  const std::vector<RunCompletion>& completions);

// THE invocation scan: up to `limit` invocations matching `filter`, ordered by run number and
// step, starting after `*cursor`, which is advanced past the last one returned. Keyset
// paging: each call costs the rows it returns, not the rows before them, so a scan over
// millions of invocations holds one page at a time.
Result<std::vector<InvocationRecord>> Scan(SqliteDb& db, const InvocationFilter& filter, int64_t limit,
                                           InvocationCursor* cursor);

// All invocations of one run by sequence number (pages through Scan).
Result<std::vector<InvocationRecord>> ListForRun(SqliteDb& db, const std::string& run_id, bool with_outputs);
Result<InvocationRecord> Get(SqliteDb& db, const std::string& id);
// The full id of the invocation named by `id_or_prefix` (a full id or a unique prefix;
// store/id_prefix.h): NotFound, or InvalidArgument for an ambiguous prefix or no UUID.
Result<std::string> ResolveId(SqliteDb& db, const std::string& id_or_prefix);
// run id → number of invocations, for every run of the experiment that has any.
Result<std::map<std::string, int64_t>> CountsByRun(SqliteDb& db, const std::string& experiment_id);

}  // namespace invocations
}  // namespace panic::store
