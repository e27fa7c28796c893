#include "panic/models/onnx/seeded_random.h"

#include <cmath>
#include <numbers>

namespace panic::models::onnx {

SeededRandom::SeededRandom(int64_t seed)
    : engine_(seed == -1 ? (static_cast<uint64_t>(std::random_device{}()) << 32) ^ std::random_device{}()
                         : static_cast<uint64_t>(seed)) {}

double SeededRandom::Uniform() { return static_cast<double>(engine_() >> 11) * 0x1.0p-53; }

double SeededRandom::Normal() {
  if (has_spare_) {
    has_spare_ = false;
    return spare_;
  }
  const double u1 = 1.0 - Uniform();  // (0, 1]: log is finite
  const double u2 = Uniform();
  const double r = std::sqrt(-2.0 * std::log(u1));
  spare_ = r * std::sin(2.0 * std::numbers::pi * u2);
  has_spare_ = true;
  return r * std::cos(2.0 * std::numbers::pi * u2);
}

}  // namespace panic::models::onnx
