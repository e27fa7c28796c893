// Hooks the Python worker into a registry: its models are discovered (the worker is
// started and asked `list`) only when a name is not registered natively, so an
// experiment on native models never starts Python.
#include "panic/models/python/python_models.h"
#include "panic/models/registry.h"

namespace panic::models {

void RegisterPythonModels(ModelRegistry& registry) {
  registry.SetDiscoverer([](ModelRegistry& r) { return python::DiscoverPythonModels(r, python::SharedPythonWorker()); });
  registry.AddOptionsHook([](const ExperimentOptions& options) {
    auto worker = python::SharedPythonWorker();
    worker->UpdateSettings(python::ApplyExperimentOptions(python::DefaultWorkerSettings(), options));
  });
}

}  // namespace panic::models
