#include "panic/models/dummy/recipe_common.h"

#include <cstdio>
#include <random>

#include "panic/core/sha256.h"

namespace panic::models {

uint32_t Sha8(std::string_view utf8) {
  const Sha256Digest d = Sha256(utf8);
  // 8 hex digits are the first 4 bytes, big-endian.
  return (uint32_t{d[0]} << 24) | (uint32_t{d[1]} << 16) | (uint32_t{d[2]} << 8) | uint32_t{d[3]};
}

std::string RandomHex8() {
  thread_local std::mt19937 gen{std::random_device{}()};
  char buf[9];
  std::snprintf(buf, sizeof buf, "%08x", static_cast<unsigned>(gen()));
  return buf;
}

}  // namespace panic::models
