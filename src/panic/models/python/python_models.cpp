#include "panic/models/python/python_models.h"

#include <algorithm>
#include <cstring>

#include "panic/core/log.h"
#include "panic/models/dummy/recipe_model.h"
#include "panic/models/registry.h"

namespace panic::models::python {

Status AppendInputs(const ModelInfo& info, std::span<const Payload> inputs, Frame& request) {
  nlohmann::json items = nlohmann::json::array();
  for (size_t i = 0; i < inputs.size(); ++i) {
    const Payload& p = inputs[i];
    if (PayloadModality(p) != info.input) {
      return Status::InvalidArgument(info.name + " takes " + ModalityName(info.input) + " inputs, but input " +
                                     std::to_string(i) + " is " + ModalityName(PayloadModality(p)));
    }
    const size_t blob = request.blobs.size();
    if (const auto* text = std::get_if<std::string>(&p)) {
      items.push_back({{"type", "text"}, {"blob", blob}});
      request.blobs.push_back(*text);
    } else {
      const RgbImage& image = std::get<RgbImage>(p);
      PANIC_RETURN_IF_ERROR(CheckImageShape(image));
      items.push_back({{"type", "image"}, {"width", image.width}, {"height", image.height}, {"blob", blob}});
      request.blobs.emplace_back(reinterpret_cast<const char*>(image.pixels.data()), image.pixels.size());
    }
  }
  request.header["inputs"] = std::move(items);
  return Status::Ok();
}

Result<std::vector<Payload>> ParseOutputs(const ModelInfo& info, const Frame& reply, size_t expected_count) {
  const auto it = reply.header.find("outputs");
  if (it == reply.header.end() || !it->is_array() || it->size() != expected_count) {
    return Status::ModelFailed(info.name + ": the worker returned " +
                               (it == reply.header.end() ? std::string("no outputs") : std::to_string(it->size()) + " outputs") +
                               " for " + std::to_string(expected_count) + " inputs");
  }
  std::vector<Payload> out;
  out.reserve(expected_count);
  for (const auto& item : *it) {
    const size_t blob = item.value("blob", reply.blobs.size());
    if (blob >= reply.blobs.size()) return Status::ModelFailed(info.name + ": an output refers to a missing blob");
    const std::string type = item.value("type", std::string());
    const Modality got = type == "text" ? Modality::kText : Modality::kImage;
    if ((type != "text" && type != "image") || got != info.output) {
      return Status::ModelFailed(info.name + ": the worker returned a '" + type + "' output where " +
                                 ModalityName(info.output) + " was expected");
    }
    if (got == Modality::kText) {
      out.emplace_back(reply.blobs[blob]);
      continue;
    }
    RgbImage image;
    image.width = item.value("width", -1);
    image.height = item.value("height", -1);
    const std::string& bytes = reply.blobs[blob];
    image.pixels.assign(reinterpret_cast<const uint8_t*>(bytes.data()),
                        reinterpret_cast<const uint8_t*>(bytes.data()) + bytes.size());
    if (Status s = CheckImageShape(image); !s.ok()) return Status::ModelFailed(info.name + ": " + s.message());
    out.emplace_back(std::move(image));
  }
  return out;
}

PythonGenAIModel::PythonGenAIModel(ModelInfo info, std::shared_ptr<PythonWorker> worker)
    : info_(std::move(info)), worker_(std::move(worker)) {}

PythonGenAIModel::~PythonGenAIModel() {
  if (Status s = worker_->Release(info_.name); !s.ok()) Log(LogLevel::kWarning, s.ToString());
}

Result<std::vector<Payload>> PythonGenAIModel::InvokeBatch(std::span<const Payload> inputs,
                                                           std::span<const int64_t> seeds) {
  if (inputs.size() != seeds.size()) {
    return Status::InvalidArgument(info_.name + ": " + std::to_string(inputs.size()) + " inputs but " +
                                   std::to_string(seeds.size()) + " seeds");
  }
  std::vector<Payload> outputs;
  outputs.reserve(inputs.size());
  const Status sent = worker_->CallModelInChunks(
      info_, inputs.size(),
      [&](size_t begin, size_t n) -> Result<Frame> {
        Frame request;
        request.header = {{"op", "invoke"}, {"model", info_.name},
                          {"seeds", std::vector<int64_t>(seeds.begin() + static_cast<ptrdiff_t>(begin),
                                                         seeds.begin() + static_cast<ptrdiff_t>(begin + n))}};
        PANIC_RETURN_IF_ERROR(AppendInputs(info_, inputs.subspan(begin, n), request));
        return request;
      },
      [&](size_t, size_t n, const Frame& reply) -> Status {
        PANIC_ASSIGN_OR_RETURN(std::vector<Payload> part, ParseOutputs(info_, reply, n));
        for (auto& p : part) outputs.push_back(std::move(p));
        return Status::Ok();
      });
  if (!sent.ok()) return sent;
  return outputs;
}

PythonEmbeddingModel::PythonEmbeddingModel(ModelInfo info, std::shared_ptr<PythonWorker> worker)
    : info_(std::move(info)), worker_(std::move(worker)) {}

PythonEmbeddingModel::~PythonEmbeddingModel() {
  if (Status s = worker_->Release(info_.name); !s.ok()) Log(LogLevel::kWarning, s.ToString());
}

Result<std::vector<std::vector<float>>> PythonEmbeddingModel::EmbedBatch(std::span<const Payload> inputs) {
  std::vector<std::vector<float>> vectors;
  vectors.reserve(inputs.size());
  const size_t dim = static_cast<size_t>(info_.dimension);
  const Status sent = worker_->CallModelInChunks(
      info_, inputs.size(),
      [&](size_t begin, size_t n) -> Result<Frame> {
        Frame request;
        request.header = {{"op", "embed"}, {"model", info_.name}};
        PANIC_RETURN_IF_ERROR(AppendInputs(info_, inputs.subspan(begin, n), request));
        return request;
      },
      [&](size_t, size_t n, const Frame& reply) -> Status {
        const size_t blob = reply.header.value("blob", size_t{0});
        if (reply.header.value("count", size_t{0}) != n || reply.header.value("dimension", size_t{0}) != dim ||
            blob >= reply.blobs.size() || reply.blobs[blob].size() != n * dim * sizeof(float)) {
          return Status::ModelFailed(info_.name + ": the worker returned " +
                                     reply.header.value("count", nlohmann::json()).dump() + " vectors of dimension " +
                                     reply.header.value("dimension", nlohmann::json()).dump() + " for " +
                                     std::to_string(n) + " inputs of dimension " + std::to_string(dim));
        }
        // float32 little-endian on the wire; this build's floats are little-endian (x86-64, arm64).
        const char* data = reply.blobs[blob].data();
        for (size_t i = 0; i < n; ++i) {
          std::vector<float> v(dim);
          std::memcpy(v.data(), data + i * dim * sizeof(float), dim * sizeof(float));
          vectors.push_back(std::move(v));
        }
        return Status::Ok();
      });
  if (!sent.ok()) return sent;
  return vectors;
}

std::shared_ptr<PythonWorker> SharedPythonWorker() {
  static std::shared_ptr<PythonWorker>* worker = new std::shared_ptr<PythonWorker>(  // never destroyed, like the registry
      std::make_shared<PythonWorker>(DefaultWorkerSettings()));
  return *worker;
}

Status ValidatePythonModelOptions(const PythonOptions& options, const ModelRegistry& registry,
                                  const PythonWorker& worker) {
  constexpr int kMin = 256, kMax = 2048, kStep = 16;  // as python/panic_worker/t2i.py checks
  for (const auto& [model, px] : options.image_size) {
    const std::string field = "options.image_size." + model;
    const ModelInfo* info = registry.Find(model);
    if (!info) return Status::InvalidArgument(field + ": unknown model '" + model + "'");
    const auto listed = info->backend == "python" ? worker.Listed(model) : std::nullopt;
    if (!listed || std::find(listed->options.begin(), listed->options.end(), "image_size") == listed->options.end()) {
      return Status::InvalidArgument(field + ": " + model +
                                     " takes no image size (only the Python worker's T2I models do; " + model +
                                     " is a " + ModelKindName(info->kind) + " model of the " + info->backend + " backend)");
    }
    if (px < kMin || px > kMax || px % kStep != 0) {
      return Status::InvalidArgument(field + ": " + std::to_string(px) + " is not allowed (a multiple of " +
                                     std::to_string(kStep) + " from " + std::to_string(kMin) + " to " +
                                     std::to_string(kMax) + " pixels)");
    }
  }
  return Status::Ok();
}

Status DiscoverPythonModels(ModelRegistry& registry, const std::shared_ptr<PythonWorker>& worker) {
  PANIC_ASSIGN_OR_RETURN(std::vector<WorkerModel> models, worker->ListModels());
  const std::string python = worker->settings().python;
  for (auto& m : models) {
    if (registry.Find(m.info.name)) continue;  // a native model of the same name wins
    const std::string name = m.info.name;
    if (m.info.is_embedding()) {
      registry.RegisterEmbedding(m.info, [info = m.info, worker]() -> Result<std::shared_ptr<EmbeddingModel>> {
        return std::shared_ptr<EmbeddingModel>(std::make_shared<PythonEmbeddingModel>(info, worker));
      });
    } else {
      registry.RegisterGenAI(m.info, [info = m.info, worker]() -> Result<std::shared_ptr<GenAIModel>> {
        return std::shared_ptr<GenAIModel>(std::make_shared<PythonGenAIModel>(info, worker));
      });
    }
    if (!m.available && !m.missing.empty()) {
      std::string missing;
      for (const auto& p : m.missing) missing += (missing.empty() ? "'" : ", '") + p + "'";
      registry.SetUnavailable(name, "Python package" + std::string(m.missing.size() > 1 ? "s " : " ") + missing +
                                        " not importable by " + python +
                                        " (pip install -r python/requirements-gpu.txt into that interpreter's "
                                        "environment, or choose another with --python)");
    } else if (!m.available) {
      registry.SetUnavailable(name, m.reason.empty() ? "the Python worker says it cannot run" : m.reason);
    }
  }
  return Status::Ok();
}

}  // namespace panic::models::python
