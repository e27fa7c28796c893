// The one schema of an experiment's `options`: the keys every stage declares in its
// StageInfo and every model backend through ModelRegistry::DeclareOptions, joined here
// (core/option_schema.h explains how an owner declares and reads its keys).
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "panic/core/option_schema.h"
#include "panic/core/status.h"
#include "panic/models/registry.h"

namespace panic::engine {

class StageRegistry;

class OptionSchema {
 public:
  // Adds a key. Internal error naming the key and both owners when it is declared already:
  // a key has one owner, which alone checks and reads it.
  Status Add(OptionSpec spec);
  // Checks an options object: every key must be declared (an unknown key names itself,
  // its path and the known keys of every owner) and each value passes its owner's check.
  Status Validate(const nlohmann::json& options) const;
  const std::vector<OptionSpec>& specs() const { return specs_; }
  // "loop_detection, webp_quality (runs stage); maxdim, ... (diagrams stage); ..."
  std::string KnownKeys() const;

 private:
  std::vector<OptionSpec> specs_;  // in declaration order: stages first, then backends
};

// The stages' keys, then the model registry's; Internal error when two owners declare a key.
Result<OptionSchema> JoinOptionSchema(const StageRegistry& stages, const models::ModelRegistry& models);

}  // namespace panic::engine
