// numpy's legacy global generator (`np.random.seed`, `np.random.rand`, i.e.
// `RandomState` on MT19937), reduced to what the dummy embedding recipes call.
// Outputs equal numpy's for the same seed, bit for bit.
//
// Thread safety: a value type with no shared state; one instance per thread.
#pragma once

#include <cstdint>
#include <vector>

#include "panic/models/dummy/mt19937.h"

namespace panic::models {

class NumpyLegacyRandom {
 public:
  // np.random.seed(s) for an int s in [0, 2^32): MT19937 init_genrand(s). (numpy
  // raises ValueError outside that range; callers check before converting.)
  explicit NumpyLegacyRandom(uint32_t seed);

  // One np.random.random_sample() double in [0, 1) with 53 random bits:
  // ((a >> 5) * 2^26 + (b >> 6)) / 2^53 from two successive 32-bit outputs a, b.
  double RandomSample();
  // np.random.rand(n).astype(np.float32): n doubles, each rounded to float32.
  std::vector<float> RandFloat32(int n);

 private:
  Mt19937 mt_;
};

}  // namespace panic::models
