#include "panic/models/registry.h"

#include <algorithm>
#include <cassert>

#include "panic/models/model_options.h"

namespace panic::models {
namespace {
// Set while this thread runs a discoverer, whose own lookups must not discover again.
thread_local bool t_discovering = false;
}  // namespace

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
    RegisterOnnxModels(*r);
    RegisterPythonModels(*r);
    return r;
  }();
  return *registry;
}

void ModelRegistry::RegisterGenAI(ModelInfo info, GenAIFactory factory) {
  assert(!info.is_embedding());
  std::lock_guard<std::mutex> lock(mu_);
  assert(!entries_.count(info.name));
  std::string name = info.name;
  entries_[name] = Entry{std::move(info), std::move(factory), nullptr, nullptr, nullptr, {}};
}

void ModelRegistry::RegisterEmbedding(ModelInfo info, EmbeddingFactory factory) {
  assert(info.is_embedding());
  std::lock_guard<std::mutex> lock(mu_);
  assert(!entries_.count(info.name));
  std::string name = info.name;
  entries_[name] = Entry{std::move(info), nullptr, std::move(factory), nullptr, nullptr, {}};
}

const ModelInfo* ModelRegistry::Find(const std::string& name) const {
  for (int pass = 0; pass < 2; ++pass) {
    {
      std::lock_guard<std::mutex> lock(mu_);
      auto it = entries_.find(name);
      if (it != entries_.end()) return &it->second.info;  // entries are never removed
    }
    if (pass == 0 && (t_discovering || !Discover().ok())) return nullptr;
  }
  return nullptr;
}

void ModelRegistry::SetDiscoverer(Discoverer discoverer) {
  std::lock_guard<std::mutex> lock(discover_mu_);
  discoverer_ = std::move(discoverer);
  discovered_ = false;
  discovery_error_.clear();
}

Status ModelRegistry::Discover() const {
  std::lock_guard<std::mutex> lock(discover_mu_);
  if (!discoverer_) return Status::Ok();
  if (!discovered_) {
    discovered_ = true;
    // Registration is a logical no-op on the models known so far, hence const.
    t_discovering = true;
    Status s = discoverer_(const_cast<ModelRegistry&>(*this));
    t_discovering = false;
    if (!s.ok()) discovery_error_ = s.message();
  }
  return discovery_error_.empty() ? Status::Ok() : Status::NotFound(discovery_error_);
}

std::string ModelRegistry::DiscoveryError() const {
  std::lock_guard<std::mutex> lock(discover_mu_);
  return discovery_error_;
}

void ModelRegistry::SetUnavailable(const std::string& name, std::string reason) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = entries_.find(name);
  assert(it != entries_.end());
  if (it != entries_.end()) it->second.unavailable = std::move(reason);
}

std::string ModelRegistry::UnavailableReason(const std::string& name) const {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = entries_.find(name);
  return it == entries_.end() ? std::string() : it->second.unavailable;
}

void ModelRegistry::AddOptionsHook(OptionsHook hook) {
  std::lock_guard<std::mutex> lock(mu_);
  options_hooks_.push_back(std::move(hook));
}

ModelRegistry::ModelRegistry() {
  Status declared = DeclareOptions(ModelOptionSpecs());
  assert(declared.ok());
  (void)declared;
}

Status ModelRegistry::DeclareOptions(std::vector<OptionSpec> specs) {
  std::lock_guard<std::mutex> lock(mu_);
  for (size_t i = 0; i < specs.size(); ++i) {
    for (size_t j = 0; j < option_specs_.size() + i; ++j) {
      const OptionSpec& taken = j < option_specs_.size() ? option_specs_[j] : specs[j - option_specs_.size()];
      if (taken.name == specs[i].name) {
        return Status::Internal("the " + specs[i].owner + " declares option '" + specs[i].name + "', declared by the " +
                                taken.owner + " already (an option has one owner)");
      }
    }
  }
  for (auto& s : specs) option_specs_.push_back(std::move(s));
  return Status::Ok();
}

std::vector<OptionSpec> ModelRegistry::DeclaredOptions() const {
  std::lock_guard<std::mutex> lock(mu_);
  return option_specs_;
}

Status ModelRegistry::ApplyExperimentOptions(const nlohmann::json& options) const {
  std::vector<OptionsHook> hooks;
  {
    std::lock_guard<std::mutex> lock(mu_);
    hooks = options_hooks_;
  }
  for (const auto& hook : hooks) PANIC_RETURN_IF_ERROR(hook(options));
  return Status::Ok();
}

void ModelRegistry::AddReleaseHook(ReleaseHook hook) {
  std::lock_guard<std::mutex> lock(mu_);
  release_hooks_.push_back(std::move(hook));
}

void ModelRegistry::SetBackendOption(const std::string& key, std::string value) {
  std::lock_guard<std::mutex> lock(mu_);
  backend_options_[key] = std::move(value);
}

std::string ModelRegistry::BackendOption(const std::string& key) const {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = backend_options_.find(key);
  return it == backend_options_.end() ? std::string() : it->second;
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
  Find(name);  // discovers late backends' models when the name is not known yet
  std::lock_guard<std::mutex> lock(mu_);
  auto it = entries_.find(name);
  if (it == entries_.end()) return Status::NotFound("unknown model '" + name + "'");
  Entry& e = it->second;
  if (!e.genai_factory) return Status::InvalidArgument("'" + name + "' is an embedding model, not a genAI model");
  if (!e.unavailable.empty()) return Status::NotFound("'" + name + "' cannot run here: " + e.unavailable);
  if (!e.genai) {
    auto made = e.genai_factory();
    if (!made.ok()) return made.status().WithContext("loading model '" + name + "'");
    e.genai = std::move(made).value();
  }
  return e.genai;
}

Result<std::shared_ptr<EmbeddingModel>> ModelRegistry::GetEmbedding(const std::string& name) {
  Find(name);  // discovers late backends' models when the name is not known yet
  std::lock_guard<std::mutex> lock(mu_);
  auto it = entries_.find(name);
  if (it == entries_.end()) return Status::NotFound("unknown model '" + name + "'");
  Entry& e = it->second;
  if (!e.embedding_factory) return Status::InvalidArgument("'" + name + "' is a genAI model, not an embedding model");
  if (!e.unavailable.empty()) return Status::NotFound("'" + name + "' cannot run here: " + e.unavailable);
  if (!e.embedding) {
    auto made = e.embedding_factory();
    if (!made.ok()) return made.status().WithContext("loading model '" + name + "'");
    e.embedding = std::move(made).value();
  }
  return e.embedding;
}

void ModelRegistry::ReleaseAll() {
  std::vector<ReleaseHook> hooks;
  {
    std::lock_guard<std::mutex> lock(mu_);
    for (auto& [name, e] : entries_) {
      e.genai.reset();
      e.embedding.reset();
    }
    hooks = release_hooks_;
  }
  for (const auto& hook : hooks) hook();
}

}  // namespace panic::models
