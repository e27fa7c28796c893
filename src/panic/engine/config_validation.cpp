#include "panic/engine/config_validation.h"

#include "panic/engine/option_schema.h"
#include "panic/models/model_options.h"

namespace panic::engine {
namespace {

using models::ModelKind;
using models::ModelInfo;

std::string JoinNames(const std::vector<std::string>& names) {
  std::string out;
  for (const auto& n : names) out += (out.empty() ? "" : ", ") + n;
  return out.empty() ? "(none)" : out;
}

std::string UnknownModelMessage(const std::string& field, const std::string& name, const std::vector<std::string>& known,
                                const std::string& what, const models::ModelRegistry& registry) {
  std::string msg = field + ": unknown " + what + " '" + name + "'";
  std::string near = NearestName(name, known);
  if (!near.empty()) msg += " — did you mean '" + near + "'?";
  msg += " (known " + what + "s: " + JoinNames(known) + ")";
  if (const std::string why = registry.DiscoveryError(); !why.empty()) {
    msg += "; the Python worker's models could not be listed: " + why;
  }
  return msg;
}

Status CheckAvailable(const std::string& field, const std::string& name, const models::ModelRegistry& registry) {
  const std::string why = registry.UnavailableReason(name);
  if (why.empty()) return Status::Ok();
  return Status::InvalidArgument(field + ": '" + name + "' cannot run here: " + why);
}

}  // namespace

Status ValidateConfigModels(const ExperimentConfig& config, const models::ModelRegistry& registry,
                            const StageRegistry& stages) {
  // Each key by its owner (a stage or a backend); an unknown key names every owner's keys.
  PANIC_ASSIGN_OR_RETURN(OptionSchema schema, JoinOptionSchema(stages, registry));
  PANIC_RETURN_IF_ERROR(schema.Validate(config.options));
  // The options choose the Python worker's interpreter, which decides its models.
  PANIC_RETURN_IF_ERROR(registry.ApplyExperimentOptions(config.options));
  // Looking every name up first lets discovery add late models to the lists below.
  for (const auto& net : config.networks) {
    for (const auto& name : net) registry.Find(name);
  }
  for (const auto& name : config.embedding_models) registry.Find(name);
  std::vector<std::string> genai = registry.NamesOfKind(ModelKind::kTextToImage);
  for (const auto& n : registry.NamesOfKind(ModelKind::kImageToText)) genai.push_back(n);
  std::vector<std::string> embedders = registry.NamesOfKind(ModelKind::kTextEmbedding);
  for (const auto& n : registry.NamesOfKind(ModelKind::kImageEmbedding)) embedders.push_back(n);

  for (size_t i = 0; i < config.networks.size(); ++i) {
    const auto& net = config.networks[i];
    std::vector<const ModelInfo*> infos;
    for (size_t j = 0; j < net.size(); ++j) {
      const std::string field = "networks[" + std::to_string(i) + "][" + std::to_string(j) + "]";
      const ModelInfo* info = registry.Find(net[j]);
      if (!info || info->is_embedding()) {
        std::string msg = UnknownModelMessage(field, net[j], genai, "genAI model", registry);
        if (info) msg = field + ": '" + net[j] + "' is an embedding model; networks take genAI models (" + JoinNames(genai) + ")";
        return Status::InvalidArgument(msg);
      }
      PANIC_RETURN_IF_ERROR(CheckAvailable(field, net[j], registry));
      infos.push_back(info);
    }
    const std::string field = "networks[" + std::to_string(i) + "]";
    if (infos[0]->input != models::Modality::kText) {
      return Status::InvalidArgument(field + ": the first model '" + net[0] + "' takes " +
                                     models::ModalityName(infos[0]->input) +
                                     ", but prompts are text (start the network with a text-to-image model)");
    }
    for (size_t j = 0; j < infos.size(); ++j) {
      const ModelInfo* from = infos[j];
      const ModelInfo* to = infos[(j + 1) % infos.size()];
      if (from->output != to->input) {
        std::string where = j + 1 < infos.size() ? "the next model '" + to->name + "'"
                                                 : "the first model '" + to->name + "' (the network cycles)";
        return Status::InvalidArgument(field + ": cannot chain: '" + from->name + "' outputs " +
                                       models::ModalityName(from->output) + " but " + where + " takes " +
                                       models::ModalityName(to->input) + " (network " + JoinNames(net) + ")");
      }
    }
  }
  for (size_t i = 0; i < config.embedding_models.size(); ++i) {
    const std::string field = "embedding_models[" + std::to_string(i) + "]";
    const std::string& name = config.embedding_models[i];
    const ModelInfo* info = registry.Find(name);
    if (!info) return Status::InvalidArgument(UnknownModelMessage(field, name, embedders, "embedding model", registry));
    if (!info->is_embedding()) {
      return Status::InvalidArgument(field + ": '" + name + "' is a genAI model, not an embedding model (known: " +
                                     JoinNames(embedders) + ")");
    }
    PANIC_RETURN_IF_ERROR(CheckAvailable(field, name, registry));
    for (size_t k = 0; k < i; ++k) {
      if (config.embedding_models[k] == name) {
        return Status::InvalidArgument(field + ": '" + name + "' is listed twice");
      }
    }
  }
  PANIC_ASSIGN_OR_RETURN(models::ModelOptions model_options, models::ReadModelOptions(config.options));
  for (const auto& [model, cap] : model_options.max_batch) {
    if (!registry.Find(model)) {
      return Status::InvalidArgument("options.max_batch." + model + ": unknown model '" + model + "'");
    }
  }
  return Status::Ok();
}

}  // namespace panic::engine
