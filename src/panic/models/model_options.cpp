#include "panic/models/model_options.h"

namespace panic::models {

const std::vector<OptionField<ModelOptions>>& ModelOptionFields() {
  static const std::vector<OptionField<ModelOptions>> kFields = {
      {"max_batch",
       [](const nlohmann::json& v, const std::string& field, ModelOptions& out) -> Status {
         if (!v.is_object()) return option_values::Invalid(field, v, "an object {\"ModelName\": max batch size}");
         for (const auto& [model, n] : v.items()) {
           PANIC_ASSIGN_OR_RETURN(int64_t b, option_values::Int(n, field + "." + model, 1, 1 << 20,
                                                                option_values::IntRange(1, 1 << 20)));
           out.max_batch[model] = static_cast<int>(b);
         }
         return Status::Ok();
       }},
  };
  return kFields;
}

std::vector<OptionSpec> ModelOptionSpecs() { return DeclareOptions(kModelRegistryOwner, ModelOptionFields()); }

Result<ModelOptions> ReadModelOptions(const nlohmann::json& options) { return ReadOptions(options, ModelOptionFields()); }

}  // namespace panic::models
