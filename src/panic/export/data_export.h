// `export data`: the stored data of experiments as files a researcher loads straight into
// pandas, polars, R or DuckDB — one file per table in a folder, CSV or Parquet:
//
//   experiments, runs, invocations (no image bytes), embeddings (the vector as a list of
//   float32), diagrams (one row per bar), entropy, clusters, drift, lyapunov,
//   lyapunov_curves
//
// with the columns of tidy_tables.h. Each file is written under a temporary name and
// renamed when complete, so a file that exists is whole (Parquet: parquet_sink.h).
#pragma once

#include <atomic>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "panic/core/status.h"
#include "panic/store/database.h"

namespace panic::exporting {

struct DataExportOptions {
  std::string format = "csv";  // "csv" or "parquet"
  std::string directory;       // created when missing
  std::optional<std::string> model;  // only this embedding model (embeddings, diagrams, drift, …)
  int threads = 1;
  const std::atomic<bool>* cancel = nullptr;
  // After each table: tables done, tables in all, the table just written.
  std::function<void(int64_t done, int64_t total, const std::string& table)> progress;
};

struct ExportedTable {
  std::string name;
  std::string path;
  int64_t rows = 0;
};

// The tables in the order they are written.
const std::vector<std::string>& DataExportTables();

Result<std::vector<ExportedTable>> ExportData(store::Database& db, const std::vector<std::string>& experiments,
                                              const DataExportOptions& options);

}  // namespace panic::exporting
