// The model registry: name → ModelInfo and a factory. A model is created on first use
// and the instance is kept and reused for the rest of the process (DESIGN.md §6).
//
// Thread safety: all methods may be called from any thread.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "panic/core/option_schema.h"
#include "panic/models/model.h"

namespace panic::models {

// The backend option holding the Python worker's interpreter from the command line.
inline constexpr const char* kPythonInterpreterOption = "python.interpreter";

class ModelRegistry {
 public:
  using GenAIFactory = std::function<Result<std::shared_ptr<GenAIModel>>()>;
  using EmbeddingFactory = std::function<Result<std::shared_ptr<EmbeddingModel>>()>;
  // Registers models that are known only late (the Python worker's, from its `list`).
  using Discoverer = std::function<Status(ModelRegistry&)>;
  // Passes an experiment's options object (checked against the joined schema,
  // engine/option_schema.h) to a backend, which reads its own keys (ReadOptions with the
  // fields it declared): the Python worker's interpreter, timeouts and image sizes, the
  // ONNX provider. InvalidArgument, naming the option, for a value the backend cannot
  // take here (a model that takes no image size).
  using OptionsHook = std::function<Status(const nlohmann::json& options)>;
  // Frees a backend's resources once the registry has dropped its instances.
  using ReleaseHook = std::function<void()>;

  // The process-wide registry with every built-in model registered.
  static ModelRegistry& Default();

  // Declares the registry's own option, max_batch (models/model_options.h).
  ModelRegistry();

  // REQUIRES: info.kind is T2I or I2T; the name is not registered yet.
  void RegisterGenAI(ModelInfo info, GenAIFactory factory);
  // REQUIRES: info.kind is an embedding kind; the name is not registered yet.
  void RegisterEmbedding(ModelInfo info, EmbeddingFactory factory);

  // nullptr when unknown. An unknown name runs the discoverer first (once per process,
  // see Discover), so a native-only experiment never starts a late backend.
  const ModelInfo* Find(const std::string& name) const;
  // Every registered model, sorted by kind then name.
  std::vector<ModelInfo> List() const;
  // Names of the models of one kind, sorted — for error messages.
  std::vector<std::string> NamesOfKind(ModelKind kind) const;

  // The shared instance, created on first call. NotFound for an unknown name,
  // InvalidArgument when the name is a model of the other family.
  Result<std::shared_ptr<GenAIModel>> GetGenAI(const std::string& name);
  Result<std::shared_ptr<EmbeddingModel>> GetEmbedding(const std::string& name);
  // Drops the cached instances and asks every backend to free what it holds (the
  // Python worker unloads all its models, freeing GPU memory). Called between network
  // groups and after the embeddings stage; a later Get* loads the model again.
  void ReleaseAll();

  // REQUIRES: the discoverer does not call Discover itself. Replaces any earlier one.
  void SetDiscoverer(Discoverer discoverer);
  // Runs the discoverer unless it has run already; its status (OK when there is none).
  // A failed discovery is not repeated; DiscoveryError() keeps its message.
  Status Discover() const;
  // Empty when discovery has not failed.
  std::string DiscoveryError() const;

  // A registered model that cannot run here (e.g. its Python packages are missing):
  // validation rejects it with `reason`. REQUIRES: the name is registered.
  void SetUnavailable(const std::string& name, std::string reason);
  // Empty when the model is available (or unknown).
  std::string UnavailableReason(const std::string& name) const;

  // Declares a backend's option keys (core/option_schema.h); Internal error, declaring
  // none of them, when a key is declared already (by this registry or another backend).
  // The engine joins them with the stages' keys (engine/option_schema.h).
  Status DeclareOptions(std::vector<OptionSpec> specs);
  std::vector<OptionSpec> DeclaredOptions() const;
  void AddOptionsHook(OptionsHook hook);
  // Calls every options hook (config validation and the pipeline do, before models run,
  // after checking `options` against the joined schema); the first error.
  Status ApplyExperimentOptions(const nlohmann::json& options) const;
  void AddReleaseHook(ReleaseHook hook);

  // Settings for backends that come from the process rather than an experiment (the
  // command line's --python is "python.interpreter"). Empty when unset.
  void SetBackendOption(const std::string& key, std::string value);
  std::string BackendOption(const std::string& key) const;

 private:
  struct Entry {
    ModelInfo info;
    GenAIFactory genai_factory;
    EmbeddingFactory embedding_factory;
    std::shared_ptr<GenAIModel> genai;          // GUARDED_BY(mu_)
    std::shared_ptr<EmbeddingModel> embedding;  // GUARDED_BY(mu_)
    std::string unavailable;                    // GUARDED_BY(mu_): why it cannot run here
  };
  mutable std::mutex mu_;
  std::map<std::string, Entry> entries_;  // GUARDED_BY(mu_)
  std::vector<OptionSpec> option_specs_;    // GUARDED_BY(mu_)
  std::vector<OptionsHook> options_hooks_;  // GUARDED_BY(mu_)
  std::vector<ReleaseHook> release_hooks_;  // GUARDED_BY(mu_)
  std::map<std::string, std::string> backend_options_;  // GUARDED_BY(mu_)

  // Discovery registers entries, so it runs under its own mutex, never under mu_.
  mutable std::mutex discover_mu_;
  Discoverer discoverer_;                 // GUARDED_BY(discover_mu_)
  mutable bool discovered_ = false;       // GUARDED_BY(discover_mu_)
  mutable std::string discovery_error_;   // GUARDED_BY(discover_mu_)
};

// Built-in registrations, one function per backend (models/<backend>/…_registration.cpp).
void RegisterDummyModels(ModelRegistry& registry);
void RegisterNativeModels(ModelRegistry& registry);
// The ONNX model folders (models/onnx/, docs/ONNX.md), each by its folder's name.
void RegisterOnnxModels(ModelRegistry& registry);
// Why ONNX models cannot run in this build or with this runtime; empty when they can.
std::string OnnxBackendNote();
// Installs the Python worker's discoverer, options hook and release hook (models/python/).
void RegisterPythonModels(ModelRegistry& registry);

}  // namespace panic::models
