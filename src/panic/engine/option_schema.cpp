#include "panic/engine/option_schema.h"

#include <algorithm>

#include "panic/engine/stage_registry.h"

namespace panic::engine {

Status OptionSchema::Add(OptionSpec spec) {
  for (const auto& s : specs_) {
    if (s.name == spec.name) {
      return Status::Internal("option '" + spec.name + "' is declared by both the " + s.owner + " and the " +
                              spec.owner + " (an option has one owner)");
    }
  }
  specs_.push_back(std::move(spec));
  return Status::Ok();
}

std::string OptionSchema::KnownKeys() const {
  // Grouped by owner, owners in order of their first key.
  std::vector<std::pair<std::string, std::vector<std::string>>> groups;
  for (const auto& s : specs_) {
    auto it = std::find_if(groups.begin(), groups.end(), [&](const auto& g) { return g.first == s.owner; });
    if (it == groups.end()) it = groups.insert(groups.end(), {s.owner, {}});
    it->second.push_back(s.name);
  }
  std::string out;
  for (const auto& [owner, names] : groups) {
    out += (out.empty() ? "" : "; ") + option_values::JoinNames(names) + " (" + owner + ")";
  }
  return out.empty() ? "none" : out;
}

Status OptionSchema::Validate(const nlohmann::json& options) const {
  if (!options.is_object()) {
    return Status::InvalidArgument("options: expected an object, got " + option_values::KindOf(options) + " " +
                                   option_values::Show(options));
  }
  std::vector<std::string> names;
  for (const auto& s : specs_) names.push_back(s.name);
  for (const auto& [key, value] : options.items()) {
    auto it = std::find_if(specs_.begin(), specs_.end(), [&](const OptionSpec& s) { return s.name == key; });
    if (it == specs_.end()) return option_values::UnknownKey("options: ", key, names, KnownKeys());
    PANIC_RETURN_IF_ERROR(it->validate(value, "options." + key));
  }
  return Status::Ok();
}

Result<OptionSchema> JoinOptionSchema(const StageRegistry& stages, const models::ModelRegistry& models) {
  OptionSchema schema;
  for (const auto& info : stages.infos()) {
    for (const auto& spec : info.options) PANIC_RETURN_IF_ERROR(schema.Add(spec));
  }
  for (const auto& spec : models.DeclaredOptions()) PANIC_RETURN_IF_ERROR(schema.Add(spec));
  return schema;
}

}  // namespace panic::engine
