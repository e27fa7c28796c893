// The random numbers of the ONNX genAI models: one generator per input, seeded with the
// run's seed, so that an output depends only on (model, input, seed) and not on the batch
// it ran in. A seed of −1 draws a seed from std::random_device (non-deterministic runs).
//
// The generator is std::mt19937_64 (its output is fixed by the C++ standard); uniforms take
// its top 53 bits; normals come from the Box–Muller transform, two per pair of uniforms.
// So a fixed seed gives the same numbers on every platform and compiler.
//
// Thread safety: one object per thread.
#pragma once

#include <cstdint>
#include <random>

namespace panic::models::onnx {

class SeededRandom {
 public:
  explicit SeededRandom(int64_t seed);
  double Uniform();  // [0, 1)
  double Normal();   // standard normal

 private:
  std::mt19937_64 engine_;
  bool has_spare_ = false;
  double spare_ = 0;
};

}  // namespace panic::models::onnx
