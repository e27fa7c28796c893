// Parquet files of tidy tables (parquet_writer.h has the layout and the column types:
// string → STRING, int64 → INT64, double → DOUBLE, float list → LIST<FLOAT>; NULL stays
// NULL; NaN and ±∞ are stored as such). Written through an AtomicFile (core/atomic_file.h):
// a hidden temporary file beside `path`, renamed into place.
#pragma once

#include <memory>
#include <string>

#include "panic/core/status.h"
#include "panic/export/tidy_table.h"

namespace panic::exporting {

// A sink writing `path` (a .parquet file) when End succeeds; nothing at `path` otherwise.
Result<std::unique_ptr<TableSink>> MakeParquetSink(const std::string& path);

}  // namespace panic::exporting
