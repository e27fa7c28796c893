// `db merge`: the union of panic-tda databases (Slurm job arrays that each wrote their own
// file) in one target, every row with its id.
//
// Each source is attached read-only (mode=ro: never written, never migrated) and merged
// in ONE transaction of the target, so a kill leaves the target with whole sources only,
// and merging again is idempotent. For every table of the schema (kMergedTables, parents
// first; a table the list does not know is refused, so a new migration cannot be merged
// half):
//   - a row whose key the target lacks is copied;
//   - a row the target holds identically (every column IS equal) is skipped;
//   - a row whose key the target holds with other content, or that would collide with a
//     different row on a UNIQUE key (the same run number of one experiment, …), is a
//     conflict: nothing of that source is written, and the error names up to
//     kMaxReportedConflicts conflicts as `table key: column(s) that differ`.
// With MergeOptions::rename_conflicts, a conflict does not refuse the source: the unit that
// owns the conflicting row — an experiment with everything under it, or a clustering result
// with its labels, summaries and scope — is copied under new ids (merge_renames.h says which
// ids and why a second merge copies nothing). Conflicts in the legacy import records, which
// have no ids to rename, still refuse the source.
// Writer leases (the live process writing an experiment of the source) are not merged:
// they describe a process on the source's machine. Foreign keys are checked before commit.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "panic/core/status.h"
#include "panic/store/database.h"

namespace panic::store {

// Parents before children; every table of the schema except schema_version and
// writer_leases (see above).
inline constexpr const char* kMergedTables[] = {
    "experiments",          "runs",                  "invocations",       "embeddings",
    "persistence_diagrams", "clustering_results",    "embedding_clusters", "clustering_result_experiments",
    "cluster_summaries",    "prompt_embeddings",     "lyapunov_results",  "legacy_imports",
    "legacy_import_experiments", "legacy_import_skips",
};
inline constexpr size_t kMaxReportedConflicts = 20;

struct MergeOptions {
  bool rename_conflicts = false;  // copy conflicting experiments / clustering results under new ids
};

struct MergeTableCount {
  int64_t copied = 0;
  int64_t identical = 0;  // already in the target, skipped
};
// One experiment or clustering result of the source copied under a new id.
struct MergeRename {
  std::string table;  // "experiments" or "clustering_results"
  std::string old_id, new_id;
  int64_t ids = 0;      // ids rewritten for it: its own and those of every row under it
  std::string reason;   // the first conflict found under it, or why it follows a renamed experiment
  bool already_present = false;  // the renamed copy was in the target before (an earlier merge of this source)
};
struct MergeReport {
  std::map<std::string, MergeTableCount> tables;  // every table of kMergedTables
  std::vector<MergeRename> renamed;               // experiments first, then clustering results; by old id
  int64_t copied() const;
  int64_t identical() const;
};

// OK when `source_path` can be merged: a file of ours at the latest schema; InvalidArgument
// naming what it is and what to do otherwise (NotFound when there is no file). Only reads it.
Status CheckMergeSource(const std::string& source_path);

// REQUIRES: `target` open for writing (migrated to the latest schema); the source at
// `source_path` is ours at the latest schema (CheckMergeSource) and is only read. Conflicts (without rename_conflicts, or in rows that cannot be
// renamed): AlreadyExists listing them, the target unchanged.
Result<MergeReport> MergeDatabase(Database& target, const std::string& source_path, const MergeOptions& options = {});

}  // namespace panic::store
