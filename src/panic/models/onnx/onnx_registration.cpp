// Registers the ONNX model folders (model_folders.h) by name. Manifests are read at
// start-up (they are small); graphs are opened on first use. A folder whose manifest is
// bad, or every folder when this build has no ONNX Runtime, is registered as unavailable
// with the reason, so that config validation rejects it naming the problem (exit 2) and
// `model list` shows it.
#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <memory>
#include <mutex>
#include <set>
#include <vector>

#include "panic/models/onnx/manifest.h"
#include "panic/models/onnx/model_folders.h"
#include "panic/models/onnx/onnx_embedding_models.h"
#include "panic/models/onnx/onnx_genai_models.h"
#include "panic/models/onnx/onnx_session.h"
#include "panic/models/registry.h"

namespace panic::models {
namespace {

// The execution provider experiments ask for (options.onnx_provider); models loaded
// afterwards use it.
std::mutex g_provider_mu;
onnx::Provider g_provider = onnx::Provider::kCpu;  // GUARDED_BY(g_provider_mu)

onnx::SessionOptions OptionsFor(ModelKind kind) {
  onnx::SessionOptions options;
  {
    std::lock_guard<std::mutex> lock(g_provider_mu);
    options.provider = g_provider;
  }
  // The engine embeds several batches at once, one per thread: one ONNX Runtime thread each.
  // A genAI call is one batch at a time: every core.
  const bool embedding = kind == ModelKind::kTextEmbedding || kind == ModelKind::kImageEmbedding;
  options.intra_op_threads = embedding ? 1 : 0;
  return options;
}

// The registry's factory for `Model` (an OnnxTextEmbedding, …) loaded from `m`.
template <typename Model, typename Interface>
std::function<Result<std::shared_ptr<Interface>>()> Factory(const onnx::Manifest& m) {
  return [m]() -> Result<std::shared_ptr<Interface>> {
    auto made = Model::Load(m, OptionsFor(m.kind));
    if (!made.ok()) return made.status();
    return std::shared_ptr<Interface>(std::move(made).value());
  };
}

void RegisterManifest(ModelRegistry& registry, const onnx::Manifest& m) {
  const ModelInfo info = m.Info();
  switch (m.kind) {
    case ModelKind::kTextEmbedding:
      registry.RegisterEmbedding(info, Factory<onnx::OnnxTextEmbedding, EmbeddingModel>(m));
      break;
    case ModelKind::kImageEmbedding:
      registry.RegisterEmbedding(info, Factory<onnx::OnnxImageEmbedding, EmbeddingModel>(m));
      break;
    case ModelKind::kImageToText:
      registry.RegisterGenAI(info, Factory<onnx::OnnxImageToText, GenAIModel>(m));
      break;
    case ModelKind::kTextToImage:
      registry.RegisterGenAI(info, Factory<onnx::OnnxTextToImage, GenAIModel>(m));
      break;
  }
}

// A folder whose manifest cannot be used: registered under the kind it claims (a
// text-embedding model when even that is unreadable) so that naming it gives the reason.
void RegisterBroken(ModelRegistry& registry, const onnx::FoundModel& found, const std::string& reason) {
  ModelInfo info;
  info.name = found.name;
  info.kind = onnx::ManifestKind(found.folder).value_or(ModelKind::kTextEmbedding);
  info.input = info.kind == ModelKind::kTextToImage || info.kind == ModelKind::kTextEmbedding ? Modality::kText
                                                                                              : Modality::kImage;
  info.output = info.kind == ModelKind::kTextToImage ? Modality::kImage
                : info.kind == ModelKind::kImageToText ? Modality::kText
                                                       : info.input;
  info.backend = "onnx";
  info.description = "ONNX model in " + found.folder.string() + " (bad manifest)";
  if (info.is_embedding()) {
    registry.RegisterEmbedding(info, [reason]() -> Result<std::shared_ptr<EmbeddingModel>> {
      return Status::InvalidArgument(reason);
    });
  } else {
    registry.RegisterGenAI(info, [reason]() -> Result<std::shared_ptr<GenAIModel>> {
      return Status::InvalidArgument(reason);
    });
  }
  registry.SetUnavailable(found.name, reason);
}

// The experiment option the ONNX backend owns: onnx_provider, "cpu" (default), "cuda" or "auto".
struct OnnxOptions {
  onnx::Provider provider = onnx::Provider::kCpu;
};

const std::vector<OptionField<OnnxOptions>>& OnnxOptionFields() {
  static const std::vector<OptionField<OnnxOptions>> kFields = {
      {"onnx_provider",
       [](const nlohmann::json& v, const std::string& field, OnnxOptions& out) -> Status {
         auto provider = onnx::ParseProvider(v.is_string() ? v.get<std::string>() : "", field);
         if (!provider.ok()) return option_values::Invalid(field, v, "one of \"cpu\", \"cuda\", \"auto\"");
         out.provider = *provider;
         return Status::Ok();
       }},
  };
  return kFields;
}

}  // namespace

void RegisterOnnxModels(ModelRegistry& registry) {
  if (Status declared = registry.DeclareOptions(DeclareOptions("onnx backend", OnnxOptionFields())); !declared.ok()) {
    std::fprintf(stderr, "panic-tda: %s\n", declared.ToString().c_str());  // two owners of a key: a bug
    std::abort();
  }
  std::set<std::string> taken;
  for (const auto& m : registry.List()) taken.insert(m.name);
  const std::string missing_runtime = onnx::OnnxRuntimeUnavailableReason();
  // name -> why it cannot run whatever the options say (empty: it can).
  auto base_reasons = std::make_shared<std::vector<std::pair<std::string, std::string>>>();
  for (const auto& found : onnx::FindOnnxModelFolders()) {
    if (taken.count(found.name)) continue;  // a built-in model keeps its name
    auto manifest = onnx::LoadManifest(found.folder);
    if (!manifest.ok()) {
      RegisterBroken(registry, found, manifest.status().message());
      base_reasons->emplace_back(found.name, manifest.status().message());
      continue;
    }
    RegisterManifest(registry, *manifest);
    if (!missing_runtime.empty()) registry.SetUnavailable(found.name, missing_runtime);
    base_reasons->emplace_back(found.name, missing_runtime);
  }
  // options.onnx_provider: later loads use it; "cuda" on a runtime without CUDA makes every
  // ONNX model unavailable with the reason, so that validation rejects the config up front.
  // A config that does not use ONNX models is not refused for it.
  registry.AddOptionsHook([&registry, base_reasons](const nlohmann::json& options) -> Status {
    PANIC_ASSIGN_OR_RETURN(OnnxOptions onnx_options, ReadOptions(options, OnnxOptionFields()));
    const onnx::Provider provider = onnx_options.provider;
    {
      std::lock_guard<std::mutex> lock(g_provider_mu);
      g_provider = provider;
    }
    std::string no_cuda;
    if (provider == onnx::Provider::kCuda && onnx::OnnxRuntimeBuiltIn()) {
      const auto providers = onnx::OnnxRuntimeProviders();
      if (std::find(providers.begin(), providers.end(), "CUDAExecutionProvider") == providers.end()) {
        no_cuda = "options.onnx_provider is \"cuda\" but this ONNX Runtime (" + onnx::OnnxRuntimeVersion() +
                  ") has no CUDA execution provider (docs/ONNX.md: using a GPU)";
      }
    }
    for (const auto& [name, base] : *base_reasons) registry.SetUnavailable(name, base.empty() ? no_cuda : base);
    return Status::Ok();
  });
}

std::string OnnxBackendNote() { return onnx::OnnxRuntimeUnavailableReason(); }

}  // namespace panic::models
