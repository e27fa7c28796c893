// The one LEB128 varint coding (core/varint.h): the known bytes of the format, and every
// width round-tripping through PutVarint, AppendVarint, GetVarint and VarintSize alike.
#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <vector>

#include "panic/core/varint.h"

namespace panic::core {
namespace {

TEST(VarintTest, KnownCodings) {
  std::string out;
  AppendVarint(out, 0);
  AppendVarint(out, 127);
  AppendVarint(out, 300);  // 0b10_0101100: 0xAC then 0x02, as protobuf's documentation gives it
  AppendVarint(out, ~uint64_t{0});
  const std::string want = std::string("\x00\x7f\xac\x02", 4) + std::string(9, '\xff') + "\x01";
  EXPECT_EQ(out, want);
}

TEST(VarintTest, EveryWidthRoundTrips) {
  for (int bits = 0; bits <= 64; ++bits) {
    for (const uint64_t x : {bits == 0 ? uint64_t{0} : uint64_t{1} << (bits - 1),
                             bits == 64 ? ~uint64_t{0} : (uint64_t{1} << bits) - 1}) {
      uint8_t bytes[kMaxVarintBytes + 1] = {};
      const uint8_t* end = PutVarint(bytes, x);
      ASSERT_EQ(static_cast<size_t>(end - bytes), VarintSize(x)) << x;
      std::string appended;
      AppendVarint(appended, x);
      ASSERT_EQ(appended, std::string(reinterpret_cast<const char*>(bytes), VarintSize(x))) << x;
      uint64_t back = 1;
      EXPECT_EQ(GetVarint(bytes, back), end) << x;
      EXPECT_EQ(back, x);
    }
  }
}

}  // namespace
}  // namespace panic::core
