// Test helper shared by CofacetScanTest and QuantizedScanTest: the reference cofacet
// sequence, one NextCofacetScalar call per cofacet, that the batched scans must reproduce.
#pragma once

#include <vector>

#include "panic/tda/cofacet_scan.h"

namespace panic::tda::internal {

struct Sequence {
  std::vector<float> cd;
  std::vector<int> v;
};

// The whole cofacet sequence after (cd0, v0), one NextCofacetScalar call per cofacet.
template <int M>
Sequence OneAtATime(const float* const* r, const int* w, int n, float diam, float cd0, int v0, float threshold) {
  Sequence s;
  for (;;) {
    float cd;
    const int v = NextCofacetScalar<M>(r, w, 0, n, diam, cd0, v0, threshold, &cd);
    if (v < 0) return s;
    s.cd.push_back(cd);
    s.v.push_back(v);
    cd0 = cd;
    v0 = v;
  }
}

}  // namespace panic::tda::internal
