// The experiment config file (JSON) and its structural validation: types, unknown keys,
// empty lists, ranges. Whether model names exist and networks chain, and the keys of
// `options`, are checked by the engine (engine/config_validation.h), which knows the
// model registry and the stages that declare those keys (core/option_schema.h).
//
// Every error is InvalidArgument, starts with the config's name and names the field, the
// offending value and what is allowed, upper limits included, e.g. `cfg.json: max_length: 0
// is not allowed (an integer 1..100000000)`. One rule for every message about a config's
// contents: ParseExperimentConfig adds `source: ` to each of its errors in one place, and
// `experiment run` adds the file's name the same way to the engine's checks.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "panic/core/option_schema.h"
#include "panic/core/status.h"

namespace panic {

struct ExperimentConfig {
  std::vector<std::vector<std::string>> networks;
  std::vector<int64_t> seeds;
  std::vector<std::string> prompts;
  std::vector<std::string> embedding_models;
  int64_t max_length = 0;
  // The options object as given. Its keys belong to the stages and model backends that
  // declared them (core/option_schema.h); the engine checks them against that schema
  // (engine/config_validation.h), this layer only that it is an object.
  nlohmann::json options = nlohmann::json::object();
  std::string options_json = "{}";  // `options` as normalised JSON text
};

// Limits on a config's text (docs/DECODERS.md), checked before it is parsed: its size,
// and the nesting of lists and objects (a config needs 3: networks → network → name).
inline constexpr size_t kMaxConfigBytes = size_t{64} << 20;
inline constexpr size_t kMaxConfigNesting = 32;

// `source` names the input in messages (a file path or "config"): every error starts with it.
Result<ExperimentConfig> ParseExperimentConfig(std::string_view json_text, const std::string& source);
// Reads and parses a file; NotFound when it does not exist.
Result<ExperimentConfig> LoadExperimentConfig(const std::string& path);
// Parses the options object as stored with an experiment: Corruption when it is not a
// JSON object within the limits of a config. Its keys are checked by the engine.
Result<nlohmann::json> ParseExperimentOptions(std::string_view options_json);

}  // namespace panic
