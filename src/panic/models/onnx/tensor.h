// A dense tensor in host memory, the unit the ONNX backend passes to and from graphs.
// Row-major; only the element types the backend's graphs use.
//
// Thread safety: a value type.
#pragma once

#include <cstdint>
#include <string>
#include <variant>
#include <vector>

namespace panic::models::onnx {

enum class ElementType { kFloat32, kInt64, kInt32, kOther };

const char* ElementTypeName(ElementType t);  // "float32", "int64", "int32", "other"

struct Tensor {
  std::vector<int64_t> shape;
  std::variant<std::vector<float>, std::vector<int64_t>, std::vector<int32_t>> data;

  static Tensor Floats(std::vector<int64_t> shape, std::vector<float> values) { return {std::move(shape), std::move(values)}; }
  static Tensor Int64s(std::vector<int64_t> shape, std::vector<int64_t> values) { return {std::move(shape), std::move(values)}; }
  static Tensor Int32s(std::vector<int64_t> shape, std::vector<int32_t> values) { return {std::move(shape), std::move(values)}; }

  ElementType type() const;
  size_t element_count() const;  // the product of the shape (1 for a scalar)
  // Nullptr unless the tensor holds that type.
  const std::vector<float>* floats() const { return std::get_if<std::vector<float>>(&data); }
  const std::vector<int64_t>* int64s() const { return std::get_if<std::vector<int64_t>>(&data); }
};

// "[2, 77]"; -1 (a dynamic dimension) prints as "?".
std::string ShapeText(const std::vector<int64_t>& shape);

// Integer token ids as a tensor of `type` (int64 or int32, as the graph declares them).
Tensor IdsTensor(ElementType type, std::vector<int64_t> shape, const std::vector<int64_t>& ids);

}  // namespace panic::models::onnx
