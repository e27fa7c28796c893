// `panic-tda doctor`: check a database (or one experiment) for what crashes, OOMs and
// manual edits leave behind, and with `fix` repair it (issue 13; docs/DOCTOR.md).
//
// Without `fix` the database is opened read-only and nothing is written. With `fix`:
//   1. each repair kind runs in its own write transaction (a kill leaves the database as it
//      was before that repair or after it): delete orphans and assignments to missing
//      embeddings; truncate damaged runs at their first bad step; delete bad embeddings;
//      delete bad diagrams; delete abandoned clusterings and those whose medoid a deletion
//      removed; repair the clustering snapshots; clear a false completed_at (deletions
//      first, so that one fix also repairs what its own deletions cause);
//   2. the pipeline resumes every experiment (in scope, without a live writer) that has
//      something left to compute: interrupted or truncated runs continue (the models
//      recompute the rest), missing embeddings and diagrams are computed;
//   3. every check runs again; its findings are what remains.
#pragma once

#include <string>
#include <vector>

#include "panic/core/status.h"
#include "panic/engine/progress.h"
#include "panic/models/registry.h"
#include "panic/store/integrity_checks.h"

namespace panic::engine {

struct DoctorOptions {
  std::string experiment_id;  // empty: the whole database; else an id or unique prefix
  bool fix = false;
  // SQLite's own check: quick_check, or the full integrity_check (store/integrity_checks.h).
  store::integrity::SqliteCheck sqlite_check = store::integrity::SqliteCheck::kQuick;
  // The image check decodes every image instead of checking its structure only.
  bool decode_images = false;
  StageOptions pipeline;  // threads, progress and cancellation of the resumed pipelines
};

struct DoctorRepair {
  std::string name;  // "delete_orphans", "truncate_damaged_runs", …, "resume <experiment>"
  int64_t rows = 0;  // rows (or runs, or items written) it changed
  std::string error;  // empty when it succeeded
};

struct DoctorReport {
  std::string database;
  std::string experiment_id;  // resolved; empty for the whole database
  std::vector<store::integrity::Finding> findings;  // the checks before any repair
  std::vector<DoctorRepair> repairs;                // with fix
  std::vector<store::integrity::Finding> remaining; // with fix: the checks after repairing
  double check_seconds = 0;  // time of the first round of checks

  bool rechecked = false;    // the checks ran again after repairs (`remaining` is valid)

  // The findings that count: `remaining` after a fix, else `findings`.
  const std::vector<store::integrity::Finding>& final_findings() const { return rechecked ? remaining : findings; }
  int64_t issues() const;  // sum of the final findings' counts
  bool clean() const { return issues() == 0; }
};

// NotFound for a missing database or experiment; InvalidArgument for a file that is not
// ours (a legacy one is refused untouched: `import` brings it in).
Result<DoctorReport> RunDoctor(const std::string& db_path, models::ModelRegistry& registry,
                               const DoctorOptions& options);

}  // namespace panic::engine
