// The lyapunov stage (issue 12 §2): the divergence of each group of runs — (network,
// initial prompt) under each embedding model, ≥ 2 runs — and across each pair of the
// experiment's prompts on one network (every run of one against every run of the other),
// computed by analysis/divergence.h on the unit sphere and stored in lyapunov_results
// (store/analysis_tables.h): the curve d(t), the log-linear exponent and the bounded fit.
//
// A group holds the runs that have stopped (length or duplicate) with ≥ 2 vectors under
// the model. Each stored result carries a fingerprint of what it was computed from (the
// group's run ids and their vector counts): Plan lists the groups whose result is missing
// or whose fingerprint no longer matches (a run stopped or got more vectors since), so a
// killed pass resumes where it stopped, a repeated pass writes nothing, and results follow
// the data. A unit is one group; commit writes its row in one transaction.
//
// A group the divergence refuses (fewer than 2 common steps, a zero vector) is counted
// failed and logged; it is tried again on the next pass. Its rows are not part of the
// experiment's "done" (completion.h).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "panic/engine/stage.h"
#include "panic/store/analysis_tables.h"

namespace panic::engine {

// One group to compute: its key, its runs (ids, in run order) and what it is computed from.
struct LyapunovGroup {
  std::string model;
  std::vector<std::string> network;
  std::string prompt;
  std::string other_prompt;          // empty: within `prompt`'s runs
  std::vector<std::string> runs;     // the prompt's runs
  std::vector<std::string> others;   // other_prompt's runs (cross only)
  std::string fingerprint;
};
struct LyapunovUnit {
  std::string experiment_id;
  LyapunovGroup group;
  std::vector<std::vector<float>> runs, others;  // trajectories, steps × dim row-major
  size_t dim = 0;
};
struct LyapunovOutput {
  std::optional<store::LyapunovRecord> record;
  std::string error;  // why the group has no result
};

class LyapunovStage : public TypedStage<LyapunovUnit, LyapunovOutput> {
 public:
  const StageInfo& info() const override;
  Result<StagePlan> Plan(StageContext& ctx) override;
  std::vector<StageCount> Count(const ExperimentFacts&) const override { return {}; }
  int64_t Remaining(const ExperimentFacts&) const override { return 0; }

  // The groups of the experiment as the store holds them now, in a fixed order, each with
  // its current fingerprint (for Plan and for tests).
  static Result<std::vector<LyapunovGroup>> ListGroups(store::SqliteDb& db, const store::ExperimentRecord& experiment);

 protected:
  Result<std::optional<LyapunovUnit>> Next(StageContext& ctx) override;
  Result<LyapunovOutput> Run(const LyapunovUnit& unit, ExecuteContext& ctx) override;
  Result<UnitOutcome> Write(StageContext& ctx, LyapunovOutput& output) override;

 private:
  std::vector<LyapunovGroup> todo_;
  size_t next_ = 0;
};

}  // namespace panic::engine
