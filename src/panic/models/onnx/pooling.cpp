#include "panic/models/onnx/pooling.h"

#include <algorithm>
#include <cmath>

namespace panic::models::onnx {

Result<std::vector<std::vector<float>>> PoolEmbeddings(const Tensor& output, const std::vector<int64_t>& mask,
                                                       size_t batch, Pooling pooling, bool normalize, int dimension,
                                                       const std::string& where) {
  const std::vector<float>* values = output.floats();
  if (values == nullptr) return Status::ModelFailed(where + ": the embedding output is not float32");
  const auto& s = output.shape;
  const size_t dim = static_cast<size_t>(dimension);
  const bool per_token = pooling != Pooling::kNone;
  const size_t rank = per_token ? 3 : 2;
  if (s.size() != rank || static_cast<size_t>(s[0]) != batch || static_cast<size_t>(s.back()) != dim) {
    return Status::ModelFailed(where + ": the embedding output has shape " + ShapeText(s) + ", expected [" +
                               std::to_string(batch) + (per_token ? ", tokens, " : ", ") + std::to_string(dim) +
                               "] (the manifest's dimension is " + std::to_string(dim) + ")");
  }
  const size_t tokens = per_token ? static_cast<size_t>(s[1]) : 1;
  if (pooling == Pooling::kMean && mask.size() != batch * tokens) {
    return Status::ModelFailed(where + ": the embedding output has " + std::to_string(tokens) +
                               " tokens per input, the batch had a different number");
  }
  std::vector<std::vector<float>> out(batch, std::vector<float>(dim, 0.0f));
  for (size_t b = 0; b < batch; ++b) {
    std::vector<float>& v = out[b];
    const float* base = values->data() + b * tokens * dim;
    if (pooling == Pooling::kMean) {
      std::vector<double> acc(dim, 0.0);
      double count = 0;
      for (size_t t = 0; t < tokens; ++t) {
        if (mask[b * tokens + t] == 0) continue;
        count += 1;
        for (size_t i = 0; i < dim; ++i) acc[i] += base[t * dim + i];
      }
      // sentence-transformers divides by max(count, 1e-9): an input without tokens is zeros.
      for (size_t i = 0; i < dim; ++i) v[i] = static_cast<float>(acc[i] / std::max(count, 1e-9));
    } else {
      std::copy(base, base + dim, v.begin());  // kNone: the row; kCls: the first token
    }
    double norm2 = 0;
    for (float x : v) {
      if (!std::isfinite(x)) return Status::ModelFailed(where + ": the embedding of input " + std::to_string(b) + " is not finite");
      norm2 += static_cast<double>(x) * x;
    }
    if (normalize) {
      const double inv = 1.0 / std::max(std::sqrt(norm2), 1e-12);
      for (float& x : v) x = static_cast<float>(x * inv);
    }
  }
  return out;
}

}  // namespace panic::models::onnx
