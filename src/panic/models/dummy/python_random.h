// CPython's `random.Random` (Modules/_randommodule.c, Lib/random.py of CPython 3.x),
// reduced to what the dummy recipes call: `seed(int)`, `getrandbits(k <= 32)`,
// `_randbelow` and `randint`. Outputs equal CPython's for the same seed, bit for bit.
//
// Thread safety: a value type with no shared state; one instance per thread.
#pragma once

#include <cstdint>

#include "panic/models/dummy/mt19937.h"

namespace panic::models {

class PythonRandom {
 public:
  // random.seed(n) for a Python int n of magnitude `abs_n`. CPython seeds with |n|
  // (the sign is dropped), split into 32-bit words least significant first, with no
  // leading zero words (0 is the single word 0), through MT19937 init_by_array.
  explicit PythonRandom(uint64_t abs_n);

  // getrandbits(k): the top k bits of one 32-bit output. REQUIRES: 1 <= k <= 32.
  uint32_t GetRandBits(int k);
  // _randbelow(n): a uniform value in [0, n) by rejection — draw getrandbits of
  // n.bit_length() bits (note: of n, not n − 1) until the draw is below n.
  // REQUIRES: n > 0.
  uint32_t RandBelow(uint32_t n);
  // randint(a, b) = a + _randbelow(b − a + 1). REQUIRES: a <= b, b − a < 2^32 − 1.
  int64_t RandInt(int64_t a, int64_t b);

 private:
  Mt19937 mt_;
};

// |base + addend| computed exactly, as Python's unbounded ints would: the seed the
// dummy recipes pass to random.seed, e.g. seed + sha8(prompt) + 2000, where the run's
// seed may be any int64 (negative ones included). REQUIRES: addend < 2^63, which keeps
// the magnitude below 2^64.
uint64_t PyAbsOfSum(int64_t base, uint64_t addend);

}  // namespace panic::models
