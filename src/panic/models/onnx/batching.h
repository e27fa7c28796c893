// Splitting one call's batch into graph calls of at most the manifest's max_batch.
#pragma once

#include <algorithm>
#include <cstddef>

#include "panic/core/status.h"

namespace panic::models::onnx {

// Calls run(first, count) for consecutive slices of [0, n) of at most `cap` items (0: one
// slice); stops at the first error.
template <typename F>
Status ForEachChunk(size_t n, int cap, F run) {
  const size_t step = cap > 0 ? static_cast<size_t>(cap) : std::max<size_t>(n, 1);
  for (size_t first = 0; first < n; first += step) PANIC_RETURN_IF_ERROR(run(first, std::min(step, n - first)));
  return Status::Ok();
}

}  // namespace panic::models::onnx
