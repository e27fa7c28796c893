#include "panic/models/dummy/numpy_random.h"

namespace panic::models {

NumpyLegacyRandom::NumpyLegacyRandom(uint32_t seed) { mt_.InitGenrand(seed); }

double NumpyLegacyRandom::RandomSample() {
  const uint32_t a = mt_.Next() >> 5;
  const uint32_t b = mt_.Next() >> 6;
  return (a * 67108864.0 + b) / 9007199254740992.0;
}

std::vector<float> NumpyLegacyRandom::RandFloat32(int n) {
  std::vector<float> out(static_cast<size_t>(n));
  for (float& v : out) v = static_cast<float>(RandomSample());
  return out;
}

}  // namespace panic::models
