// The model interfaces of model.h over the Python worker: one adapter per model,
// sharing one PythonWorker. A batch larger than info().max_batch is sent as several
// calls. Payloads travel as blobs (texts UTF-8, images raw RGB with their size in the
// header, vectors float32 LE); docs/PYTHON_WORKER.md has the layout.
//
// Destroying an adapter unloads its model in the worker (the registry's ReleaseAll
// between network groups frees GPU memory this way).
//
// Thread safety: as PythonWorker — calls may come from several threads and are serialised.
#pragma once

#include <memory>

#include "panic/models/model.h"
#include "panic/models/python/python_worker.h"
#include "panic/models/registry.h"

namespace panic::models::python {

class PythonGenAIModel final : public GenAIModel {
 public:
  PythonGenAIModel(ModelInfo info, std::shared_ptr<PythonWorker> worker);
  ~PythonGenAIModel() override;
  const ModelInfo& info() const override { return info_; }
  // InvalidArgument for mismatched inputs/seeds or a wrong modality; ModelFailed when
  // the worker fails after its retries or answers with the wrong number or kind of outputs.
  Result<std::vector<Payload>> InvokeBatch(std::span<const Payload> inputs, std::span<const int64_t> seeds) override;

 private:
  const ModelInfo info_;
  const std::shared_ptr<PythonWorker> worker_;
};

class PythonEmbeddingModel final : public EmbeddingModel {
 public:
  PythonEmbeddingModel(ModelInfo info, std::shared_ptr<PythonWorker> worker);
  ~PythonEmbeddingModel() override;
  const ModelInfo& info() const override { return info_; }
  Result<std::vector<std::vector<float>>> EmbedBatch(std::span<const Payload> inputs) override;

 private:
  const ModelInfo info_;
  const std::shared_ptr<PythonWorker> worker_;
};

// Adds the payloads to `request` as "inputs" items and blobs. InvalidArgument for a
// malformed image or an input of another modality than `expected`.
Status AppendInputs(const ModelInfo& info, std::span<const Payload> inputs, Frame& request);
// The outputs of a response ("outputs" items and blobs) as payloads of `expected` modality.
Result<std::vector<Payload>> ParseOutputs(const ModelInfo& info, const Frame& reply, size_t expected_count);

// The process-wide worker shared by the models of ModelRegistry::Default(), created
// on first use with DefaultWorkerSettings() (no process is started until a call needs one).
std::shared_ptr<PythonWorker> SharedPythonWorker();

// Checks the experiment options that concern Python models: options.image_size.<M>
// only for a model whose `list` entry takes "image_size", a multiple of 16 from 256 to
// 2048. InvalidArgument naming the option otherwise. May discover the worker's models.
Status ValidatePythonModelOptions(const PythonOptions& options, const ModelRegistry& registry,
                                  const PythonWorker& worker);

// Registers every model `worker` lists that `registry` does not know yet; models whose
// Python packages are missing are registered and marked unavailable with a reason
// naming the packages. Errors of starting or asking the worker are returned.
Status DiscoverPythonModels(ModelRegistry& registry, const std::shared_ptr<PythonWorker>& worker);

}  // namespace panic::models::python
