// Builders shared by the store tests: records with fresh ids, a database in the exact
// schema-1 layout that earlier releases wrote, and a textual dump of tables for
// byte-for-byte comparisons.
#pragma once

#include <string>
#include <vector>

#include "panic/store/records.h"

namespace panic::store {

class SqliteDb;

ExperimentRecord MakeTestExperiment(int64_t max_length = 5);
std::vector<RunRecord> MakeTestRuns(const ExperimentRecord& e, int n);
InvocationRecord MakeTestInvocation(const std::string& run_id, int64_t seq, const std::string& text);

// Creates a database at `path` holding one test experiment with `runs` runs and closes it;
// returns the experiment's id (a failure to write fails the test).
std::string CreateTestDatabase(const std::string& path, int runs);

// Writes a schema-version-1 database at `path`, as the release before migration 2 made it:
// migration 1's SQL verbatim, then rows of every table with real blobs (WEBP images, float32
// vectors, NPZ diagrams, a failed diagram, a clustering with a medoid). Returns its
// experiment id.
std::string MakeV1Database(const std::string& path);

// Every row of `table` (rowid order) with the given columns, each value as SQL's quote()
// writes it (blobs as X'hex'), one line per row.
std::string DumpTable(SqliteDb& db, const std::string& table, const std::vector<std::string>& columns);
std::vector<std::string> TableColumns(SqliteDb& db, const std::string& table);

}  // namespace panic::store
