// The one UTF-8 decoder (core/utf8.h): well-formed text exactly, each maximal ill-formed
// subpart as one U+FFFD, checked against Python's bytes.decode("utf-8", "replace") for
// crafted and random byte strings.
#include "panic/core/utf8.h"

#include <gtest/gtest.h>

#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "support/test_support.h"

namespace panic {
namespace {

TEST(Utf8Test, DecodesWellFormedText) {
  EXPECT_EQ(DecodeUtf8(""), U"");
  EXPECT_EQ(DecodeUtf8("hA~"), U"hA~");
  EXPECT_EQ(DecodeUtf8("a\xC3\xA9\xE2\x96\x81\xF0\x9F\x98\x80"), U"aé▁😀");
  EXPECT_EQ(DecodeUtf8("h\u00e9\u65e5\U0001F427\U0010FFFF"), U"h\u00e9\u65e5\U0001F427\U0010FFFF");
}

TEST(Utf8Test, ReplacesEachMaximalIllFormedSubpart) {
  EXPECT_EQ(DecodeUtf8("a\xFF" "b"), U"a\uFFFDb");
  EXPECT_EQ(DecodeUtf8("a\x80z"), U"a\uFFFDz");                            // stray continuation byte
  EXPECT_EQ(DecodeUtf8("\xC3"), U"\uFFFD");                                // truncated at the end
  EXPECT_EQ(DecodeUtf8("\xE2\x96z"), U"\uFFFDz");                          // truncated 3-byte sequence
  EXPECT_EQ(DecodeUtf8("\xF0\x9F\x98"), U"\uFFFD");                        // cut at the end
  EXPECT_EQ(DecodeUtf8("\xC0\xAF"), U"\uFFFD\uFFFD");                      // overlong
  EXPECT_EQ(DecodeUtf8("\xED\xA0\x80"), U"\uFFFD\uFFFD\uFFFD");            // encoded surrogate
  EXPECT_EQ(DecodeUtf8("\xF4\x90\x80\x80"), U"\uFFFD\uFFFD\uFFFD\uFFFD");  // above U+10FFFF
}

TEST(Utf8Test, EncodeInvertsDecodeOnWellFormedText) {
  const std::string text = "caf\u00e9 \u65e5\u672c \U0001F427 \U0010FFFF \x7F";
  EXPECT_EQ(EncodeUtf8(DecodeUtf8(text)), text);
  std::string one;
  AppendUtf8(U'\u20AC', one);
  EXPECT_EQ(one, "\xE2\x82\xAC");
}

// Python's decoder with errors="replace" follows the same Unicode recommendation: it is
// the oracle for byte strings built from the pieces that trip decoders up.
TEST(Utf8Test, AgreesWithPythonOnRandomBytes) {
  if (!testing::HaveSystemNumpy()) GTEST_SKIP() << "/usr/bin/python3 is needed as the oracle";
  const std::vector<std::string> pieces = {"a", "\x80", "\xBF", "\xC2", "\xC0", "\xDF", "\xE0", "\xE0\xA0", "\xED",
                                           "\xED\x9F", "\xED\xA0", "\xEF\xBF", "\xF0", "\xF0\x90", "\xF0\x8F",
                                           "\xF4", "\xF4\x8F\xBF", "\xF4\x90", "\xF5", "\xFF", "\xC3\xA9", "\xE2\x82\xAC",
                                           "\xF0\x9F\x98\x80", "z"};
  std::mt19937 rng(7);
  testing::TempDir dir;
  std::string hex_lines;
  std::vector<std::string> inputs;
  for (int i = 0; i < 400; ++i) {
    std::string s;
    const int n = static_cast<int>(rng() % 8);
    for (int k = 0; k < n; ++k) s += pieces[rng() % pieces.size()];
    inputs.push_back(s);
    static const char* kHex = "0123456789abcdef";
    for (unsigned char c : s) hex_lines += std::string{kHex[c >> 4], kHex[c & 15]};
    hex_lines += "\n";
  }
  testing::WriteFile(dir.File("in.txt"), hex_lines);
  auto r = testing::RunShell(
      "/usr/bin/python3 -c 'import sys\nfor l in open(sys.argv[1]):\n"
      "    print(\" \".join(str(ord(c)) for c in bytes.fromhex(l.strip()).decode(\"utf-8\", \"replace\")))' " +
      dir.File("in.txt"));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  std::istringstream lines(r.out);
  std::string line;
  for (const std::string& input : inputs) {
    ASSERT_TRUE(std::getline(lines, line));
    std::u32string expected;
    std::istringstream cps(line);
    for (unsigned long cp; cps >> cp;) expected.push_back(static_cast<char32_t>(cp));
    EXPECT_EQ(DecodeUtf8(input), expected) << "input bytes (hex line) " << input.size();
  }
}

}  // namespace
}  // namespace panic
