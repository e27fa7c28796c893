// The database schema as an ordered list of forward migrations. Version N of the schema
// is the result of applying migrations 1..N; `schema_version` holds N. Opening a
// database applies the missing ones in one transaction each. A database whose version
// is newer than this program knows is refused rather than guessed at.
#pragma once

#include <string>
#include <vector>

#include "panic/core/status.h"

namespace panic::store {

class SqliteDb;

// The SQL of each migration, index 0 = migration 1. Never edit a released migration:
// append a new one.
const std::vector<std::string>& Migrations();
int LatestSchemaVersion();

// Brings the database up to LatestSchemaVersion().
Status MigrateToLatest(SqliteDb& db);
Result<int> CurrentSchemaVersion(SqliteDb& db);

}  // namespace panic::store
