// The persistence-diagram stage: for each (run, embedding model) with ≥ 2 vectors and no
// diagram, Vietoris–Rips persistence of the vectors in step order, stored with the
// persistent entropy as the NPZ blob of DESIGN.md §5.
//
// Scheduling and memory: runs are independent. Small runs (< kLargeRunPoints points) are
// computed several at a time, one thread each, `threads` at once; large runs one at a
// time with all threads inside the kernel. So at most `threads` small diagrams, or one
// large one, are in memory at once: peak memory is that of the largest single run.
// A failure (bad vectors, out of memory) is stored as the run's diagram error, does not
// stop the stage, and is retried on resume.
#pragma once

#include "panic/core/experiment_config.h"
#include "panic/engine/progress.h"
#include "panic/store/store.h"
#include "panic/tda/rips.h"

namespace panic::engine {

inline constexpr int64_t kLargeRunPoints = 1500;

struct DiagramsStageResult {
  int64_t written = 0;
  int64_t failed = 0;
  double kernel_s = 0;  // inside the persistence kernel, summed over threads
};

// The kernel options an experiment's options ask for.
tda::RipsOptions RipsOptionsFor(const ExperimentOptions& options);

Result<DiagramsStageResult> ExecuteDiagramsStage(store::Store& store, const store::ExperimentRecord& experiment,
                                                 const ExperimentOptions& options,
                                                 const StageOptions& stage_options);

}  // namespace panic::engine
