// The parts of onnx_session.h that do not need ONNX Runtime.
#include "panic/models/onnx/onnx_session.h"

#include <algorithm>

namespace panic::models::onnx {
namespace {

Status Expect(const OnnxSession& session, const std::vector<TensorSpec>& specs, const char* what,
              const std::string& name, const std::vector<ElementType>& types, int rank) {
  const TensorSpec* spec = FindSpec(specs, name);
  if (spec == nullptr) {
    std::string have;
    for (const auto& s : specs) have += (have.empty() ? "" : ", ") + s.name;
    return Status::InvalidArgument(session.path().string() + ": the graph has no " + what + " '" + name + "' (its " +
                                   what + "s: " + (have.empty() ? "none" : have) + ")");
  }
  std::string allowed;
  for (ElementType t : types) allowed += (allowed.empty() ? "" : " or ") + std::string(ElementTypeName(t));
  if (std::find(types.begin(), types.end(), spec->type) == types.end()) {
    return Status::InvalidArgument(session.path().string() + ": " + what + " '" + name + "' is " +
                                   ElementTypeName(spec->type) + ", expected " + allowed);
  }
  if (rank >= 0 && spec->shape.size() != static_cast<size_t>(rank)) {
    return Status::InvalidArgument(session.path().string() + ": " + what + " '" + name + "' has shape " +
                                   ShapeText(spec->shape) + ", expected " + std::to_string(rank) + " dimensions");
  }
  return Status::Ok();
}

}  // namespace

Result<Provider> ParseProvider(const std::string& text, const std::string& field) {
  if (text == "cpu") return Provider::kCpu;
  if (text == "cuda") return Provider::kCuda;
  if (text == "auto") return Provider::kAuto;
  return Status::InvalidArgument(field + ": \"" + text + "\" is not allowed (one of \"cpu\", \"cuda\", \"auto\")");
}

const char* ProviderName(Provider p) {
  switch (p) {
    case Provider::kCpu: return "cpu";
    case Provider::kCuda: return "cuda";
    case Provider::kAuto: return "auto";
  }
  return "?";
}

const TensorSpec* FindSpec(const std::vector<TensorSpec>& specs, const std::string& name) {
  for (const auto& s : specs) {
    if (s.name == name) return &s;
  }
  return nullptr;
}

Status ExpectInput(const OnnxSession& session, const std::string& name, std::vector<ElementType> types, int rank) {
  return Expect(session, session.inputs(), "input", name, types, rank);
}

Status ExpectOutput(const OnnxSession& session, const std::string& name, std::vector<ElementType> types, int rank) {
  return Expect(session, session.outputs(), "output", name, types, rank);
}

Status ExpectOnlyInputs(const OnnxSession& session, const std::vector<std::string>& fed) {
  for (const auto& in : session.inputs()) {
    if (std::find(fed.begin(), fed.end(), in.name) == fed.end()) {
      std::string list;
      for (const auto& f : fed) list += (list.empty() ? "" : ", ") + f;
      return Status::InvalidArgument(session.path().string() + ": the graph has an input '" + in.name +
                                     "' that the backend does not feed (it feeds: " + list + ")");
    }
  }
  return Status::Ok();
}

}  // namespace panic::models::onnx
