// Test helper: the SimdLevels this CPU runs, so that a test holds every vector form it can
// execute (not only the one DetectSimdLevel picks) to the scalar one.
#pragma once

#include <vector>

#include "panic/tda/cofacet_scan.h"

namespace panic::tda::internal {

// Scalar first; an AVX-512 CPU runs the AVX2 forms too.
inline std::vector<SimdLevel> SimdLevelsHere() {
  const SimdLevel top = DetectSimdLevel();
  std::vector<SimdLevel> levels = {SimdLevel::kScalar};
  if (top == SimdLevel::kAvx2 || top == SimdLevel::kAvx512) levels.push_back(SimdLevel::kAvx2);
  if (top == SimdLevel::kAvx512) levels.push_back(SimdLevel::kAvx512);
  return levels;
}

}  // namespace panic::tda::internal
