// Embedding vectors as stored (DESIGN.md §5): raw little-endian float32, no header,
// so that `numpy.frombuffer(blob, "<f4")` reads them.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "panic/core/status.h"

namespace panic::store {

std::string EncodeVector(const std::vector<float>& vector);
// Corruption when the length is not a multiple of 4.
Result<std::vector<float>> DecodeVector(std::string_view bytes);
// The same into `out` (its capacity reused: no allocation once it is large enough).
Status DecodeVectorInto(std::string_view bytes, std::vector<float>& out);

}  // namespace panic::store
