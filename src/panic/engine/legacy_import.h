// `panic-tda import python|elixir OLD.sqlite`: bring a database of an earlier panic-tda into
// ours, losslessly, streaming, idempotently and resumably (issue 13; docs/IMPORT.md).
//
//   1. The source is opened read-only and validated (store/legacy_source.h) before the target
//      is opened: bad input is InvalidArgument and the target is not touched (not even
//      created).
//   2. Each source table, parents first, is read in batches of `batch_rows` by rowid; each
//      batch is mapped (store/legacy_mapping.h) and written in one transaction of the
//      target (store/legacy_import_writes.h). Memory is one batch. A kill loses at most the
//      batch in flight; the same command again finds what was written (ids are kept) and
//      goes on, and a second import of a finished source adds nothing.
//   3. Every source row that is not imported is recorded with its reason
//      (legacy_import_skips) and reported by table.
//   4. Afterwards: inputs naming a step that was not imported are cleared (and reported);
//      imported diagrams record the trajectory they were computed from; each run gets its
//      stop reason from our own rules (a seeded run: the first repeated output by our loop
//      keys, reported where it disagrees with the run's length; otherwise `length` when it
//      has max_length steps, none when it is shorter); imported Lyapunov results matched to
//      our lyapunov stage's groups take its fingerprint (MatchLyapunovResults).
#pragma once

#include <map>
#include <string>
#include <vector>

#include "panic/core/status.h"
#include "panic/engine/progress.h"
#include "panic/store/legacy_import_writes.h"
#include "panic/store/legacy_source.h"

namespace panic::engine {

struct ImportOptions {
  store::LegacyEra era = store::LegacyEra::kPython;
  std::string source;
  std::string target;
  int batch_rows = 2000;
  ProgressFn progress;                 // one event per batch; may be empty
  const CancelFlag* cancel = nullptr;  // checked between batches
};

struct ImportTableReport {
  std::string table;        // the source table
  int64_t read = 0;         // rows read from the source
  int64_t inserted = 0;     // written now
  int64_t present = 0;      // imported before (a second or resumed import)
  int64_t skipped = 0;      // not imported (reasons in ImportReport::skip_counts)
};

struct ImportReport {
  std::string source, target, era, time_zone;
  std::vector<ImportTableReport> tables;
  std::map<std::string, std::map<std::string, int64_t>> skip_counts;  // table → reason → rows
  std::vector<store::legacy_import::SkipRow> skips;                   // the first kReportedSkips
  std::vector<std::string> stop_notes;  // runs whose recomputed stop disagrees with their length
  int64_t runs_length = 0, runs_duplicate = 0, runs_unstopped = 0;
  // Imported Lyapunov results: matched to our lyapunov stage's group (kept by it), or not
  // (recomputed by the pipeline when it next runs on the experiment; one note each).
  int64_t lyapunov_current = 0, lyapunov_stale = 0;
  std::vector<std::string> lyapunov_notes;
  double seconds = 0;
  double embedding_seconds = 0;      // time of the embedding table's pass
  double embedding_cpu_seconds = 0;  // CPU time of this process during it (what a busy machine does not stretch)
  int64_t inserted() const;
};

inline constexpr int64_t kReportedSkips = 1000;

Result<ImportReport> ImportLegacy(const ImportOptions& options);

}  // namespace panic::engine
