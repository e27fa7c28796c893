// The USELite tokenizer: NFKC, the unigram Viterbi with the JavaScript reference's quirks,
// and token ids identical to the reference for every fixture text (UTF-8 decoding is
// tested in tests/core/utf8_test.cpp).
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "panic/models/native/model_dir.h"
#include "panic/models/native/sentencepiece_tokenizer.h"
#include "panic/models/native/unicode_nfkc.h"
#include "support/test_support.h"

namespace panic::models::native {
namespace {

std::u32string Nfkc(const std::u32string& s) { return NfkcNormalize(s); }

TEST(Nfkc, AsciiIsUnchanged) { EXPECT_EQ(Nfkc(U"Hello, world! 123"), U"Hello, world! 123"); }

TEST(Nfkc, AppliesCompatibilityDecompositions) {
  EXPECT_EQ(Nfkc(U"ﬁ"), U"fi");
  EXPECT_EQ(Nfkc(U"Ｆ１"), U"F1");
  EXPECT_EQ(Nfkc(U"x²"), U"x2");
  EXPECT_EQ(Nfkc(U"\u00A0\u3000"), U"  ");
  EXPECT_EQ(Nfkc(U"½"), U"1\u20442");
  EXPECT_EQ(Nfkc(U"㎏"), U"kg");
}

TEST(Nfkc, ComposesCanonicalSequences) {
  EXPECT_EQ(Nfkc(U"e\u0301"), U"é");
  EXPECT_EQ(Nfkc(U"\u212B"), U"Å");  // singleton: Angstrom sign
  EXPECT_EQ(Nfkc(U"a\u0323\u0302"), U"ậ");
  EXPECT_EQ(Nfkc(U"a\u0302\u0323"), U"ậ");  // reordered by combining class first
  EXPECT_EQ(Nfkc(U"u\u0308\u0304"), U"ǖ");
  EXPECT_EQ(Nfkc(U"u\u0304\u0308"), U"ṻ");  // same class: order kept
}

TEST(Nfkc, HangulByFormula) {
  EXPECT_EQ(Nfkc(U"\u1100\u1161\u11A8"), U"각");
  EXPECT_EQ(Nfkc(U"각"), U"각");
}

TEST(Nfkc, ExclusionsStayDecomposed) {
  EXPECT_EQ(Nfkc(U"\u0958"), U"\u0915\u093C");  // Devanagari QA is a composition exclusion
}

// A small vocabulary that exercises the quirks one by one.
UnigramTokenizer SmallTokenizer() {
  const char* vocab = R"([["\ufffd",0],["<s>",0],["</s>",0],["x1",0],["x2",0],["x3",0],
    ["\u2581",-2.0],["a",-1.0],["b",-1.0],["ab",-1.5],["\u2581a",-1.0],["c",null],["cc",-5.0],
    ["ab",-0.5]])";
  auto t = UnigramTokenizer::FromJson(vocab);
  EXPECT_TRUE(t.ok()) << t.status().ToString();
  return std::move(t).value();
}

TEST(UnigramTokenizer, EmptyTextHasNoTokens) { EXPECT_TRUE(SmallTokenizer().Encode("").empty()); }

TEST(UnigramTokenizer, PrefixesWordBoundaryAndPicksBestPath) {
  // "▁ab": ▁a + b = −2.0; ▁ + ab (the later duplicate, −0.5) = −2.5; ▁ + a + b = −4.
  EXPECT_EQ(SmallTokenizer().Encode("ab"), (std::vector<int32_t>{10, 8}));
}

TEST(UnigramTokenizer, NullScoreCountsAsZero) {
  // "▁cc": ▁ + c + c = −2 + 0 + 0 beats ▁ + cc = −7.
  EXPECT_EQ(SmallTokenizer().Encode("cc"), (std::vector<int32_t>{6, 11, 11}));
}

TEST(UnigramTokenizer, UnknownRunsCollapse) {
  // "▁a" then "zz" (no piece) then "b": the two unknowns become one 0.
  EXPECT_EQ(SmallTokenizer().Encode("azzb"), (std::vector<int32_t>{10, 0, 8}));
  // Spaces become ▁; other whitespace is unknown.
  EXPECT_EQ(SmallTokenizer().Encode("a a\tb"), (std::vector<int32_t>{10, 10, 0, 8}));
}

TEST(UnigramTokenizer, RejectsMalformedVocabulary) {
  EXPECT_FALSE(UnigramTokenizer::FromJson("{}").ok());
  EXPECT_FALSE(UnigramTokenizer::FromJson(R"([["a",0],["b",0],["c",0],["d",0],["e",0],["f",0],["g"]])").ok());
  EXPECT_FALSE(UnigramTokenizer::FromJson("not json").ok());
}

// The real vocabulary against the JavaScript reference (tests/fixtures/use_lite/).
TEST(UnigramTokenizer, IdsMatchTheJavaScriptReferenceForEveryFixtureText) {
  auto dir = FindNpmModelDir(kUseLitePackage, "dist", "vocab.json");
  ASSERT_TRUE(dir.ok()) << dir.status().message()
                        << "\nRun scripts/fetch_models.sh (scripts/setup.sh runs it) to fetch the model.";
  auto tokenizer = UnigramTokenizer::LoadFile(*dir / "vocab.json");
  ASSERT_TRUE(tokenizer.ok()) << tokenizer.status().ToString();
  EXPECT_EQ(tokenizer->vocab_size(), 8000u);

  const auto fixture =
      nlohmann::json::parse(testing::ReadFile(testing::SourcePath("tests/fixtures/use_lite/reference.json")));
  const auto& cases = fixture.at("cases");
  ASSERT_GE(cases.size(), 50u);
  for (const auto& c : cases) {
    const std::string text = c.at("text").get<std::string>();
    const auto expected = c.at("token_ids").get<std::vector<int32_t>>();
    EXPECT_EQ(tokenizer->Encode(text), expected) << "text: " << nlohmann::json(text).dump();
  }
}

}  // namespace
}  // namespace panic::models::native
