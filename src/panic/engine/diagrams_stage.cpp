#include "panic/engine/diagrams_stage.h"

#include <algorithm>
#include <limits>
#include <new>
#include <set>

#include "panic/core/parallel.h"
#include "panic/core/time.h"
#include "panic/core/uuid.h"
#include "panic/engine/completion.h"
#include "panic/engine/stage_timing.h"
#include "panic/store/npz_codec.h"
#include "panic/store/run_progress.h"
#include "panic/tda/persistent_entropy.h"

namespace panic::engine {
namespace {

// Computes one diagram (data or error). Never throws.
store::PersistenceDiagramRecord Compute(const DiagramTask& task, tda::RipsOptions rips, int threads,
                                        std::atomic<int64_t>* kernel_ns) {
  store::PersistenceDiagramRecord r;
  r.id = NewUuidV7();
  r.run_id = task.run_id;
  r.embedding_model = task.model;
  r.started_at = NowIso();
  rips.threads = threads;
  try {
    const size_t n = task.vectors.size();
    const size_t dim = task.vectors[0].size();
    std::vector<float> points;
    points.reserve(n * dim);
    for (const auto& v : task.vectors) {
      if (v.size() != dim) throw std::runtime_error("vectors of different lengths (" + std::to_string(dim) + " and " +
                                                    std::to_string(v.size()) + ")");
      points.insert(points.end(), v.begin(), v.end());
    }
    Result<tda::Diagram> diagram = Status::Internal("not computed");
    {
      std::atomic<int64_t> unused{0};
      ScopedTimer timer(kernel_ns ? *kernel_ns : unused);
      if (task.epsilon) {
        Result<tda::ApproximateDiagram> approximate = tda::ComputeApproximateRips(points, n, dim, rips, *task.epsilon);
        if (approximate.ok()) diagram = std::move(approximate->diagram);
        else diagram = approximate.status();
      } else {
        diagram = tda::ComputeRips(points, n, dim, rips);
      }
    }
    // The row says which mode was tried, failed or not (NULL: exact).
    r.approximation_epsilon = task.epsilon;
    if (!diagram.ok()) {
      r.error = diagram.status().ToString();
    } else {
      r.diagram_data = store::EncodeDiagramNpz(*diagram, tda::PersistentEntropy(*diagram), task.epsilon);
    }
  } catch (const std::bad_alloc&) {
    r.error = "out of memory computing the diagram of " + std::to_string(task.vectors.size()) + " points";
  } catch (const std::exception& e) {
    r.error = std::string("diagram failed: ") + e.what();
  }
  r.completed_at = NowIso();
  return r;
}

}  // namespace

const std::vector<OptionField<DiagramsOptions>>& DiagramsOptionFields() {
  using nlohmann::json;
  static const std::vector<OptionField<DiagramsOptions>> kFields = {
      {"maxdim",
       [](const json& v, const std::string& field, DiagramsOptions& out) -> Status {
         PANIC_ASSIGN_OR_RETURN(int64_t d, option_values::Int(v, field, 0, 3, option_values::IntRange(0, 3)));
         out.maxdim = static_cast<int>(d);
         return Status::Ok();
       }},
      {"metric",
       [](const json& v, const std::string& field, DiagramsOptions& out) -> Status {
         const std::string s = v.is_string() ? v.get<std::string>() : "";
         if (s != "euclidean" && s != "cosine") return option_values::Invalid(field, v, "\"euclidean\" or \"cosine\"");
         out.metric = s;
         return Status::Ok();
       }},
      {"threshold",
       [](const json& v, const std::string& field, DiagramsOptions& out) -> Status {
         if (v.is_null()) return Status::Ok();
         if (!v.is_number() || !(v.get<double>() > 0) || v.get<double>() == std::numeric_limits<double>::infinity()) {
           return option_values::Invalid(field, v, "a number > 0, or null for the enclosing radius");
         }
         out.threshold = v.get<double>();
         return Status::Ok();
       }},
      {"approximate",
       [](const json& v, const std::string& field, DiagramsOptions& out) -> Status {
         if (v.is_null()) return Status::Ok();
         // The kernel's range (ComputeApproximateRips): ε > 10 would keep almost nothing.
         if (!v.is_number() || !(v.get<double>() > 0) || !(v.get<double>() <= 10)) {
           return option_values::Invalid(field, v, "a number ε with 0 < ε ≤ 10, or null for exact diagrams");
         }
         out.approximate = v.get<double>();
         return Status::Ok();
       }},
      {"exact_up_to",
       [](const json& v, const std::string& field, DiagramsOptions& out) -> Status {
         if (v.is_null()) return Status::Ok();
         PANIC_ASSIGN_OR_RETURN(out.exact_up_to,
                                option_values::Int(v, field, 0, 1'000'000'000,
                                                   "an integer 0..1000000000 (the longest run, in points, whose "
                                                   "diagram is exact), or null"));
         return Status::Ok();
       }},
  };
  return kFields;
}

uint64_t TaskMemory(const DiagramTask& task, int maxdim) {
  return task.epsilon ? 0 : static_cast<uint64_t>(tda::RipsMemoryLowerBound(task.vectors.size(), maxdim));
}

store::DiagramWrite FailedDiagram(const DiagramTask& task, const std::string& error) {
  store::PersistenceDiagramRecord r;
  r.id = NewUuidV7();
  r.run_id = task.run_id;
  r.embedding_model = task.model;
  r.started_at = NowIso();
  r.approximation_epsilon = task.epsilon;
  r.error = error;
  r.completed_at = r.started_at;
  return {std::move(r), task.provenance};
}

tda::RipsOptions RipsOptionsFor(const DiagramsOptions& options) {
  tda::RipsOptions rips;
  rips.maxdim = options.maxdim;
  rips.metric = options.metric == "cosine" ? tda::Metric::kCosine : tda::Metric::kEuclidean;
  if (options.threshold) rips.threshold = static_cast<float>(*options.threshold);
  return rips;
}

std::optional<double> ApproximationFor(const DiagramsOptions& options, int64_t points) {
  if (options.exact_up_to) {
    if (points <= *options.exact_up_to) return std::nullopt;
    return options.approximate.value_or(kDefaultApproximation);
  }
  return options.approximate;
}

const StageInfo& DiagramsStage::info() const {
  static const StageInfo kInfo{"diagrams", "diagrams",
                               "persistence diagram of each run's complete trajectory under each embedding model",
                               true, DeclareOptions("diagrams stage", DiagramsOptionFields()), true};
  return kInfo;
}

Result<StagePlan> DiagramsStage::Plan(StageContext& ctx) {
  todo_.clear();
  next_ = 0;
  PANIC_ASSIGN_OR_RETURN(options_, ReadOptions(ctx.options, DiagramsOptionFields()));
  rips_ = RipsOptionsFor(options_);
  PANIC_ASSIGN_OR_RETURN(ExperimentFacts facts, LoadExperimentFacts(ctx.db, ctx.registry, ctx.experiment.id));
  std::set<std::string> only;
  if (ctx.only_runs) only.insert(ctx.only_runs->begin(), ctx.only_runs->end());
  StagePlan plan;
  for (const auto& m : facts.models) {
    std::vector<Todo> todo;
    for (size_t i = 0; i < facts.runs.size(); ++i) {
      const RunFacts& run = facts.runs[i];
      if (!TrajectoryComplete(run, m, i) || run.outputs(m.type) < 2) continue;
      ++plan.total;
      if (DiagramFresh(run, m, i)) {
        ++plan.done;
        continue;
      }
      if (!only.empty() && !only.count(run.id)) continue;
      todo.push_back({run.id, m.model, m.per_run[i].embeddings});
    }
    todo_.insert(todo_.end(), todo.begin(), todo.end());
  }
  // Longest first over every model (longest-processing-time order), so that the big units
  // run before the parallel tail and, under --mpi, the ranks finish close together; equal
  // lengths keep the model and run order, so the units are the same in every process.
  std::stable_sort(todo_.begin(), todo_.end(), [](const Todo& a, const Todo& b) { return a.points > b.points; });
  return plan;
}

Result<std::optional<DiagramUnit>> DiagramsStage::Next(StageContext& ctx) {
  if (next_ >= todo_.size()) return std::optional<DiagramUnit>();
  const int threads = std::max(1, ctx.stage_options.threads);
  DiagramUnit unit;
  unit.large = todo_[next_].points >= kLargeRunPoints;
  unit.rips = rips_;
  // A unit: one large run with every thread, or up to `threads` small runs of one model.
  while (next_ < todo_.size() &&
         (unit.tasks.empty() || (!unit.large && static_cast<int>(unit.tasks.size()) < threads &&
                                 todo_[next_].points < kLargeRunPoints && todo_[next_].model == unit.tasks[0].model))) {
    const Todo& t = todo_[next_++];
    PANIC_ASSIGN_OR_RETURN(store::RunTrajectory trajectory,
                           store::LoadRunTrajectory(ctx.db.connection(), t.run_id, t.model));
    if (trajectory.vectors.size() < 2) continue;  // cannot happen for a complete trajectory; nothing to compute
    DiagramTask task{t.run_id, t.model, std::move(trajectory.vectors), {}, std::nullopt};
    task.provenance = {static_cast<int64_t>(task.vectors.size()), trajectory.last_sequence};
    task.epsilon = ApproximationFor(options_, task.provenance.point_count);
    unit.memory_bytes += TaskMemory(task, rips_.maxdim);
    unit.tasks.push_back(std::move(task));
  }
  if (unit.tasks.empty()) return Next(ctx);
  return std::optional<DiagramUnit>(std::move(unit));
}

Result<DiagramOutput> DiagramsStage::Run(const DiagramUnit& unit, ExecuteContext& ctx) {
  const tda::RipsOptions& rips = unit.rips;
  DiagramOutput out;
  out.diagrams.resize(unit.tasks.size());
  auto one = [&](size_t i, int threads) {
    out.diagrams[i] = {Compute(unit.tasks[i], rips, threads, ctx.kernel_ns), unit.tasks[i].provenance};
  };
  if (unit.large) {
    one(0, ctx.threads);
  } else {
    ParallelFor(unit.tasks.size(), ctx.threads, [&](size_t i) { one(i, 1); });
  }
  return out;
}

Result<UnitOutcome> DiagramsStage::Write(StageContext& ctx, DiagramOutput& output) {
  PANIC_RETURN_IF_ERROR(store::ReplaceDiagrams(ctx.db, output.diagrams));
  UnitOutcome outcome;
  for (const auto& d : output.diagrams) {
    if (d.record.error) ++outcome.failed;
    else ++outcome.written;
  }
  return outcome;
}

std::vector<StageCount> DiagramsStage::Count(const ExperimentFacts& facts) const {
  std::vector<StageCount> out;
  for (const auto& m : facts.models) {
    StageCount c{m.model};
    for (size_t i = 0; i < facts.runs.size(); ++i) {
      const RunFacts& run = facts.runs[i];
      const store::RunModelStats& s = m.per_run[i];
      if (run.expected_outputs(m.type) >= 2) ++c.expected;
      if (!s.has_diagram) continue;
      if (s.diagram_failed) ++c.failed;
      else if (DiagramFresh(run, m, i)) ++c.done;
      else ++c.stale;
    }
    out.push_back(c);
  }
  return out;
}

int64_t DiagramsStage::Remaining(const ExperimentFacts& facts) const {
  int64_t left = 0;
  for (const auto& c : Count(facts)) left += std::max<int64_t>(0, c.expected - c.done);
  return left;
}

Result<std::vector<store::WorkInterval>> DiagramsStage::WorkHistory(store::Database& db, const std::string& experiment_id) const {
  return db.Read([&](store::SqliteDb& c) { return store::WorkIntervals(c, experiment_id, store::WorkTable::kDiagrams); });
}

}  // namespace panic::engine
