#include "panic/engine/experiment_summary.h"

#include "panic/core/time.h"
#include "panic/engine/completion.h"
#include "panic/store/experiments_table.h"
#include "panic/store/runs_table.h"

namespace panic::engine {

bool ExperimentSummary::AllWorkDone() const {
  for (const auto& s : stages) {
    for (const auto& c : s.counts) {
      if (!c.complete()) return false;
    }
  }
  return true;
}

Result<ExperimentSummary> SummarizeExperiment(store::Database& db, const models::ModelRegistry& registry,
                                              const std::string& experiment_id, const StageRegistry& stages) {
  ExperimentSummary s;
  PANIC_ASSIGN_OR_RETURN(ExperimentFacts facts, LoadExperimentFacts(db, registry, experiment_id));
  s.experiment = facts.experiment;
  // The steps by type and the vectors per model are in facts (per run; per configured model):
  // the summary sums the steps from there and leaves counts.embeddings empty rather than read
  // every step again and look each up in the vector index.
  PANIC_ASSIGN_OR_RETURN(s.counts, db.Read([&](store::SqliteDb& c) {
    return store::experiments::Count(c, experiment_id, store::experiments::CountVectors::kWithout,
                                     store::experiments::CountSteps::kWithout);
  }));
  for (const auto& f : facts.runs) {
    s.counts.text_invocations += f.text;
    s.counts.image_invocations += f.image;
  }
  s.counts.invocations = s.counts.text_invocations + s.counts.image_invocations;
  PANIC_ASSIGN_OR_RETURN(auto runs, store::runs::List(db.connection(), experiment_id));
  for (size_t i = 0; i < runs.size(); ++i) {
    const auto& r = runs[i];
    s.invocations_expected += r.finished() ? facts.runs[i].invocations() : r.max_length;
    if (r.stop_reason && *r.stop_reason == store::kStopFailed) {
      s.failed_runs.push_back({r.id, r.run_number, r.error.value_or("")});
    }
  }
  std::vector<StageEta> etas;
  std::vector<store::WorkInterval> worked;  // every stage's intervals: the working time
  for (const auto& stage : stages.Instantiate()) {
    s.stages.push_back({stage->info(), stage->Count(facts)});
    PANIC_ASSIGN_OR_RETURN(std::vector<store::WorkInterval> history, stage->WorkHistory(db, experiment_id));
    etas.push_back(EstimateStage(stage->info().name, stage->info().unit, stage->Remaining(facts), history));
    worked.insert(worked.end(), history.begin(), history.end());
  }
  s.elapsed_s = BusySeconds(std::move(worked), static_cast<int64_t>(kWorkingPauseS * 1e6));
  s.eta = CombineEtas(std::move(etas));
  PANIC_ASSIGN_OR_RETURN(s.approximate_diagrams, db.Read([&](store::SqliteDb& c) {
    return store::diagrams::ApproximateCounts(c, experiment_id);
  }));
  if (s.eta.work_left()) s.eta_s = s.eta.total_s;

  const auto& e = s.experiment;
  if (!e.started_at) {
    s.status = "not started";
    return s;
  }
  PANIC_ASSIGN_OR_RETURN(int64_t start, ParseIsoMicros(*e.started_at));
  int64_t end = NowMicros();
  const bool done = s.AllWorkDone();
  if (e.completed_at && done) {
    PANIC_ASSIGN_OR_RETURN(end, ParseIsoMicros(*e.completed_at));
    s.status = "completed";
  } else if (e.completed_at || s.counts.runs_failed > 0) {
    // completed_at without all work done: stale diagrams (their trajectory changed), or
    // a database completed by an older version with partial diagrams.
    s.status = "incomplete";
  } else {
    // Without a live writer we cannot tell running from interrupted; the updated_at
    // of a writing process moves with each stage.
    s.status = "running or interrupted";
  }
  s.span_s = static_cast<double>(end - start) / 1e6;
  return s;
}

}  // namespace panic::engine
