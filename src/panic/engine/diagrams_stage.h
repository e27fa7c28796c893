// The persistence-diagram stage: for each (run, embedding model) whose trajectory is
// complete (completion.h: the run stopped and every output of the model's modality has
// its vector) with ≥ 2 points and no fresh diagram, Vietoris–Rips persistence of the
// vectors in step order, stored with the persistent entropy as the NPZ blob of DESIGN.md
// §5 and with what it was computed from (point count, last step). A diagram whose
// trajectory has changed since is stale and is recomputed; a partial trajectory gets none.
//
// Scheduling and memory: runs are independent. Small runs (< kLargeRunPoints points) are
// computed several at a time, one thread each, `threads` at once (one unit); large runs one
// at a time with all threads inside the kernel. So at most `threads` small diagrams, or one
// large one, are in memory at once: peak memory is that of the largest single run.
// A failure (bad vectors, out of memory) is stored as the run's diagram error, does not
// stop the stage, and is retried on resume.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "panic/engine/stage.h"
#include "panic/store/diagram_writes.h"
#include "panic/tda/rips.h"

namespace panic::engine {

inline constexpr int64_t kLargeRunPoints = 1500;

// The experiment options the diagrams stage owns (declared in its StageInfo):
//   maxdim     homology dimensions 0..maxdim, 0..3 (default 2)
//   metric     "euclidean" (default) or "cosine"
//   threshold  the Rips threshold, a number > 0; null or absent: the enclosing radius
//   approximate   ε, 0 < ε ≤ 10: diagrams of Sheehy's sparse Rips filtration, within a
//                 factor (1 + ε) of the exact ones (docs/TDA.md); null or absent: exact
//   exact_up_to   an integer 0..10⁹: runs of at most this many points get exact diagrams,
//                 longer ones approximate ones with `approximate` (kDefaultApproximation
//                 when it is absent); null or absent: `approximate` decides for every run
struct DiagramsOptions {
  int maxdim = 2;
  std::string metric = "euclidean";
  std::optional<double> threshold;
  std::optional<double> approximate;
  std::optional<int64_t> exact_up_to;
};
const std::vector<OptionField<DiagramsOptions>>& DiagramsOptionFields();

// The ε used for runs longer than `exact_up_to` when `approximate` is not given.
inline constexpr double kDefaultApproximation = 0.1;

// The ε of the diagram of a run of `points` points under these options; absent: exact.
std::optional<double> ApproximationFor(const DiagramsOptions& options, int64_t points);

// The kernel options the stage's options ask for.
tda::RipsOptions RipsOptionsFor(const DiagramsOptions& options);

// One diagram to compute (plain data).
struct DiagramTask {
  std::string run_id;
  std::string model;
  std::vector<std::vector<float>> vectors;
  store::DiagramProvenance provenance;
  std::optional<double> epsilon;  // absent: the exact diagram
};
struct DiagramUnit {
  std::vector<DiagramTask> tasks;
  bool large = false;  // one task, all threads inside the kernel
  tda::RipsOptions rips;
  // The memory the unit needs at least: the sum of its tasks' TaskMemory (a small unit's
  // tasks are computed at once). `--mpi` gives the unit only to a rank with that much.
  uint64_t memory_bytes = 0;
};
struct DiagramOutput {
  std::vector<store::DiagramWrite> diagrams;
};

// The memory a task needs at least: for an exact diagram the kernel's own bound
// (tda::RipsMemoryLowerBound: the distance matrix and the edge table; the one estimate that
// `--memory-limit` and the kernel's refusal use); 0 for an approximate one, whose need is
// known only once its sparse edges are found (the kernel refuses past its limit itself).
uint64_t TaskMemory(const DiagramTask& task, int maxdim);

// The stored failure of a task that was not computed (e.g. no rank had the memory for it):
// the row a kernel failure gets, with `error`, retried on resume.
store::DiagramWrite FailedDiagram(const DiagramTask& task, const std::string& error);

class DiagramsStage : public TypedStage<DiagramUnit, DiagramOutput> {
 public:
  const StageInfo& info() const override;
  Result<StagePlan> Plan(StageContext& ctx) override;
  std::vector<StageCount> Count(const ExperimentFacts& facts) const override;
  int64_t Remaining(const ExperimentFacts& facts) const override;
  Result<std::vector<store::WorkInterval>> WorkHistory(store::Database& db, const std::string& experiment_id) const override;

 protected:
  Result<std::optional<DiagramUnit>> Next(StageContext& ctx) override;
  Result<DiagramOutput> Run(const DiagramUnit& unit, ExecuteContext& ctx) override;
  Result<UnitOutcome> Write(StageContext& ctx, DiagramOutput& output) override;

 private:
  struct Todo {
    std::string run_id;
    std::string model;
    int64_t points = 0;
  };
  std::vector<Todo> todo_;
  size_t next_ = 0;
  DiagramsOptions options_;  // read in Plan
  tda::RipsOptions rips_;    // from options_
};

}  // namespace panic::engine
