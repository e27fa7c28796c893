// Size limits of an experiment, checked before anything is written. The runs stage holds
// O(chunk) runs in memory (runs_stage.h), but planning lists every run of the experiment
// (its id, network and initial prompt: about 300 bytes plus the prompt), so the number of
// runs and the bytes of their prompts bound the memory of a pass:
//   kMaxRuns              networks × seeds × prompts          ≤ 1 000 000 runs
//   kMaxRunPromptBytes    Σ over runs of the prompt's bytes   ≤ 256 MiB
// At the limits a pass plans in about 600 MB; 100 000 runs take about 40 MB.
#pragma once

#include <cstdint>

#include "panic/core/experiment_config.h"
#include "panic/core/status.h"

namespace panic::engine {

inline constexpr int64_t kMaxRuns = 1'000'000;
inline constexpr int64_t kMaxRunPromptBytes = int64_t{256} << 20;

// InvalidArgument naming the size, the limit and the fields that make it.
Status ValidateConfigSize(const ExperimentConfig& config);

}  // namespace panic::engine
