// Hooks the Python worker into a registry: its models are discovered (the worker is
// started and asked `list`) only when a name is not registered natively, so an
// experiment on native models never starts Python. The worker's settings come from the
// registry's backend option kPythonInterpreterOption (--python), the environment and
// the last experiment options applied; the registry's ReleaseAll unloads its models.
#include <cstdlib>
#include <mutex>
#include <optional>

#include "panic/core/log.h"
#include "panic/models/python/python_models.h"
#include "panic/models/registry.h"

namespace panic::models {
namespace {

// Thread safety: Refresh and SetOptions may be called from any thread.
class PythonBackend {
 public:
  PythonBackend(const ModelRegistry& registry, std::shared_ptr<python::PythonWorker> worker)
      : registry_(registry), worker_(std::move(worker)) {}

  const std::shared_ptr<python::PythonWorker>& worker() const { return worker_; }

  // Gives the worker the settings of the current flag, environment and options.
  void Refresh() {
    const std::string flag = registry_.BackendOption(kPythonInterpreterOption);
    std::lock_guard<std::mutex> lock(mu_);
    python::WorkerSettings s = python::DefaultWorkerSettings(flag);
    if (options_) s = python::ApplyExperimentOptions(std::move(s), options_->first, options_->second, flag);
    worker_->UpdateSettings(std::move(s));
  }

  // `options`: a checked options object, of which this backend reads its own keys and
  // the registry's max_batch.
  Status SetOptions(const nlohmann::json& options) {
    PANIC_ASSIGN_OR_RETURN(python::PythonOptions python, python::ReadPythonOptions(options));
    PANIC_ASSIGN_OR_RETURN(ModelOptions models, ReadModelOptions(options));
    {
      std::lock_guard<std::mutex> lock(mu_);
      options_.emplace(python, std::move(models));
    }
    Refresh();
    return python::ValidatePythonModelOptions(python, registry_, *worker_);
  }

 private:
  const ModelRegistry& registry_;
  const std::shared_ptr<python::PythonWorker> worker_;
  std::mutex mu_;
  std::optional<std::pair<python::PythonOptions, ModelOptions>> options_;  // GUARDED_BY(mu_)
};

}  // namespace

void RegisterPythonModels(ModelRegistry& registry) {
  if (Status declared = registry.DeclareOptions(python::PythonOptionSpecs()); !declared.ok()) {
    Log(LogLevel::kError, declared.ToString());  // a programming error: two owners of a key
    std::abort();
  }
  auto backend = std::make_shared<PythonBackend>(registry, python::SharedPythonWorker());
  registry.SetDiscoverer([backend](ModelRegistry& r) {
    backend->Refresh();
    return python::DiscoverPythonModels(r, backend->worker());
  });
  registry.AddOptionsHook([backend](const nlohmann::json& options) { return backend->SetOptions(options); });
  registry.AddReleaseHook([backend] {
    if (Status s = backend->worker()->ReleaseAll(); !s.ok()) Log(LogLevel::kWarning, s.ToString());
  });
}

}  // namespace panic::models
