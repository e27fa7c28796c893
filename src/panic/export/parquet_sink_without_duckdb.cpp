// The Parquet sink of a build without DuckDB (cmake/Duckdb.cmake chooses this file or
// parquet_sink_duckdb.cpp).
#include "panic/export/parquet_sink.h"

#ifndef PANIC_DUCKDB_UNAVAILABLE_REASON
#define PANIC_DUCKDB_UNAVAILABLE_REASON "panic-tda was built without DuckDB"
#endif

namespace panic::exporting {

bool ParquetAvailable(std::string* why) {
  if (why) *why = PANIC_DUCKDB_UNAVAILABLE_REASON;
  return false;
}

Result<std::unique_ptr<TableSink>> MakeParquetSink(const std::string& path) {
  return Status::IOError("cannot write '" + path + "' as Parquet: " PANIC_DUCKDB_UNAVAILABLE_REASON);
}

}  // namespace panic::exporting
