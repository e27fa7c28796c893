// The keys of an experiment's `options` object belong to the layer that uses them. Each
// layer declares its keys as OptionSpecs — a stage in its StageInfo (engine/stage.h), a
// model backend through ModelRegistry::DeclareOptions — and the engine joins them into one
// schema (engine/option_schema.h), refusing a key declared twice. The config layer
// (core/experiment_config.h) only checks that `options` is a JSON object.
//
// An owner writes its keys once, as OptionFields of its own typed struct T: the same table
// declares them (DeclareOptions: each validate applies the value to a scratch T) and reads
// them (ReadOptions), so validation and use cannot disagree.
//
// Every error is InvalidArgument and names the field ("options.maxdim"), the value and
// what is allowed: `options.maxdim: 4 is not allowed (an integer 0..3)`.
#pragma once

#include <cstdint>
#include <functional>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "panic/core/status.h"

namespace panic {

// One key of `options`, as the engine's schema holds it.
struct OptionSpec {
  std::string name;   // the key: "maxdim"
  std::string owner;  // who declared it, for messages: "diagrams stage", "python backend"
  // Checks one value; `field` is its path for messages ("options.maxdim").
  std::function<Status(const nlohmann::json& value, const std::string& field)> validate;
};

// One key of an owner's typed options struct T.
template <typename T>
struct OptionField {
  std::string name;
  // Checks `value` and stores it in `out`; InvalidArgument naming `field` when not allowed.
  std::function<Status(const nlohmann::json& value, const std::string& field, T& out)> apply;
};

// The OptionSpecs of an owner's fields.
template <typename T>
std::vector<OptionSpec> DeclareOptions(const std::string& owner, const std::vector<OptionField<T>>& fields) {
  std::vector<OptionSpec> out;
  for (const auto& f : fields) {
    out.push_back(OptionSpec{f.name, owner, [apply = f.apply](const nlohmann::json& value, const std::string& field) {
                               T scratch{};
                               return apply(value, field, scratch);
                             }});
  }
  return out;
}

// The owner's typed options: defaults, then each of its keys present in `options` (an
// object; keys of other owners are theirs and skipped). A value it refuses is an error:
// stored options are validated when an experiment is created, so a refusal here means
// the options come from elsewhere (an import, an older build).
template <typename T>
Result<T> ReadOptions(const nlohmann::json& options, const std::vector<OptionField<T>>& fields) {
  T out{};
  if (!options.is_object()) return Status::InvalidArgument("options: expected an object");
  for (const auto& f : fields) {
    auto it = options.find(f.name);
    if (it != options.end()) PANIC_RETURN_IF_ERROR(f.apply(*it, "options." + f.name, out));
  }
  return out;
}

// Helpers for owners' checks and the config's, one wording everywhere.
namespace option_values {

// A value as messages show it: compact JSON, cut at 80 characters.
std::string Show(const nlohmann::json& v);
// "an integer", "a string", "a list", ...
std::string KindOf(const nlohmann::json& v);
// `field: <value> is not allowed (<allowed>)`.
Status Invalid(const std::string& field, const nlohmann::json& value, const std::string& allowed);
// "an integer min..max".
std::string IntRange(int64_t min, int64_t max);
// An integer in [min, max] (3.0 counts as 3); else Invalid with `allowed`, which states
// the whole rule, upper limit included.
Result<int64_t> Int(const nlohmann::json& v, const std::string& field, int64_t min, int64_t max,
                    const std::string& allowed);
// `<where>unknown key 'k' — did you mean 'kk'? (known keys: <known>)`.
Status UnknownKey(const std::string& where, const std::string& key, const std::vector<std::string>& candidates,
                  const std::string& known);
// "a, b, c".
std::string JoinNames(const std::vector<std::string>& names);

}  // namespace option_values

// The closest of `candidates` to `word` when it is a likely typo (edit distance ≤ 2
// or a prefix relation), else empty.
std::string NearestName(const std::string& word, const std::vector<std::string>& candidates);

}  // namespace panic
