#include "panic/models/registry.h"

#include <algorithm>
#include <cassert>

namespace panic::models {

const char* ModalityName(Modality m) { return m == Modality::kText ? "text" : "image"; }

const char* ModelKindName(ModelKind k) {
  switch (k) {
    case ModelKind::kTextToImage: return "T2I";
    case ModelKind::kImageToText: return "I2T";
    case ModelKind::kTextEmbedding: return "text-embedding";
    case ModelKind::kImageEmbedding: return "image-embedding";
  }
  return "?";
}

ModelRegistry& ModelRegistry::Default() {
  static ModelRegistry* registry = [] {
    auto* r = new ModelRegistry();  // never destroyed: models may outlive static destruction order
    RegisterDummyModels(*r);
    RegisterNativeModels(*r);
    return r;
  }();
  return *registry;
}

void ModelRegistry::RegisterGenAI(ModelInfo info, GenAIFactory factory) {
  assert(!info.is_embedding());
  std::lock_guard<std::mutex> lock(mu_);
  assert(!entries_.count(info.name));
  std::string name = info.name;
  entries_[name] = Entry{std::move(info), std::move(factory), nullptr, nullptr, nullptr};
}

void ModelRegistry::RegisterEmbedding(ModelInfo info, EmbeddingFactory factory) {
  assert(info.is_embedding());
  std::lock_guard<std::mutex> lock(mu_);
  assert(!entries_.count(info.name));
  std::string name = info.name;
  entries_[name] = Entry{std::move(info), nullptr, std::move(factory), nullptr, nullptr};
}

const ModelInfo* ModelRegistry::Find(const std::string& name) const {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = entries_.find(name);
  return it == entries_.end() ? nullptr : &it->second.info;  // entries are never removed
}

std::vector<ModelInfo> ModelRegistry::List() const {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<ModelInfo> out;
  for (const auto& [name, e] : entries_) out.push_back(e.info);
  std::stable_sort(out.begin(), out.end(), [](const ModelInfo& a, const ModelInfo& b) {
    return static_cast<int>(a.kind) < static_cast<int>(b.kind);
  });
  return out;
}

std::vector<std::string> ModelRegistry::NamesOfKind(ModelKind kind) const {
  std::vector<std::string> out;
  for (const auto& info : List()) {
    if (info.kind == kind) out.push_back(info.name);
  }
  return out;
}

Result<std::shared_ptr<GenAIModel>> ModelRegistry::GetGenAI(const std::string& name) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = entries_.find(name);
  if (it == entries_.end()) return Status::NotFound("unknown model '" + name + "'");
  Entry& e = it->second;
  if (!e.genai_factory) return Status::InvalidArgument("'" + name + "' is an embedding model, not a genAI model");
  if (!e.genai) {
    auto made = e.genai_factory();
    if (!made.ok()) return made.status().WithContext("loading model '" + name + "'");
    e.genai = std::move(made).value();
  }
  return e.genai;
}

Result<std::shared_ptr<EmbeddingModel>> ModelRegistry::GetEmbedding(const std::string& name) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = entries_.find(name);
  if (it == entries_.end()) return Status::NotFound("unknown model '" + name + "'");
  Entry& e = it->second;
  if (!e.embedding_factory) return Status::InvalidArgument("'" + name + "' is a genAI model, not an embedding model");
  if (!e.embedding) {
    auto made = e.embedding_factory();
    if (!made.ok()) return made.status().WithContext("loading model '" + name + "'");
    e.embedding = std::move(made).value();
  }
  return e.embedding;
}

void ModelRegistry::ReleaseAll() {
  std::lock_guard<std::mutex> lock(mu_);
  for (auto& [name, e] : entries_) {
    e.genai.reset();
    e.embedding.reset();
  }
}

}  // namespace panic::models
