// The weights of a TensorFlow.js graph model: model.json's "weightsManifest" (groups of
// tensors, each with name, shape and dtype, stored back to back in the group's shard files,
// which are concatenated in the order listed) and the raw little-endian shard bytes.
//
// Supported dtypes: float32 and int32, unquantised. Anything else is reported, not guessed.
//
// Thread safety: immutable after Load; share freely.
#pragma once

#include <cstdint>
#include <filesystem>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "panic/core/status.h"

namespace panic::models::native {

class TfjsWeights {
 public:
  // Reads `model_json` and every shard it lists (paths relative to its folder).
  // IOError when a file cannot be read; Corruption when the manifest is malformed, uses an
  // unsupported dtype or quantisation, or the shard bytes do not match the tensor sizes.
  static Result<TfjsWeights> Load(const std::filesystem::path& model_json);

  // The float32 tensor `name`, whose shape must be `shape`. Corruption naming the tensor
  // (and both shapes) otherwise. The span lives as long as this object.
  Result<std::span<const float>> Floats(std::string_view name, const std::vector<int64_t>& shape) const;
  // The int32 tensor `name`, of any shape.
  Result<std::span<const int32_t>> Ints(std::string_view name) const;

  size_t tensor_count() const { return tensors_.size(); }
  size_t byte_size() const { return floats_.size() * 4 + ints_.size() * 4; }

 private:
  struct Tensor {
    std::vector<int64_t> shape;
    bool is_float = true;
    size_t offset = 0;  // into floats_ or ints_
    size_t count = 0;
  };
  std::unordered_map<std::string, Tensor> tensors_;
  std::vector<float> floats_;
  std::vector<int32_t> ints_;
};

}  // namespace panic::models::native
