// The change-points table (kernel change points of each run's trajectory) — tidy_tables.h.
#include <span>

#include "panic/analysis/change_points.h"
#include "panic/export/tidy_common.h"
#include "panic/store/analysis_tables.h"

namespace panic::exporting {

using namespace tidy;
using store::SqliteDb;

namespace {

// The trajectories of one experiment under the wanted models, one (run, model) at a time,
// in run order: fn(points), all of one run and model. The points live in a pool reused from
// one trajectory to the next (assigning a point reuses its strings' and vector's buffers),
// so a scan of a million embeddings does not allocate per point.
Status ForEachTrajectory(SqliteDb& c, const std::string& experiment_id, const TidyOptions& o,
                         const std::function<Status(std::span<const store::TrajectoryPoint>)>& fn) {
  std::vector<store::TrajectoryPoint> pool;
  size_t used = 0;  // pool[0, used) is the trajectory being collected
  auto flush = [&]() -> Status {
    if (used == 0) return Status::Ok();
    Status s = fn({pool.data(), used});
    used = 0;
    return s;
  };
  Status scan = store::analysis_reads::ForEachEmbedding(
      c, experiment_id, o.model, [&](const store::TrajectoryPoint& p) -> Status {
        if (used > 0 && (pool[0].run_id != p.run_id || pool[0].embedding_model != p.embedding_model)) {
          PANIC_RETURN_IF_ERROR(flush());
          PANIC_RETURN_IF_ERROR(CheckCancel(o));
        }
        if (used == pool.size()) pool.emplace_back();
        pool[used++] = p;
        return Status::Ok();
      });
  if (!scan.ok()) return scan;
  return flush();
}

// The points' vectors, row after row; Corruption when they differ in length.
Result<std::vector<float>> Flatten(std::span<const store::TrajectoryPoint> points, size_t& dim) {
  dim = points.empty() ? 0 : points[0].vector.size();
  std::vector<float> flat;
  flat.reserve(points.size() * dim);
  for (const auto& p : points) {
    if (p.vector.size() != dim) {
      return Status::Corruption("run " + p.run_id + " has " + p.embedding_model + " vectors of " +
                                std::to_string(dim) + " and " + std::to_string(p.vector.size()) + " values");
    }
    flat.insert(flat.end(), p.vector.begin(), p.vector.end());
  }
  return flat;
}

}  // namespace

Status WriteChangePointsTable(store::Database& db, const std::vector<std::string>& experiments, const TidyOptions& o,
                              TableSink& sink) {
  analysis::KernelCpdOptions cpd;
  cpd.penalty = o.penalty;
  return WriteTable(
      db, sink, "changepoints",
      {{"experiment_id", S}, {"run_id", S}, {"embedding_model", S}, {"network", S}, {"initial_prompt", S},
       {"num_points", I}, {"penalty", D}, {"change_point", I}, {"sequence_number", I}},
      [&](SqliteDb& c) {
        return ForEachExperimentRuns(c, experiments, [&](const ExperimentRuns& runs) {
          return ForEachTrajectory(c, runs.experiment_id, o, [&](std::span<const store::TrajectoryPoint> points) {
            const std::string& run_id = points[0].run_id;
            const RunInfo* run = runs.Find(run_id);
            size_t dim = 0;
            PANIC_ASSIGN_OR_RETURN(std::vector<float> flat, Flatten(points, dim));
            PANIC_ASSIGN_OR_RETURN(analysis::ChangePoints cp, analysis::DetectChangePoints(flat, dim, cpd));
            for (size_t k : cp.change_points) {
              PANIC_RETURN_IF_ERROR(sink.Add({runs.experiment_id, run_id, points[0].embedding_model,
                                              run ? run->network : "", run ? run->run.initial_prompt : "",
                                              static_cast<int64_t>(points.size()), cp.penalty,
                                              static_cast<int64_t>(k), points[k].sequence_number}));
            }
            return Status::Ok();
          });
        });
      });
}

}  // namespace panic::exporting
