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

#include "panic/models/model.h"

namespace panic::models {

class ModelRegistry {
 public:
  using GenAIFactory = std::function<Result<std::shared_ptr<GenAIModel>>()>;
  using EmbeddingFactory = std::function<Result<std::shared_ptr<EmbeddingModel>>()>;

  // The process-wide registry with every built-in model registered.
  static ModelRegistry& Default();

  // REQUIRES: info.kind is T2I or I2T; the name is not registered yet.
  void RegisterGenAI(ModelInfo info, GenAIFactory factory);
  // REQUIRES: info.kind is an embedding kind; the name is not registered yet.
  void RegisterEmbedding(ModelInfo info, EmbeddingFactory factory);

  // nullptr when unknown.
  const ModelInfo* Find(const std::string& name) const;
  // Every registered model, sorted by kind then name.
  std::vector<ModelInfo> List() const;
  // Names of the models of one kind, sorted — for error messages.
  std::vector<std::string> NamesOfKind(ModelKind kind) const;

  // The shared instance, created on first call. NotFound for an unknown name,
  // InvalidArgument when the name is a model of the other family.
  Result<std::shared_ptr<GenAIModel>> GetGenAI(const std::string& name);
  Result<std::shared_ptr<EmbeddingModel>> GetEmbedding(const std::string& name);
  // Drops the cached instances (GPU-heavy models release memory between network groups).
  void ReleaseAll();

 private:
  struct Entry {
    ModelInfo info;
    GenAIFactory genai_factory;
    EmbeddingFactory embedding_factory;
    std::shared_ptr<GenAIModel> genai;          // GUARDED_BY(mu_)
    std::shared_ptr<EmbeddingModel> embedding;  // GUARDED_BY(mu_)
  };
  mutable std::mutex mu_;
  std::map<std::string, Entry> entries_;  // GUARDED_BY(mu_)
};

// Built-in registrations, one function per backend (models/<backend>/…_registration.cpp).
void RegisterDummyModels(ModelRegistry& registry);
void RegisterNativeModels(ModelRegistry& registry);

}  // namespace panic::models
