// Turning a validated config into stored rows: the experiment and its runs.
#pragma once

#include <string>

#include "panic/core/experiment_config.h"
#include "panic/store/database.h"

namespace panic::engine {

// Runs are networks × seeds × prompts, network outermost and prompt innermost, numbered
// from 0 in that order (so repeated seeds still give distinct runs). Writes the
// experiment and every run in one transaction; returns the new experiment id.
// REQUIRES: `config` passed ValidateConfigModels.
Result<std::string> CreateExperiment(store::Database& db, const ExperimentConfig& config);

}  // namespace panic::engine
