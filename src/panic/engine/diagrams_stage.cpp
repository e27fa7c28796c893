#include "panic/engine/diagrams_stage.h"

#include <algorithm>
#include <new>

#include "panic/core/parallel.h"
#include "panic/core/time.h"
#include "panic/core/uuid.h"
#include "panic/engine/stage_timing.h"
#include "panic/store/npz_codec.h"
#include "panic/tda/persistent_entropy.h"

namespace panic::engine {
namespace {

struct DiagramTask {
  std::string run_id;
  int64_t points = 0;
  std::vector<std::vector<float>> vectors;
  store::PersistenceDiagramRecord record;
};

// Computes one diagram into task.record (data or error). Never throws.
void Compute(DiagramTask& task, const std::string& model, tda::RipsOptions rips, int threads,
             std::atomic<int64_t>& kernel_ns) {
  store::PersistenceDiagramRecord& r = task.record;
  r.id = NewUuidV7();
  r.run_id = task.run_id;
  r.embedding_model = model;
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
    task.vectors.clear();
    Result<tda::Diagram> diagram = Status::Internal("not computed");
    {
      ScopedTimer timer(kernel_ns);
      diagram = tda::ComputeRips(points, n, dim, rips);
    }
    if (!diagram.ok()) {
      r.error = diagram.status().ToString();
    } else {
      r.diagram_data = store::EncodeDiagramNpz(*diagram, tda::PersistentEntropy(*diagram));
    }
  } catch (const std::bad_alloc&) {
    r.error = "out of memory computing the diagram of " + std::to_string(task.points) + " points";
  } catch (const std::exception& e) {
    r.error = std::string("diagram failed: ") + e.what();
  }
  r.completed_at = NowIso();
}

}  // namespace

tda::RipsOptions RipsOptionsFor(const ExperimentOptions& options) {
  tda::RipsOptions rips;
  rips.maxdim = options.maxdim;
  rips.metric = options.metric == "cosine" ? tda::Metric::kCosine : tda::Metric::kEuclidean;
  if (options.threshold) rips.threshold = static_cast<float>(*options.threshold);
  return rips;
}

Result<DiagramsStageResult> ExecuteDiagramsStage(store::Store& store, const store::ExperimentRecord& experiment,
                                                 const ExperimentOptions& options,
                                                 const StageOptions& stage_options) {
  const tda::RipsOptions rips = RipsOptionsFor(options);
  const int threads = std::max(1, stage_options.threads);
  ProgressEvent progress{"diagrams", "diagrams", 0, 0, 0, false};
  std::vector<std::pair<std::string, std::vector<std::pair<std::string, int64_t>>>> work;
  for (const auto& model : experiment.embedding_models) {
    PANIC_ASSIGN_OR_RETURN(int64_t expected, store.CountRunsWithPoints(experiment.id, model));
    PANIC_ASSIGN_OR_RETURN(auto todo, store.ListRunsNeedingDiagram(experiment.id, model));
    progress.total += expected;
    progress.done += expected - static_cast<int64_t>(todo.size());
    // Largest first, so that the big single-run batches run before the parallel tail.
    std::stable_sort(todo.begin(), todo.end(), [](const auto& a, const auto& b) { return a.second > b.second; });
    work.emplace_back(model, std::move(todo));
  }
  if (stage_options.progress) stage_options.progress(progress);

  DiagramsStageResult result;
  std::atomic<int64_t> kernel_ns{0};
  for (auto& [model, todo] : work) {
    size_t next = 0;
    while (next < todo.size()) {
      if (stage_options.cancel && stage_options.cancel->load()) return Status::Cancelled("interrupted");
      const bool large = todo[next].second >= kLargeRunPoints;
      // A round: one large run with every thread, or up to `threads` small runs.
      std::vector<DiagramTask> round;
      while (next < todo.size() && (round.empty() || (!large && static_cast<int>(round.size()) < threads &&
                                                      todo[next].second < kLargeRunPoints))) {
        DiagramTask t;
        t.run_id = todo[next].first;
        t.points = todo[next].second;
        PANIC_ASSIGN_OR_RETURN(t.vectors, store.LoadRunVectors(t.run_id, model));
        round.push_back(std::move(t));
        ++next;
      }
      if (large) {
        Compute(round[0], model, rips, threads, kernel_ns);
      } else {
        ParallelFor(round.size(), threads, [&](size_t i) { Compute(round[i], model, rips, 1, kernel_ns); });
      }
      for (auto& t : round) {
        PANIC_RETURN_IF_ERROR(store.PutDiagram(t.record));
        if (t.record.error) ++result.failed;
        else ++result.written;
        progress.done += t.record.error ? 0 : 1;
        progress.done_this_session += 1;
      }
      if (stage_options.progress) stage_options.progress(progress);
    }
  }
  progress.finished = true;
  if (stage_options.progress) stage_options.progress(progress);
  result.kernel_s = Seconds(kernel_ns);
  return result;
}

}  // namespace panic::engine
