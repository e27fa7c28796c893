// Outside bytes into the ONNX backend's readers: random texts through every tokenizer,
// random ids through the decoders, and randomly damaged tokenizer.json and manifest.json
// files — each gives a result or an error, never a crash (run under ASan/UBSan in the
// sanitizer build). Byte-level BPE must also give back exactly the text it was given.
#include <gtest/gtest.h>

#include <random>

#include <nlohmann/json.hpp>

#include "panic/models/onnx/hf_tokenizer.h"
#include "panic/models/onnx/manifest.h"
#include "support/test_support.h"

namespace panic::models::onnx {
namespace {

std::string Fixture(const std::string& name) {
  return testing::ReadFile(testing::SourcePath("tests/fixtures/onnx/" + name));
}

std::string RandomBytes(std::mt19937& rng, size_t max_len) {
  std::string s(rng() % (max_len + 1), '\0');
  for (char& c : s) {
    // Mostly ASCII and UTF-8 lead/continuation bytes, so that many strings are (nearly) valid.
    const uint32_t r = rng();
    c = static_cast<char>(r % 4 == 0 ? 0x80 + (r >> 8) % 0x80 : r % 4 == 1 ? 0xC2 + (r >> 8) % 0x2E : 0x20 + (r >> 8) % 0x5F);
  }
  return s;
}

// Damages `text`: overwrites, deletes or duplicates a few bytes, or truncates it.
std::string Damage(std::mt19937& rng, std::string text) {
  const int edits = 1 + static_cast<int>(rng() % 4);
  for (int e = 0; e < edits && !text.empty(); ++e) {
    const size_t at = rng() % text.size();
    switch (rng() % 4) {
      case 0: text[at] = static_cast<char>(rng()); break;
      case 1: text.erase(at, 1 + rng() % 8); break;
      case 2: text.insert(at, text.substr(at, 1 + rng() % 8)); break;
      default: text.resize(at); break;
    }
  }
  return text;
}

TEST(OnnxRobustness, RandomTextsAndIdsThroughEveryTokenizer) {
  std::mt19937 rng(17);
  for (const char* name : {"bert", "clip", "gpt2"}) {
    auto tok = HfTokenizer::FromJson(Fixture(std::string(name) + ".tokenizer.json"), name);
    ASSERT_TRUE(tok.ok()) << tok.status().ToString();
    for (int i = 0; i < 1500; ++i) {
      const std::string text = RandomBytes(rng, 48);
      const auto ids = (*tok)->Encode(text, true, static_cast<int>(rng() % 20));
      for (int64_t id : ids) EXPECT_TRUE((*tok)->Decode(std::vector<int64_t>{id}).size() < 1000);
      std::vector<int64_t> random_ids(rng() % 12);
      for (auto& id : random_ids) id = static_cast<int64_t>(rng() % 70000) - 5;
      (void)(*tok)->Decode(random_ids);
    }
  }
}

TEST(OnnxRobustness, ByteLevelBpeGivesBackTheText) {
  auto tok = HfTokenizer::FromJson(Fixture("gpt2.tokenizer.json"), "gpt2");
  ASSERT_TRUE(tok.ok());
  const auto texts = nlohmann::json::parse(Fixture("tokenizer_texts.json")).get<std::vector<std::string>>();
  for (const auto& t : texts) {
    if (t.find("<|endoftext|>") != std::string::npos) continue;  // a special token: decoding leaves it out
    EXPECT_EQ((*tok)->Decode((*tok)->Encode(t, false)), t);
  }
}

TEST(OnnxRobustness, DamagedTokenizerFilesAreErrorsOrWork) {
  std::mt19937 rng(23);
  for (const char* name : {"bert", "clip", "gpt2"}) {
    const std::string good = Fixture(std::string(name) + ".tokenizer.json");
    int refused = 0;
    for (int i = 0; i < 150; ++i) {
      auto tok = HfTokenizer::FromJson(Damage(rng, good), name);
      if (!tok.ok()) {
        ++refused;
        EXPECT_EQ(tok.status().code(), StatusCode::kInvalidArgument);
        continue;
      }
      (void)(*tok)->Encode("a photo of a cat, isn't it? 東京 👩‍👩‍👧", true, 16);
    }
    EXPECT_GT(refused, 0) << name;
  }
}

TEST(OnnxRobustness, DamagedManifestsAreErrorsOrWork) {
  testing::TempDir dir;
  for (const char* f : {"model.onnx", "tokenizer.json"}) testing::WriteFile(dir.File(f), "x");
  const std::string good = R"({"schema": 1, "kind": "text-embedding", "dimension": 384, "max_batch": 32,
    "graphs": {"encoder": "model.onnx"}, "tokenizer": {"file": "tokenizer.json", "max_tokens": 256, "pad_id": 1},
    "embedding": {"output": "last_hidden_state", "pooling": "mean", "normalize": true, "prefix": "q: "}})";
  ASSERT_TRUE(ParseManifest(good, dir.path()).ok());
  std::mt19937 rng(29);
  for (int i = 0; i < 500; ++i) {
    auto m = ParseManifest(Damage(rng, good), dir.path());
    if (!m.ok()) {
      EXPECT_EQ(m.status().code(), StatusCode::kInvalidArgument) << m.status().ToString();
    }
  }
}

}  // namespace
}  // namespace panic::models::onnx
