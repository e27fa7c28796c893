// Checks of an experiment config against the stages and the model registry, done before
// anything is written: the keys of `options` against the schema the stages and backends
// declare (option_schema.h), every genAI model exists and is a genAI model, every embedding model is an
// embedding model, each network starts with a model that takes text (prompts are
// text), and consecutive models chain cyclically (the last feeds the first).
#pragma once

#include "panic/core/experiment_config.h"
#include "panic/engine/stage_registry.h"
#include "panic/models/registry.h"

namespace panic::engine {

// InvalidArgument naming the field (e.g. `networks[1][0]`, `options.maxdim`), the value and
// what is allowed (the models, the known option keys of every owner). `stages` declares
// the stage options (the built-in pipeline unless a test gives its own).
Status ValidateConfigModels(const ExperimentConfig& config, const models::ModelRegistry& registry,
                            const StageRegistry& stages = StageRegistry::Default());

}  // namespace panic::engine
