// onnx_session.h on ONNX Runtime (C++ API). The only file that includes the runtime.
#define ORT_API_MANUAL_INIT
#include "panic/models/onnx/onnx_session.h"

#include <algorithm>
#include <fstream>
#include <mutex>

#include <onnxruntime_cxx_api.h>

namespace panic::models::onnx {
namespace {

// The API table of the loaded library: null when it is older than the headers (a user's
// own libonnxruntime.so found first on the library path).
const OrtApi* RuntimeApi() {
  static const OrtApi* api = [] {
    const OrtApi* a = OrtGetApiBase()->GetApi(ORT_API_VERSION);
    if (a != nullptr) Ort::InitApi(a);
    return a;
  }();
  return api;
}

Status ApiStatus() {
  if (RuntimeApi() != nullptr) return Status::Ok();
  return Status::NotFound(std::string("the ONNX Runtime library loaded (") + OrtGetApiBase()->GetVersionString() +
                          ") is older than the API panic-tda was built for (" + std::to_string(ORT_API_VERSION) + ")");
}

// One environment per process, never destroyed (sessions may outlive static destruction).
Ort::Env& Environment() {
  static Ort::Env* env = new Ort::Env(ORT_LOGGING_LEVEL_ERROR, "panic-tda");
  return *env;
}

ElementType FromOrt(ONNXTensorElementDataType t) {
  switch (t) {
    case ONNX_TENSOR_ELEMENT_DATA_TYPE_FLOAT: return ElementType::kFloat32;
    case ONNX_TENSOR_ELEMENT_DATA_TYPE_INT64: return ElementType::kInt64;
    case ONNX_TENSOR_ELEMENT_DATA_TYPE_INT32: return ElementType::kInt32;
    default: return ElementType::kOther;
  }
}

TensorSpec SpecOf(const std::string& name, const Ort::TypeInfo& info) {
  TensorSpec spec;
  spec.name = name;
  if (info.GetONNXType() != ONNX_TYPE_TENSOR) return spec;  // a sequence or map: kOther
  auto shape_info = info.GetTensorTypeAndShapeInfo();
  spec.type = FromOrt(shape_info.GetElementType());
  spec.shape = shape_info.GetShape();
  return spec;
}

bool HasProvider(const std::string& name) {
  const auto all = Ort::GetAvailableProviders();
  return std::find(all.begin(), all.end(), name) != all.end();
}

Ort::Value ToOrt(const Tensor& t, const Ort::MemoryInfo& memory) {
  // The runtime only reads inputs; its API takes non-const pointers.
  if (const auto* f = t.floats()) {
    return Ort::Value::CreateTensor<float>(memory, const_cast<float*>(f->data()), f->size(), t.shape.data(), t.shape.size());
  }
  if (const auto* i = t.int64s()) {
    return Ort::Value::CreateTensor<int64_t>(memory, const_cast<int64_t*>(i->data()), i->size(), t.shape.data(),
                                             t.shape.size());
  }
  const auto& v = std::get<std::vector<int32_t>>(t.data);
  return Ort::Value::CreateTensor<int32_t>(memory, const_cast<int32_t*>(v.data()), v.size(), t.shape.data(), t.shape.size());
}

Result<Tensor> FromOrtValue(const std::string& name, Ort::Value& value) {
  if (!value.IsTensor()) return Status::ModelFailed("output '" + name + "' is not a tensor");
  auto info = value.GetTensorTypeAndShapeInfo();
  const std::vector<int64_t> shape = info.GetShape();
  const size_t n = info.GetElementCount();
  switch (info.GetElementType()) {
    case ONNX_TENSOR_ELEMENT_DATA_TYPE_FLOAT: {
      const float* p = value.GetTensorData<float>();
      return Tensor::Floats(shape, std::vector<float>(p, p + n));
    }
    case ONNX_TENSOR_ELEMENT_DATA_TYPE_INT64: {
      const int64_t* p = value.GetTensorData<int64_t>();
      return Tensor::Int64s(shape, std::vector<int64_t>(p, p + n));
    }
    case ONNX_TENSOR_ELEMENT_DATA_TYPE_INT32: {
      const int32_t* p = value.GetTensorData<int32_t>();
      return Tensor::Int32s(shape, std::vector<int32_t>(p, p + n));
    }
    default:
      return Status::ModelFailed("output '" + name + "' has an element type the ONNX backend does not read "
                                 "(float32, int64 and int32 are supported)");
  }
}

}  // namespace

struct OnnxSession::Impl {
  Ort::Session session{nullptr};
};

bool OnnxRuntimeBuiltIn() { return true; }
std::string OnnxRuntimeUnavailableReason() {
  Status s = ApiStatus();
  return s.ok() ? std::string() : s.message();
}

std::string OnnxRuntimeVersion() { return OrtGetApiBase()->GetVersionString(); }

std::vector<std::string> OnnxRuntimeProviders() {
  if (!ApiStatus().ok()) return {};
  try {
    return Ort::GetAvailableProviders();
  } catch (const Ort::Exception&) {
    return {};
  }
}

OnnxSession::OnnxSession(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
OnnxSession::~OnnxSession() = default;

Result<std::unique_ptr<OnnxSession>> OnnxSession::Open(const std::filesystem::path& graph, const SessionOptions& options) {
  PANIC_RETURN_IF_ERROR(ApiStatus());
  std::error_code ec;
  if (!std::filesystem::is_regular_file(graph, ec)) return Status::NotFound(graph.string() + " does not exist");
  if (!std::ifstream(graph, std::ios::binary)) return Status::IOError("cannot read " + graph.string());
  Provider provider = options.provider;
  if (provider == Provider::kAuto) provider = HasProvider("CUDAExecutionProvider") ? Provider::kCuda : Provider::kCpu;
  try {
    Ort::SessionOptions so;
    so.SetIntraOpNumThreads(std::max(0, options.intra_op_threads));
    so.SetInterOpNumThreads(1);
    so.SetGraphOptimizationLevel(GraphOptimizationLevel::ORT_ENABLE_ALL);
    if (provider == Provider::kCuda) {
      if (!HasProvider("CUDAExecutionProvider")) {
        std::string have;
        for (const auto& p : Ort::GetAvailableProviders()) have += (have.empty() ? "" : ", ") + p;
        return Status::InvalidArgument("onnx_provider \"cuda\": this ONNX Runtime (" + OnnxRuntimeVersion() +
                                       ") has no CUDA execution provider (it has: " + have +
                                       "); use a CUDA build of ONNX Runtime (docs/ONNX.md) or \"cpu\"");
      }
      OrtCUDAProviderOptionsV2* cuda = nullptr;
      Ort::ThrowOnError(Ort::GetApi().CreateCUDAProviderOptions(&cuda));
      std::unique_ptr<OrtCUDAProviderOptionsV2, void (*)(OrtCUDAProviderOptionsV2*)> owned(
          cuda, [](OrtCUDAProviderOptionsV2* p) { Ort::GetApi().ReleaseCUDAProviderOptions(p); });
      so.AppendExecutionProvider_CUDA_V2(*cuda);
    }
    auto impl = std::make_unique<Impl>();
    impl->session = Ort::Session(Environment(), graph.c_str(), so);
    std::unique_ptr<OnnxSession> s(new OnnxSession(std::move(impl)));
    s->path_ = graph;
    s->provider_ = provider;
    Ort::AllocatorWithDefaultOptions allocator;
    Ort::Session& ort = s->impl_->session;
    for (size_t i = 0; i < ort.GetInputCount(); ++i) {
      s->inputs_.push_back(SpecOf(ort.GetInputNameAllocated(i, allocator).get(), ort.GetInputTypeInfo(i)));
    }
    for (size_t i = 0; i < ort.GetOutputCount(); ++i) {
      s->outputs_.push_back(SpecOf(ort.GetOutputNameAllocated(i, allocator).get(), ort.GetOutputTypeInfo(i)));
    }
    return s;
  } catch (const Ort::Exception& e) {
    return Status::Corruption(graph.string() + ": ONNX Runtime cannot load it: " + e.what());
  } catch (const std::exception& e) {
    return Status::Corruption(graph.string() + ": " + e.what());
  }
}

Result<std::vector<Tensor>> OnnxSession::Run(const std::vector<std::pair<std::string, const Tensor*>>& feeds,
                                             const std::vector<std::string>& fetches) const {
  const std::string where = path_.filename().string();
  for (const auto& [name, tensor] : feeds) {
    const TensorSpec* spec = FindSpec(inputs_, name);
    if (spec == nullptr) return Status::Internal(where + ": no input '" + name + "'");
    if (spec->type != tensor->type()) {
      return Status::Internal(where + ": input '" + name + "' is " + ElementTypeName(spec->type) + ", fed " +
                              ElementTypeName(tensor->type()));
    }
    const size_t held = std::visit([](const auto& v) { return v.size(); }, tensor->data);
    if (held != tensor->element_count()) return Status::Internal(where + ": input '" + name + "' has the wrong size");
  }
  try {
    const auto memory = Ort::MemoryInfo::CreateCpu(OrtArenaAllocator, OrtMemTypeDefault);
    std::vector<const char*> in_names, out_names;
    std::vector<Ort::Value> in_values;
    for (const auto& [name, tensor] : feeds) {
      in_names.push_back(name.c_str());
      in_values.push_back(ToOrt(*tensor, memory));
    }
    for (const auto& f : fetches) out_names.push_back(f.c_str());
    auto outs = impl_->session.Run(Ort::RunOptions{nullptr}, in_names.data(), in_values.data(), in_values.size(),
                                   out_names.data(), out_names.size());
    std::vector<Tensor> result;
    for (size_t i = 0; i < outs.size(); ++i) {
      PANIC_ASSIGN_OR_RETURN(Tensor t, FromOrtValue(fetches[i], outs[i]));
      result.push_back(std::move(t));
    }
    return result;
  } catch (const Ort::Exception& e) {
    return Status::ModelFailed(where + ": " + e.what());
  } catch (const std::exception& e) {
    return Status::ModelFailed(where + ": " + e.what());
  }
}

}  // namespace panic::models::onnx
