// Hooks the Python worker into a registry: its models are discovered (the worker is
// started and asked `list`) only when a name is not registered natively, so an
// experiment on native models never starts Python. The worker's settings come from the
// registry's backend option kPythonInterpreterOption (--python), the environment and
// the last experiment options applied; the registry's ReleaseAll unloads its models.
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
    if (options_) s = python::ApplyExperimentOptions(std::move(s), *options_, flag);
    worker_->UpdateSettings(std::move(s));
  }

  Status SetOptions(const ExperimentOptions& options) {
    {
      std::lock_guard<std::mutex> lock(mu_);
      options_ = options;
    }
    Refresh();
    return python::ValidatePythonModelOptions(options, registry_, *worker_);
  }

 private:
  const ModelRegistry& registry_;
  const std::shared_ptr<python::PythonWorker> worker_;
  std::mutex mu_;
  std::optional<ExperimentOptions> options_;  // GUARDED_BY(mu_)
};

}  // namespace

void RegisterPythonModels(ModelRegistry& registry) {
  auto backend = std::make_shared<PythonBackend>(registry, python::SharedPythonWorker());
  registry.SetDiscoverer([backend](ModelRegistry& r) {
    backend->Refresh();
    return python::DiscoverPythonModels(r, backend->worker());
  });
  registry.AddOptionsHook([backend](const ExperimentOptions& options) { return backend->SetOptions(options); });
  registry.AddReleaseHook([backend] {
    if (Status s = backend->worker()->ReleaseAll(); !s.ok()) Log(LogLevel::kWarning, s.ToString());
  });
}

}  // namespace panic::models
