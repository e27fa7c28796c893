// The ETF decoder against Erlang itself: erl's term_to_binary (compressed or not) is the
// oracle for the bytes; the decoded diagrams and Lyapunov results must hold the values the
// Erlang terms were built from. Malformed input is refused with a clear error.
#include "panic/store/etf_codec.h"

#include <gtest/gtest.h>

#include <cmath>
#include <sstream>
#include <string>
#include <vector>

#include "support/test_support.h"

namespace panic::store {
namespace {

std::string Unhex(const std::string& hex) {
  std::string out;
  for (size_t i = 0; i + 1 < hex.size(); i += 2) out += static_cast<char>(std::stoi(hex.substr(i, 2), nullptr, 16));
  return out;
}

// One line of hex per term, from erl.
std::vector<std::string> ErlangTerms(const std::string& terms) {
  const std::string program = "lists:foreach(fun({T, Opts}) -> io:format(\"~s~n\", [binary:encode_hex(term_to_binary(T, "
                              "Opts))]) end, [" + terms + "]), halt().";
  auto r = testing::RunShell("timeout 120 erl -noshell -eval " + testing::ShellQuote(program));
  EXPECT_EQ(r.exit_code, 0) << r.err;
  std::vector<std::string> out;
  std::istringstream lines(r.out);
  for (std::string line; std::getline(lines, line);) out.push_back(Unhex(line));
  return out;
}

bool HaveErlang() { return testing::RunShell("command -v erl").exit_code == 0; }

constexpr const char* kDiagram =
    "#{dgms => [[[0.0, 1.5], [0.25, inf]], [[0.125, 3]], []], entropy => [0.5, 0.25, 0.0], num_edges => 0}";

TEST(EtfCodecTest, DecodesErlangDiagramsCompressedOrNot) {
  if (!HaveErlang()) GTEST_SKIP() << "erl (erlang-base) is needed as the oracle";
  // A large diagram so that compression pays off, and the small one both ways.
  const std::string big = "#{dgms => [[[float(I), float(I) + 0.5] || I <- lists:seq(1, 400)], [], []], "
                          "entropy => [1.0, 0.0, 0.0], num_edges => 0}";
  auto blobs = ErlangTerms(std::string("{") + kDiagram + ", []}, {" + kDiagram + ", [compressed]}, {" + big +
                           ", [compressed]}");
  ASSERT_EQ(blobs.size(), 3u);
  EXPECT_NE(static_cast<uint8_t>(blobs[0][1]), 80);  // uncompressed
  EXPECT_EQ(static_cast<uint8_t>(blobs[2][1]), 80);  // compressed
  for (int i = 0; i < 2; ++i) {
    auto d = DecodeElixirDiagram(blobs[i]);
    ASSERT_TRUE(d.ok()) << d.status().ToString();
    ASSERT_EQ(d->diagram.dimensions.size(), 3u);
    ASSERT_EQ(d->diagram.dimensions[0].size(), 2u);
    EXPECT_EQ(d->diagram.dimensions[0][0].birth, 0.0f);
    EXPECT_EQ(d->diagram.dimensions[0][0].death, 1.5f);
    EXPECT_EQ(d->diagram.dimensions[0][1].birth, 0.25f);
    EXPECT_TRUE(std::isinf(d->diagram.dimensions[0][1].death));
    ASSERT_EQ(d->diagram.dimensions[1].size(), 1u);
    EXPECT_EQ(d->diagram.dimensions[1][0].death, 3.0f);  // a small integer
    EXPECT_TRUE(d->diagram.dimensions[2].empty());
    EXPECT_EQ(d->entropy, (std::vector<float>{0.5f, 0.25f, 0.0f}));
  }
  auto big_d = DecodeElixirDiagram(blobs[2]);
  ASSERT_TRUE(big_d.ok()) << big_d.status().ToString();
  ASSERT_EQ(big_d->diagram.dimensions[0].size(), 400u);
  EXPECT_EQ(big_d->diagram.dimensions[0][399].birth, 400.0f);
  EXPECT_EQ(big_d->diagram.dimensions[0][399].death, 400.5f);
}

TEST(EtfCodecTest, DecodesLyapunovResults) {
  if (!HaveErlang()) GTEST_SKIP() << "erl (erlang-base) is needed as the oracle";
  auto blobs = ErlangTerms(
      "{#{exponent => 0.125, r_squared => nil, divergence_curve => [0.5, 1, 2.25], num_pairs => 3, num_timesteps => "
      "3}, [compressed]}, {#{exponent => -1.5, r_squared => 0.75, divergence_curve => [float(I) || I <- lists:seq(1, "
      "300)], num_pairs => 300, num_timesteps => 300}, [compressed]}");
  ASSERT_EQ(blobs.size(), 2u);
  auto a = DecodeElixirLyapunov(blobs[0]);
  ASSERT_TRUE(a.ok()) << a.status().ToString();
  EXPECT_EQ(a->exponent, 0.125);
  EXPECT_FALSE(a->r_squared.has_value());
  EXPECT_EQ(a->divergence_curve, (std::vector<double>{0.5, 1.0, 2.25}));
  EXPECT_EQ(a->num_pairs, 3);
  auto b = DecodeElixirLyapunov(blobs[1]);
  ASSERT_TRUE(b.ok()) << b.status().ToString();
  EXPECT_EQ(b->r_squared, 0.75);
  ASSERT_EQ(b->divergence_curve.size(), 300u);
  EXPECT_EQ(b->divergence_curve[299], 300.0);
  EXPECT_EQ(b->num_timesteps, 300);
}

TEST(EtfCodecTest, ReadsLatin1AtomsAndStringLists) {
  // 131, MAP_EXT 1 pair: ATOM_EXT "dgms" → [STRING_EXT [1, 2]] … built by hand: erl no longer
  // writes ATOM_EXT.
  std::string b = "\x83\x74" + std::string("\x00\x00\x00\x02", 4);
  b += "\x64" + std::string("\x00\x04", 2) + "dgms";
  b += "\x6C" + std::string("\x00\x00\x00\x01", 4) + "\x6C" + std::string("\x00\x00\x00\x01", 4) + "\x6B" +
       std::string("\x00\x02", 2) + "\x01\x02" + "\x6A" + "\x6A";
  b += "\x77\x07" + std::string("entropy") + "\x6A";
  auto d = DecodeElixirDiagram(b);
  ASSERT_TRUE(d.ok()) << d.status().ToString();
  ASSERT_EQ(d->diagram.dimensions.size(), 1u);
  ASSERT_EQ(d->diagram.dimensions[0].size(), 1u);
  EXPECT_EQ(d->diagram.dimensions[0][0].birth, 1.0f);
  EXPECT_EQ(d->diagram.dimensions[0][0].death, 2.0f);
}

TEST(EtfCodecTest, RefusesMalformedInput) {
  auto expect_bad = [](const std::string& bytes, const std::string& words) {
    auto t = DecodeEtf(bytes);
    ASSERT_FALSE(t.ok());
    EXPECT_EQ(t.status().code(), StatusCode::kCorruption);
    EXPECT_NE(t.status().message().find(words), std::string::npos) << t.status().message();
  };
  expect_bad("", "truncated");
  expect_bad("\x82\x6A", "not 131");
  expect_bad("\x83\x6D\x00\x00\x00\x01x", "tag 109");                          // a binary: not in the subset
  expect_bad("\x83\x46\x00\x00", "truncated");                                  // a float cut short
  expect_bad("\x83\x6C\xFF\xFF\xFF\xFF\x6A", "more than the bytes left");       // a list claiming 4 G elements
  expect_bad("\x83\x74\x7F\xFF\xFF\xFF", "more than the bytes left");           // a map claiming 2 G pairs
  expect_bad(std::string("\x83\x6C\x00\x00\x00\x01\x61\x01\x61\x02", 10), "improper list");
  expect_bad(std::string("\x83\x6A\x6A", 3), "left after the term");
  expect_bad(std::string("\x83\x50\x7F\xFF\xFF\xFF\x78\x9C", 8), "beyond the limits");  // a 2 GB inflation claim
  expect_bad(std::string("\x83\x50\x00\x00\x00\x10\x78\x9C\x00", 9), "does not inflate");
  std::string deep = "\x83";
  for (int i = 0; i < 100; ++i) deep += std::string("\x6C\x00\x00\x00\x01", 5);
  expect_bad(deep, "nested deeper");
  // Wrong shapes of the stored terms.
  auto not_map = DecodeElixirDiagram("\x83\x6A");
  EXPECT_FALSE(not_map.ok());
}

}  // namespace
}  // namespace panic::store
