#include <gtest/gtest.h>

#include <set>
#include <thread>

#include "panic/core/sha256.h"
#include "panic/core/time.h"
#include "panic/core/uuid.h"

namespace panic {
namespace {

TEST(UuidTest, V7LayoutAndMonotonic) {
  std::string prev;
  std::set<std::string> seen;
  for (int i = 0; i < 20000; ++i) {
    std::string id = NewUuidV7();
    ASSERT_EQ(id.size(), 36u);
    EXPECT_EQ(id[14], '7') << id;                                         // version
    EXPECT_TRUE(std::string("89ab").find(id[19]) != std::string::npos);  // RFC variant
    EXPECT_GT(id, prev) << "ids must increase within a process";
    prev = id;
    seen.insert(id);
  }
  EXPECT_EQ(seen.size(), 20000u);
}

TEST(UuidTest, TimestampIsNow) {
  auto bytes = ParseUuid(NewUuidV7());
  ASSERT_TRUE(bytes.ok());
  int64_t now_ms = NowMicros() / 1000;
  int64_t ms = static_cast<int64_t>(UuidV7Millis(*bytes));
  EXPECT_LE(std::abs(now_ms - ms), 2000);
}

TEST(UuidTest, ParsesAnyUuidRejectsGarbage) {
  auto v4 = ParseUuid("F47AC10B-58CC-4372-A567-0E02B2C3D479");
  ASSERT_TRUE(v4.ok());
  EXPECT_EQ(FormatUuid(*v4), "f47ac10b-58cc-4372-a567-0e02b2c3d479");
  EXPECT_FALSE(ParseUuid("f47ac10b58cc4372a5670e02b2c3d479").ok());
  EXPECT_FALSE(ParseUuid("g47ac10b-58cc-4372-a567-0e02b2c3d479").ok());
}

TEST(UuidTest, UniqueAcrossThreads) {
  std::vector<std::vector<std::string>> out(4);
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&out, t] {
      for (int i = 0; i < 5000; ++i) out[t].push_back(NewUuidV7());
    });
  }
  for (auto& th : threads) th.join();
  std::set<std::string> all;
  for (auto& v : out) all.insert(v.begin(), v.end());
  EXPECT_EQ(all.size(), 20000u);
}

TEST(TimeTest, FormatsIsoMicrosUtc) {
  EXPECT_EQ(FormatIsoMicros(0), "1970-01-01T00:00:00.000000Z");
  EXPECT_EQ(FormatIsoMicros(1700000000123456), "2023-11-14T22:13:20.123456Z");
  EXPECT_EQ(FormatIsoMicros(951782400000001), "2000-02-29T00:00:00.000001Z");  // leap day
}

TEST(TimeTest, ParseRoundTrips) {
  for (int64_t t : {int64_t{0}, int64_t{1700000000123456}, int64_t{951782400000001}, NowMicros()}) {
    auto back = ParseIsoMicros(FormatIsoMicros(t));
    ASSERT_TRUE(back.ok());
    EXPECT_EQ(*back, t);
  }
  EXPECT_EQ(*ParseIsoMicros("2023-11-14T22:13:20+00:00"), 1700000000000000);
  EXPECT_FALSE(ParseIsoMicros("yesterday").ok());
  EXPECT_FALSE(ParseIsoMicros("2023-11-14T22:13:20+02:00").ok());
}

TEST(Sha256Test, KnownVectors) {
  EXPECT_EQ(Sha256Hex(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(Sha256Hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(Sha256Hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"),
            "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
  EXPECT_EQ(Sha256Hex(std::string(1000000, 'a')), "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
  // 55 and 56 bytes straddle the one/two final block boundary.
  EXPECT_EQ(Sha256Hex(std::string(55, 'x')).size(), 64u);
  EXPECT_NE(Sha256Hex(std::string(55, 'x')), Sha256Hex(std::string(56, 'x')));
}

}  // namespace
}  // namespace panic
