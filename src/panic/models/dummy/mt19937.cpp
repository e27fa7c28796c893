#include "panic/models/dummy/mt19937.h"

#include <cassert>

namespace panic::models {

namespace {
constexpr int kShift = 397;  // M in the paper
constexpr uint32_t kMatrixA = 0x9908b0dfU;
constexpr uint32_t kUpperMask = 0x80000000U;
constexpr uint32_t kLowerMask = 0x7fffffffU;
}  // namespace

void Mt19937::InitGenrand(uint32_t seed) {
  state_[0] = seed;
  for (int i = 1; i < kStateWords; ++i) {
    const uint32_t prev = state_[i - 1];
    // Unsigned 32-bit arithmetic wraps mod 2^32, as the reference code's "& 0xffffffff".
    state_[i] = 1812433253U * (prev ^ (prev >> 30)) + static_cast<uint32_t>(i);
  }
  index_ = kStateWords;
}

void Mt19937::InitByArray(std::span<const uint32_t> key) {
  static constexpr uint32_t kZero[1] = {0};
  if (key.empty()) key = kZero;
  const int key_length = static_cast<int>(key.size());
  InitGenrand(19650218U);
  int i = 1;
  int j = 0;
  for (int k = (kStateWords > key_length ? kStateWords : key_length); k > 0; --k) {
    const uint32_t prev = state_[i - 1];
    state_[i] = (state_[i] ^ ((prev ^ (prev >> 30)) * 1664525U)) + key[j] + static_cast<uint32_t>(j);
    ++i;
    ++j;
    if (i >= kStateWords) {
      state_[0] = state_[kStateWords - 1];
      i = 1;
    }
    if (j >= key_length) j = 0;
  }
  for (int k = kStateWords - 1; k > 0; --k) {
    const uint32_t prev = state_[i - 1];
    state_[i] = (state_[i] ^ ((prev ^ (prev >> 30)) * 1566083941U)) - static_cast<uint32_t>(i);
    ++i;
    if (i >= kStateWords) {
      state_[0] = state_[kStateWords - 1];
      i = 1;
    }
  }
  state_[0] = 0x80000000U;  // MSB is 1, assuring a non-zero initial state
  index_ = kStateWords;
}

void Mt19937::Twist() {
  assert(index_ == kStateWords && "Mt19937 used before it was seeded");
  auto mix = [](uint32_t upper, uint32_t lower, uint32_t far) {
    const uint32_t y = (upper & kUpperMask) | (lower & kLowerMask);
    return far ^ (y >> 1) ^ ((y & 1U) ? kMatrixA : 0U);
  };
  int k = 0;
  for (; k < kStateWords - kShift; ++k) state_[k] = mix(state_[k], state_[k + 1], state_[k + kShift]);
  for (; k < kStateWords - 1; ++k) {
    state_[k] = mix(state_[k], state_[k + 1], state_[k + kShift - kStateWords]);
  }
  state_[kStateWords - 1] = mix(state_[kStateWords - 1], state_[0], state_[kShift - 1]);
  index_ = 0;
}

}  // namespace panic::models
