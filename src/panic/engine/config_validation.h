// Checks of an experiment config against the model registry, done before anything is
// written: every genAI model exists and is a genAI model, every embedding model is an
// embedding model, each network starts with a model that takes text (prompts are
// text), and consecutive models chain cyclically (the last feeds the first).
#pragma once

#include "panic/core/experiment_config.h"
#include "panic/models/registry.h"

namespace panic::engine {

// InvalidArgument naming the field (e.g. `networks[1][0]`), the value and the allowed models.
Status ValidateConfigModels(const ExperimentConfig& config, const models::ModelRegistry& registry);

}  // namespace panic::engine
