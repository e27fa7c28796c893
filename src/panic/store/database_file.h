// What a database file is before panic-tda touches it: ours (and at which schema version),
// empty, an earlier panic-tda's (Python or Elixir era, shared/LEGACY-FORMATS.md), someone
// else's, or not SQLite at all. Inspecting never writes: it leaves the file byte-identical
// and creates no -wal/-shm beside it.
#pragma once

#include <string>
#include <vector>

#include "panic/core/status.h"

namespace panic::store {

enum class DatabaseOrigin {
  kMissing,    // no file at the path
  kEmpty,      // a SQLite file (or a zero-length one) without tables: may become ours
  kOurs,       // has our schema_version table
  kPythonEra,  // SQLModel tables of the Python panic-tda (experimentconfig, run, invocation, …)
  kElixirEra,  // Ecto tables of the Elixir panic-tda (schema_migrations, experiments, …)
  kUnknown,    // tables of some other program
  kNotSqlite,  // not a SQLite database file
};

struct DatabaseInspection {
  DatabaseOrigin origin = DatabaseOrigin::kMissing;
  int schema_version = 0;           // when kOurs
  std::vector<std::string> tables;  // sorted, SQLite's own omitted
};

Result<DatabaseInspection> InspectDatabase(const std::string& path);

// "a Python-era panic-tda database (tables experimentconfig, run, invocation, …)" and so on:
// what the file looks like, for messages.
std::string DescribeOrigin(const DatabaseInspection& inspection);

// The SQLite URI of a file path (file:…, with %, ? and # escaped) plus query parameters.
std::string SqliteUri(const std::string& path, const std::string& query);

}  // namespace panic::store
