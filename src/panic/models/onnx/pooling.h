// Turning an embedding graph's output into one vector per input, as sentence-transformers
// configures it: the output as it is ([batch, dim]), the mean over the tokens the attention
// mask keeps, or the first token's ([batch, tokens, dim]); then, optionally, unit length
// (x / max(‖x‖, 1e-12), as torch's normalize).
//
// Thread safety: pure functions.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "panic/core/status.h"
#include "panic/models/onnx/manifest.h"
#include "panic/models/onnx/tensor.h"

namespace panic::models::onnx {

// `mask` is [batch × tokens] (1 keeps a token), used by kMean; may be empty for the others.
// ModelFailed naming `where` when the output's shape is not [batch, dimension] (kNone) or
// [batch, tokens, dimension], or a value is not finite.
Result<std::vector<std::vector<float>>> PoolEmbeddings(const Tensor& output, const std::vector<int64_t>& mask,
                                                       size_t batch, Pooling pooling, bool normalize, int dimension,
                                                       const std::string& where);

}  // namespace panic::models::onnx
