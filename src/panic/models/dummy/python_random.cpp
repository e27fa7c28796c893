#include "panic/models/dummy/python_random.h"

#include <bit>
#include <cassert>

namespace panic::models {

PythonRandom::PythonRandom(uint64_t abs_n) {
  const uint32_t words[2] = {static_cast<uint32_t>(abs_n), static_cast<uint32_t>(abs_n >> 32)};
  // CPython uses as many words as the magnitude needs, at least one.
  const size_t used = words[1] != 0 ? 2 : 1;
  mt_.InitByArray(std::span<const uint32_t>(words, used));
}

uint32_t PythonRandom::GetRandBits(int k) {
  assert(k >= 1 && k <= 32);
  return mt_.Next() >> (32 - k);
}

uint32_t PythonRandom::RandBelow(uint32_t n) {
  assert(n > 0);
  const int k = std::bit_width(n);
  uint32_t r = GetRandBits(k);
  while (r >= n) r = GetRandBits(k);
  return r;
}

int64_t PythonRandom::RandInt(int64_t a, int64_t b) {
  assert(a <= b && b - a < static_cast<int64_t>(UINT32_MAX));
  return a + static_cast<int64_t>(RandBelow(static_cast<uint32_t>(b - a + 1)));
}

uint64_t PyAbsOfSum(int64_t base, uint64_t addend) {
  assert(addend < (uint64_t{1} << 63));
  if (base >= 0) return static_cast<uint64_t>(base) + addend;
  // |base| as uint64 is exact even for INT64_MIN.
  const uint64_t abs_base = ~static_cast<uint64_t>(base) + 1;
  return addend >= abs_base ? addend - abs_base : abs_base - addend;
}

}  // namespace panic::models
