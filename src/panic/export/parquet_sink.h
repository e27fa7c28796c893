// Parquet files through DuckDB's C API (the optional dependency of cmake/Duckdb.cmake:
// libduckdb.so and duckdb.h fetched by scripts/fetch_duckdb.sh). No Debian 12 package
// writes Parquet from C++.
//
// The rows go into a table of an in-memory DuckDB database (in chunks of
// duckdb_vector_size() rows; beyond a 1 GB memory limit it spills into a temporary folder
// beside the output), then `COPY … TO … (FORMAT parquet, COMPRESSION snappy)` writes the
// file. Column types:
// string → VARCHAR, int64 → BIGINT, double → DOUBLE, float list → FLOAT[]; NULL stays
// NULL; NaN and ±∞ are stored as such (Parquet doubles hold them).
#pragma once

#include <memory>
#include <string>

#include "panic/core/status.h"
#include "panic/export/tidy_table.h"

namespace panic::exporting {

// Whether this build writes Parquet; when not, `why` says what to do.
bool ParquetAvailable(std::string* why = nullptr);

// A sink writing `path` (a .parquet file) when End succeeds. A build without DuckDB returns
// IOError with the reason (the environment lacks it: exit 1).
Result<std::unique_ptr<TableSink>> MakeParquetSink(const std::string& path);

}  // namespace panic::exporting
