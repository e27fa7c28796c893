#include "panic/core/uuid.h"

#include <chrono>
#include <mutex>
#include <random>

namespace panic {
namespace {

struct UuidState {
  std::mutex mu;
  std::mt19937_64 rng{std::random_device{}()};
  uint64_t last_ms = 0;   // GUARDED_BY(mu)
  uint32_t counter = 0;   // GUARDED_BY(mu); 12 bits
};

UuidState& State() {
  static UuidState state;
  return state;
}

uint64_t NowMillis() {
  return static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                   std::chrono::system_clock::now().time_since_epoch())
                                   .count());
}

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

UuidBytes NewUuidV7Bytes() {
  UuidState& s = State();
  uint64_t ms;
  uint32_t counter;
  uint64_t rand_b;
  {
    std::lock_guard<std::mutex> lock(s.mu);
    uint64_t now = NowMillis();
    if (now > s.last_ms) {
      s.last_ms = now;
      // Start low in the counter space so that many ids fit in one millisecond.
      s.counter = static_cast<uint32_t>(s.rng() & 0x3FF);
    } else if (++s.counter > 0xFFF) {
      ++s.last_ms;  // borrow the next millisecond; ids stay increasing
      s.counter = static_cast<uint32_t>(s.rng() & 0x3FF);
    }
    ms = s.last_ms;
    counter = s.counter;
    rand_b = s.rng();
  }
  UuidBytes b{};
  for (int i = 0; i < 6; ++i) b[i] = static_cast<uint8_t>(ms >> (40 - 8 * i));
  b[6] = static_cast<uint8_t>(0x70 | ((counter >> 8) & 0x0F));
  b[7] = static_cast<uint8_t>(counter & 0xFF);
  b[8] = static_cast<uint8_t>(0x80 | ((rand_b >> 56) & 0x3F));
  for (int i = 9; i < 16; ++i) b[i] = static_cast<uint8_t>(rand_b >> (8 * (15 - i)));
  return b;
}

std::string FormatUuid(const UuidBytes& bytes) {
  static const char* kHex = "0123456789abcdef";
  std::string out;
  out.reserve(36);
  for (int i = 0; i < 16; ++i) {
    if (i == 4 || i == 6 || i == 8 || i == 10) out.push_back('-');
    out.push_back(kHex[bytes[i] >> 4]);
    out.push_back(kHex[bytes[i] & 0xF]);
  }
  return out;
}

std::string NewUuidV7() { return FormatUuid(NewUuidV7Bytes()); }

Result<UuidBytes> ParseUuid(std::string_view text) {
  if (text.size() != 36 || text[8] != '-' || text[13] != '-' || text[18] != '-' || text[23] != '-') {
    return Status::InvalidArgument("not a UUID (expected 8-4-4-4-12 hex digits): '" +
                                   std::string(text) + "'");
  }
  UuidBytes b{};
  int byte = 0;
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '-') continue;
    int hi = HexValue(text[i]);
    int lo = HexValue(text[i + 1]);
    if (hi < 0 || lo < 0) {
      return Status::InvalidArgument("not a UUID (non-hex digit): '" + std::string(text) + "'");
    }
    b[byte++] = static_cast<uint8_t>(hi << 4 | lo);
    ++i;
  }
  return b;
}

uint64_t UuidV7Millis(const UuidBytes& bytes) {
  uint64_t ms = 0;
  for (int i = 0; i < 6; ++i) ms = ms << 8 | bytes[i];
  return ms;
}

}  // namespace panic
