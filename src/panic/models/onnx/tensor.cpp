#include "panic/models/onnx/tensor.h"

namespace panic::models::onnx {

const char* ElementTypeName(ElementType t) {
  switch (t) {
    case ElementType::kFloat32: return "float32";
    case ElementType::kInt64: return "int64";
    case ElementType::kInt32: return "int32";
    case ElementType::kOther: return "other";
  }
  return "?";
}

ElementType Tensor::type() const {
  if (std::holds_alternative<std::vector<float>>(data)) return ElementType::kFloat32;
  if (std::holds_alternative<std::vector<int64_t>>(data)) return ElementType::kInt64;
  return ElementType::kInt32;
}

size_t Tensor::element_count() const {
  size_t n = 1;
  for (int64_t d : shape) n *= static_cast<size_t>(d < 0 ? 0 : d);
  return n;
}

std::string ShapeText(const std::vector<int64_t>& shape) {
  std::string s = "[";
  for (size_t i = 0; i < shape.size(); ++i) s += (i ? ", " : "") + (shape[i] < 0 ? std::string("?") : std::to_string(shape[i]));
  return s + "]";
}

Tensor IdsTensor(ElementType type, std::vector<int64_t> shape, const std::vector<int64_t>& ids) {
  if (type == ElementType::kInt32) return Tensor::Int32s(std::move(shape), std::vector<int32_t>(ids.begin(), ids.end()));
  return Tensor::Int64s(std::move(shape), ids);
}

}  // namespace panic::models::onnx
