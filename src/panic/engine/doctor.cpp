#include "panic/engine/doctor.h"

#include <chrono>

#include "panic/engine/pipeline.h"
#include "panic/store/clustering_table.h"
#include "panic/store/database.h"
#include "panic/store/experiments_table.h"
#include "panic/store/writer_lease.h"

namespace panic::engine {
namespace {

namespace integrity = store::integrity;

std::vector<integrity::ModelRow> ModelRows(const models::ModelRegistry& registry) {
  std::vector<integrity::ModelRow> rows;
  for (const models::ModelInfo& info : registry.List()) {
    integrity::ModelRow row;
    row.name = info.name;
    row.embedding = info.is_embedding();
    // A genAI model's output type; an embedding model's modality (its input).
    row.output_type = models::ModalityName(row.embedding ? info.input : info.output);
    row.dim = info.dimension;
    rows.push_back(std::move(row));
  }
  return rows;
}

// Registers what the checks need on the connection, with the experiments whose writer is
// live now.
Status PrepareChecks(store::SqliteDb& db, const models::ModelRegistry& registry, bool decode_images) {
  PANIC_ASSIGN_OR_RETURN(std::vector<std::string> ids, integrity::ExperimentIds(db));
  std::vector<std::string> live;
  for (const std::string& id : ids) {
    PANIC_ASSIGN_OR_RETURN(auto holder, store::LiveWriter(db, id));
    if (holder) live.push_back(id);
  }
  PANIC_ASSIGN_OR_RETURN(std::vector<std::string> abandoned, store::clustering::AbandonedIds(db));
  return integrity::Prepare(db, ModelRows(registry), live, abandoned, decode_images);
}

// Runs one repair in its own write transaction and records it.
template <typename Fn>
Status Repair(store::Database& db, const std::string& name, Fn&& fn, DoctorReport* report, const CancelFlag* cancel) {
  if (cancel != nullptr && cancel->load()) return Status::Cancelled("doctor interrupted before " + name);
  Result<int64_t> rows = db.Write([&](store::SqliteDb& c) { return fn(c); });
  DoctorRepair repair{name, rows.ok() ? *rows : 0, rows.ok() ? std::string() : rows.status().ToString()};
  report->repairs.push_back(std::move(repair));
  // A repair that fails was rolled back; the others still run and the re-check reports it.
  return rows.ok() || rows.status().code() != StatusCode::kCancelled ? Status::Ok() : rows.status();
}

// Resumes the experiment's pipeline as `experiment resume` does, under its writer lease.
DoctorRepair Resume(const std::string& db_path, models::ModelRegistry& registry, const std::string& experiment_id,
                    const StageOptions& stage_options, Status* cancelled) {
  DoctorRepair repair{"resume " + experiment_id, 0, ""};
  auto store = store::Database::Open(db_path, store::OpenMode::kWrite);
  if (!store.ok()) {
    repair.error = store.status().ToString();
    return repair;
  }
  auto lease = store::WriterLease::Acquire(**store, experiment_id);
  if (!lease.ok()) {
    repair.error = lease.status().ToString();
    return repair;
  }
  PipelineOptions options;
  static_cast<StageOptions&>(options) = stage_options;
  auto result = ExecuteExperiment(**store, registry, experiment_id, options);
  if (!result.ok()) {
    if (result.status().code() == StatusCode::kCancelled) *cancelled = result.status();
    repair.error = result.status().ToString();
    return repair;
  }
  for (const StageReport& stage : result->stages) repair.rows += stage.written;
  if (result->total_failed() > 0) {
    repair.error = std::to_string(result->total_failed()) + " item(s) failed; `experiment show` lists them";
  }
  return repair;
}

}  // namespace

int64_t DoctorReport::issues() const {
  int64_t n = 0;
  for (const auto& f : final_findings()) n += f.count;
  return n;
}

Result<DoctorReport> RunDoctor(const std::string& db_path, models::ModelRegistry& registry,
                               const DoctorOptions& options) {
  PANIC_ASSIGN_OR_RETURN(auto db, store::Database::Open(db_path, options.fix ? store::OpenMode::kWrite
                                                                             : store::OpenMode::kReadOnly));
  DoctorReport report;
  report.database = db_path;
  if (!options.experiment_id.empty()) {
    PANIC_ASSIGN_OR_RETURN(report.experiment_id, store::experiments::ResolveId(db->connection(), options.experiment_id));
  }
  const std::string& scope = report.experiment_id;

  auto t0 = std::chrono::steady_clock::now();
  PANIC_RETURN_IF_ERROR(PrepareChecks(db->connection(), registry, options.decode_images));
  // One snapshot for every check, so that counts agree with each other.
  const auto run_checks = [&](store::SqliteDb& c) {
    return integrity::RunChecks(c, scope, options.sqlite_check, options.pipeline.cancel);
  };
  PANIC_ASSIGN_OR_RETURN(report.findings, db->Read(run_checks));
  report.check_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  if (!options.fix || report.clean()) return report;

  // Orphans first (they may hold the other checks' rows), then runs, vectors, diagrams.
  PANIC_RETURN_IF_ERROR(
      Repair(*db, "delete_orphans", integrity::DeleteOrphans, &report, options.pipeline.cancel));
  PANIC_RETURN_IF_ERROR(Repair(
      *db, "truncate_damaged_runs", [&](store::SqliteDb& c) { return integrity::TruncateDamagedRuns(c, scope); },
      &report, options.pipeline.cancel));
  PANIC_RETURN_IF_ERROR(Repair(
      *db, "delete_bad_embeddings", [&](store::SqliteDb& c) { return integrity::DeleteBadEmbeddings(c, scope); },
      &report, options.pipeline.cancel));
  PANIC_RETURN_IF_ERROR(Repair(
      *db, "delete_bad_diagrams", [&](store::SqliteDb& c) { return integrity::DeleteBadDiagrams(c, scope); },
      &report, options.pipeline.cancel));
  PANIC_RETURN_IF_ERROR(Repair(*db, "delete_abandoned_clusterings", store::clustering::DeleteAbandoned, &report,
                               options.pipeline.cancel));
  // After the repairs that delete embeddings: a medoid among them leaves its result without
  // a representative, which no later repair could restore.
  PANIC_RETURN_IF_ERROR(Repair(*db, "delete_clusterings_without_medoid", integrity::DeleteClusteringsWithoutMedoid,
                               &report, options.pipeline.cancel));
  PANIC_RETURN_IF_ERROR(Repair(*db, "repair_cluster_snapshots", integrity::RepairClusterSnapshots, &report,
                               options.pipeline.cancel));
  PANIC_RETURN_IF_ERROR(Repair(
      *db, "clear_false_completion",
      [&](store::SqliteDb& c) { return integrity::ClearFalseCompletion(c, scope); }, &report, options.pipeline.cancel));

  PANIC_ASSIGN_OR_RETURN(std::vector<std::string> to_resume,
                         integrity::ExperimentsToResume(db->connection(), scope));
  Status cancelled;
  for (const std::string& id : to_resume) {
    report.repairs.push_back(Resume(db_path, registry, id, options.pipeline, &cancelled));
    if (!cancelled.ok()) return cancelled;
  }

  PANIC_RETURN_IF_ERROR(PrepareChecks(db->connection(), registry, options.decode_images));
  PANIC_ASSIGN_OR_RETURN(report.remaining, db->Read(run_checks));
  report.rechecked = true;
  return report;
}

}  // namespace panic::engine
