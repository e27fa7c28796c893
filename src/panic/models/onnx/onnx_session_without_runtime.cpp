// onnx_session.h for a build without ONNX Runtime (cmake/Onnx.cmake compiles this file
// instead of onnx_session.cpp): no session can be opened, and the reason says how to get one.
#include "panic/models/onnx/onnx_session.h"

#ifndef PANIC_ONNX_UNAVAILABLE_REASON
#define PANIC_ONNX_UNAVAILABLE_REASON "panic-tda was built without ONNX Runtime"
#endif

namespace panic::models::onnx {

struct OnnxSession::Impl {};

bool OnnxRuntimeBuiltIn() { return false; }
std::string OnnxRuntimeUnavailableReason() { return PANIC_ONNX_UNAVAILABLE_REASON; }
std::string OnnxRuntimeVersion() { return ""; }
std::vector<std::string> OnnxRuntimeProviders() { return {}; }

OnnxSession::OnnxSession(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
OnnxSession::~OnnxSession() = default;

Result<std::unique_ptr<OnnxSession>> OnnxSession::Open(const std::filesystem::path& graph, const SessionOptions&) {
  return Status::NotFound(graph.string() + " cannot be loaded: " + OnnxRuntimeUnavailableReason());
}

Result<std::vector<Tensor>> OnnxSession::Run(const std::vector<std::pair<std::string, const Tensor*>>&,
                                             const std::vector<std::string>&) const {
  return Status::Internal("no ONNX session exists in a build without ONNX Runtime");
}

}  // namespace panic::models::onnx
