// MT19937, the Mersenne Twister of Matsumoto and Nishimura (1998), with the two
// seeding procedures of their reference code (mt19937ar.c). Both CPython's `random`
// and numpy's legacy `RandomState` are this generator; they differ only in how they
// seed it and how they turn 32-bit words into numbers (python_random.h, numpy_random.h).
//
// Thread safety: a value type with no shared state; one instance per thread.
#pragma once

#include <array>
#include <cstdint>
#include <span>

namespace panic::models {

class Mt19937 {
 public:
  static constexpr int kStateWords = 624;

  // Unseeded; call one of the Init methods before Next().
  Mt19937() = default;

  // mt19937ar.c init_genrand(s): the state from one 32-bit word.
  void InitGenrand(uint32_t seed);
  // mt19937ar.c init_by_array(key): the state from any number of 32-bit words.
  // An empty key is treated like CPython treats it, as the single word 0.
  void InitByArray(std::span<const uint32_t> key);

  // The next 32-bit output (genrand_int32). REQUIRES: seeded.
  uint32_t Next() {
    if (index_ >= kStateWords) Twist();
    uint32_t y = state_[index_++];
    y ^= (y >> 11);
    y ^= (y << 7) & 0x9d2c5680U;
    y ^= (y << 15) & 0xefc60000U;
    y ^= (y >> 18);
    return y;
  }

 private:
  void Twist();

  std::array<uint32_t, kStateWords> state_{};
  int index_ = kStateWords + 1;  // > kStateWords: not seeded
};

}  // namespace panic::models
