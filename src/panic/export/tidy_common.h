// What the tidy tables (tidy_tables.h) share, internal to export/: the column types, NULL
// cells, the run columns every run-level table repeats (network "A→B", image_model,
// text_model), and the one shape of a table writer — Begin, rows read in one read
// transaction, End — so that each table's file holds only its columns and its rows.
//
// Thread safety: as tidy_tables.h (one call at a time per Database).
#pragma once

#include <cstddef>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "panic/export/tidy_table.h"
#include "panic/export/tidy_tables.h"
#include "panic/store/database.h"
#include "panic/store/records.h"

namespace panic::exporting::tidy {

inline constexpr ColumnType S = ColumnType::kString, I = ColumnType::kInt64, D = ColumnType::kDouble,
                            F = ColumnType::kFloatList;

// NULL when absent (Opt) or empty (Str).
Cell Opt(const std::optional<std::string>& s);
Cell Opt(const std::optional<int64_t>& v);
Cell Str(const std::string& s);

// "A→B".
std::string NetworkName(const std::vector<std::string>& network);

// A run with the columns every run-level table repeats.
struct RunInfo {
  store::RunRecord run;
  std::string network;      // "A→B"
  std::string image_model;  // the network's first model that makes images ("" if none)
  std::string text_model;   // ... that makes text
};

struct ExperimentRuns {
  std::string experiment_id;
  std::vector<RunInfo> runs;            // by run number
  std::map<std::string, size_t> index;  // run id → position in runs
  const RunInfo* Find(const std::string& id) const;
};

// The runs of one experiment (NotFound when it does not exist).
Result<ExperimentRuns> LoadRuns(store::SqliteDb& c, const std::string& experiment_id);

// fn(runs) for each experiment, in the order given.
Status ForEachExperimentRuns(store::SqliteDb& c, const std::vector<std::string>& experiments,
                             const std::function<Status(const ExperimentRuns&)>& fn);

Status CheckCancel(const TidyOptions& o);
// Whether o keeps `model` (--model, or every model).
bool ModelWanted(const TidyOptions& o, const std::string& model);
// Adds `line` to o.notes once.
void Note(const TidyOptions& o, const std::string& line);

// Runs fn(connection) in one read transaction of db.
Status InRead(store::Database& db, const std::function<Status(store::SqliteDb&)>& fn);

// The usual table: Begin(name, columns), fill(connection) in one read transaction, End. On
// an error End is not called (a file sink then leaves no file).
Status WriteTable(store::Database& db, TableSink& sink, const std::string& name, const std::vector<Column>& columns,
                  const std::function<Status(store::SqliteDb&)>& fill);

}  // namespace panic::exporting::tidy
