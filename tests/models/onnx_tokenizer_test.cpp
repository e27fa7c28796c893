// The ONNX backend's tokenizer.json reader (models/onnx/hf_tokenizer.h) against Hugging
// Face's own tokenizers library (Rust): tests/fixtures/onnx/tokenizer_reference.json holds
// the ids and decoded texts it gives for tokenizer_texts.json (79 texts: captions, Unicode
// of many scripts, emoji, contractions, special tokens in the text, over-long words), for
// bert-base-uncased's WordPiece, a CLIP-format and a GPT-2-format byte-level BPE, and the
// SentencePiece unigram of USELite as tools/onnx/use_lite_to_onnx.py exports it
// (tools/onnx/gen_tokenizer_fixture.sh regenerates them).
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "models/onnx_test_support.h"
#include "panic/models/onnx/onnx_session.h"
#include "panic/models/onnx/hf_tokenizer.h"
#include "support/test_support.h"

namespace panic::models::onnx {
namespace {

using nlohmann::json;

const json& Reference() {
  static const json ref = json::parse(testing::ReadFile(testing::SourcePath("tests/fixtures/onnx/tokenizer_reference.json")));
  return ref;
}

std::shared_ptr<const HfTokenizer> LoadFixture(const std::string& name) {
  auto tok = HfTokenizer::LoadFile(testing::SourcePath("tests/fixtures/onnx/" + name + ".tokenizer.json"));
  EXPECT_TRUE(tok.ok()) << tok.status().ToString();
  return tok.ok() ? *tok : nullptr;
}

// Every reference text: ids with and without special tokens, and (unless skipped) the decoding.
void ExpectMatchesReference(const HfTokenizer& tok, const std::string& name, bool check_decode) {
  const json& cases = Reference()["tokenizers"][name];
  ASSERT_EQ(cases.size(), 79u);
  int same = 0;
  for (const auto& c : cases) {
    const std::string text = c["text"].get<std::string>();
    const auto ids = tok.Encode(text, /*add_special_tokens=*/true);
    const auto plain = tok.Encode(text, /*add_special_tokens=*/false);
    EXPECT_EQ(ids, c["ids"].get<std::vector<int64_t>>()) << name << ": " << text;
    EXPECT_EQ(plain, c["ids_without_special"].get<std::vector<int64_t>>()) << name << ": " << text;
    if (check_decode) {
      EXPECT_EQ(tok.Decode(plain), c["decoded"].get<std::string>()) << name << ": " << text;
    }
    same += ids == c["ids"].get<std::vector<int64_t>>();
  }
  EXPECT_EQ(same, 79) << name;
}

TEST(OnnxTokenizer, BertWordPieceMatchesHuggingFace) {
  auto tok = LoadFixture("bert");
  ASSERT_TRUE(tok);
  ExpectMatchesReference(*tok, "bert", /*check_decode=*/true);
  EXPECT_EQ(tok->PaddingId(), 0);
  EXPECT_EQ(tok->TokenId("[CLS]"), 101);
}

TEST(OnnxTokenizer, ClipBpeMatchesHuggingFace) {
  auto tok = LoadFixture("clip");
  ASSERT_TRUE(tok);
  ExpectMatchesReference(*tok, "clip", /*check_decode=*/true);
}

TEST(OnnxTokenizer, Gpt2ByteLevelBpeMatchesHuggingFace) {
  auto tok = LoadFixture("gpt2");
  ASSERT_TRUE(tok);
  ExpectMatchesReference(*tok, "gpt2", /*check_decode=*/true);
}

TEST(OnnxTokenizer, UseLiteUnigramMatchesHuggingFace) {
  const auto& dir = UseLiteOnnxDir();
  ASSERT_FALSE(dir.empty()) << "the USELite export failed (see the test log)";
  auto tok = HfTokenizer::LoadFile(dir / "tokenizer.json");
  ASSERT_TRUE(tok.ok()) << tok.status().ToString();
  ExpectMatchesReference(**tok, "use_lite", /*check_decode=*/false);
}

TEST(OnnxTokenizer, TruncationKeepsTheSpecialTokens) {
  auto tok = LoadFixture("bert");
  ASSERT_TRUE(tok);
  const auto ids = tok->Encode("a cat sitting on a red sofa next to a window", true, 5);
  EXPECT_EQ(ids, (std::vector<int64_t>{101, 1037, 4937, 3564, 102}));
  auto clip = LoadFixture("clip");
  ASSERT_TRUE(clip);
  const auto clipped = clip->Encode("a cat sitting on a red sofa", true, 4);
  ASSERT_EQ(clipped.size(), 4u);
  EXPECT_EQ(clipped.front(), *clip->TokenId("<|startoftext|>"));
  EXPECT_EQ(clipped.back(), *clip->TokenId("<|endoftext|>"));
}

// "___" has two paths of equal score, "_" "__" and "__" "_" (the same pieces in another
// order): the `tokenizers` library keeps the first found, a manifest may ask for the last.
TEST(OnnxTokenizer, UnigramTieRuleIsTheLibrarysUnlessTheManifestSaysLast) {
  const std::string json = R"({"model": {"type": "Unigram", "unk_id": 0,
      "vocab": [["<unk>", 0], ["_", -1.5], ["__", -2.25]]}})";
  auto first = HfTokenizer::FromJson(json, "t.json");
  auto last = HfTokenizer::FromJson(json, "t.json", {.unigram_ties_to_last = true});
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  ASSERT_TRUE(last.ok()) << last.status().ToString();
  EXPECT_EQ((*first)->Encode("___", false), (std::vector<int64_t>{1, 2}));
  EXPECT_EQ((*last)->Encode("___", false), (std::vector<int64_t>{2, 1}));
  // Without a tie both rules agree: "__" alone outscores "_" "_".
  EXPECT_EQ((*first)->Encode("__", false), (*last)->Encode("__", false));
}

TEST(OnnxTokenizer, UnsupportedOrMalformedFilesAreClearErrors) {
  auto bad = HfTokenizer::FromJson(R"({"model": {"type": "WordLevel", "vocab": {}}})", "t.json");
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("t.json"), std::string::npos) << bad.status().message();
  EXPECT_NE(bad.status().message().find("WordLevel"), std::string::npos);
  auto regex = HfTokenizer::FromJson(
      R"({"pre_tokenizer": {"type": "Split", "pattern": {"Regex": "\\d+"}, "behavior": "Isolated", "invert": false},
          "model": {"type": "BPE", "vocab": {"a": 0}, "merges": []}})",
      "t.json");
  ASSERT_FALSE(regex.ok());
  EXPECT_NE(regex.status().message().find("Split"), std::string::npos);
  EXPECT_FALSE(HfTokenizer::FromJson("{not json", "t.json").ok());
  EXPECT_FALSE(HfTokenizer::FromJson(R"({"model": {"type": "BPE", "vocab": {"a": 0}, "merges": ["a b"]}})", "t.json").ok());
  EXPECT_FALSE(HfTokenizer::FromJson(R"({"model": {"type": "Unigram", "vocab": [["a", "x"]], "unk_id": 0}})", "t.json").ok());
  EXPECT_FALSE(HfTokenizer::FromJson(R"({"model": {"type": "WordPiece", "vocab": {"a": 0}}})", "t.json").ok());
  EXPECT_FALSE(HfTokenizer::FromJson(R"({"model": {"type": "WordPiece", "vocab": {"a": "zero"}}})", "t.json").ok());
  auto missing = HfTokenizer::LoadFile("/nonexistent/tokenizer.json");
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.status().code(), StatusCode::kNotFound);
}

}  // namespace
}  // namespace panic::models::onnx
