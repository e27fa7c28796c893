// The experiment option the model registry itself owns, for models of every backend:
//   max_batch  {"ModelName": n}: the most inputs one call to that model takes (the runs
//              stage splits its batches by it; the Python worker uses it in place of the
//              cap it reports).
// Whether the named models exist is checked with the networks (engine/config_validation).
#pragma once

#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "panic/core/option_schema.h"

namespace panic::models {

inline constexpr const char* kModelRegistryOwner = "model registry";

struct ModelOptions {
  std::map<std::string, int> max_batch;  // model name → cap ≥ 1
};

const std::vector<OptionField<ModelOptions>>& ModelOptionFields();
std::vector<OptionSpec> ModelOptionSpecs();
// The registry's keys of a checked options object.
Result<ModelOptions> ReadModelOptions(const nlohmann::json& options);

}  // namespace panic::models
