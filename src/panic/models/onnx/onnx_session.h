// One ONNX graph loaded into ONNX Runtime, behind an interface that names no ONNX Runtime
// type, so that the rest of the backend builds without the runtime. onnx_session.cpp is
// the only file that includes ONNX Runtime; a build without it links
// onnx_session_without_runtime.cpp instead, whose Open reports why (cmake/Onnx.cmake).
//
// Every ONNX Runtime error (an unreadable or truncated file, an invalid graph, a failed
// run) comes back as a Status; nothing throws past this interface.
//
// Thread safety: Run may be called from several threads at once (ONNX Runtime allows
// concurrent runs of one session); the rest is immutable after Open.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "panic/core/status.h"
#include "panic/models/onnx/tensor.h"

namespace panic::models::onnx {

enum class Provider { kCpu, kCuda, kAuto };  // kAuto: CUDA when the runtime has it, else CPU

// "cpu" | "cuda" | "auto"; InvalidArgument naming `field` otherwise.
Result<Provider> ParseProvider(const std::string& text, const std::string& field);
const char* ProviderName(Provider p);

struct SessionOptions {
  Provider provider = Provider::kCpu;
  int intra_op_threads = 1;  // 0: ONNX Runtime's choice (one per core)
};

// A graph input's or output's declared type and shape (-1: a dynamic dimension).
struct TensorSpec {
  std::string name;
  ElementType type = ElementType::kOther;
  std::vector<int64_t> shape;
};

// Whether this build has ONNX Runtime; when it does not, the reason (for `model list`).
bool OnnxRuntimeBuiltIn();
std::string OnnxRuntimeUnavailableReason();
// The runtime's version ("1.29.0") and its execution providers; empty without it.
std::string OnnxRuntimeVersion();
std::vector<std::string> OnnxRuntimeProviders();

class OnnxSession {
 public:
  // NotFound when the file is missing; Corruption when ONNX Runtime cannot load it (a
  // truncated or invalid graph); InvalidArgument when the provider is not in this runtime.
  static Result<std::unique_ptr<OnnxSession>> Open(const std::filesystem::path& graph, const SessionOptions& options);
  ~OnnxSession();

  const std::vector<TensorSpec>& inputs() const { return inputs_; }
  const std::vector<TensorSpec>& outputs() const { return outputs_; }
  const std::filesystem::path& path() const { return path_; }
  // The provider the session runs on (kCpu or kCuda).
  Provider provider() const { return provider_; }

  // Runs the graph on `feeds` (every input the graph declares, by name) and returns
  // `fetches` in order. Tensor types must match the declared ones. ModelFailed with the
  // runtime's message when the run fails (e.g. a shape the graph rejects).
  Result<std::vector<Tensor>> Run(const std::vector<std::pair<std::string, const Tensor*>>& feeds,
                                  const std::vector<std::string>& fetches) const;

  OnnxSession(const OnnxSession&) = delete;
  OnnxSession& operator=(const OnnxSession&) = delete;

 private:
  struct Impl;
  explicit OnnxSession(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
  std::filesystem::path path_;
  std::vector<TensorSpec> inputs_, outputs_;
  Provider provider_ = Provider::kCpu;
};

// The spec named `name` among `specs`, or nullptr.
const TensorSpec* FindSpec(const std::vector<TensorSpec>& specs, const std::string& name);

// Checks that `session` declares an input/output `name` of one of `types` with `rank`
// dimensions (rank < 0: any); InvalidArgument naming the graph, the tensor and what it has.
Status ExpectInput(const OnnxSession& session, const std::string& name, std::vector<ElementType> types, int rank);
Status ExpectOutput(const OnnxSession& session, const std::string& name, std::vector<ElementType> types, int rank);

// Checks that every input `session` declares is one of `fed`; InvalidArgument naming it.
Status ExpectOnlyInputs(const OnnxSession& session, const std::vector<std::string>& fed);

}  // namespace panic::models::onnx
