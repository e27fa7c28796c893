// The database schema as an ordered list of forward migrations. Version N of the schema
// is the result of applying migrations 1..N; `schema_version` holds N. Opening a
// database for writing applies the missing ones, one transaction each (readers never
// migrate). A database whose version is newer than this program knows is refused rather
// than guessed at, and a file with tables but no schema_version is never touched.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "panic/core/status.h"

namespace panic::store {

class SqliteDb;

// The SQL of each migration, index 0 = migration 1. Never edit a released migration:
// append a new one.
const std::vector<std::string>& Migrations();
int LatestSchemaVersion();

// For a read-only connection to a database at an older `version`: makes the latest schema's
// tables and columns readable without writing to the file (temp views and tables). An
// older version without such a mapping is InvalidArgument (it must be migrated first).
Status InstallReadCompatibility(SqliteDb& db, int version);

// Brings the database up to LatestSchemaVersion().
Status MigrateToLatest(SqliteDb& db);
Result<int> CurrentSchemaVersion(SqliteDb& db);
// Tables of the database other than SQLite's own (sqlite_*).
Result<int64_t> CountTables(SqliteDb& db);

}  // namespace panic::store
