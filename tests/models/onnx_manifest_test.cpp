// The ONNX model manifest (models/onnx/manifest.h): a good one of each kind parses; every
// kind of mistake is an InvalidArgument naming the file and the field.
#include <gtest/gtest.h>

#include <fstream>

#include "panic/models/onnx/manifest.h"
#include "support/test_support.h"

namespace panic::models::onnx {
namespace {

class ManifestTest : public ::testing::Test {
 protected:
  void SetUp() override {
    for (const char* f : {"model.onnx", "tokenizer.json", "unet.onnx", "vae.onnx", "text.onnx", "dec.onnx"}) {
      testing::WriteFile(dir_.File(f), "x");
    }
  }
  Result<Manifest> Parse(const std::string& text) { return ParseManifest(text, dir_.path()); }
  std::string Error(const std::string& text) {
    auto m = Parse(text);
    EXPECT_FALSE(m.ok()) << text;
    if (m.ok()) return "";
    EXPECT_EQ(m.status().code(), StatusCode::kInvalidArgument);
    EXPECT_NE(m.status().message().find((dir_.path() / "manifest.json").string()), std::string::npos) << m.status().message();
    return m.status().message();
  }
  testing::TempDir dir_;
};

const char* kText = R"({"schema": 1, "kind": "text-embedding", "dimension": 384, "max_batch": 32,
  "graphs": {"encoder": "model.onnx"}, "tokenizer": {"file": "tokenizer.json", "max_tokens": 256},
  "embedding": {"output": "last_hidden_state", "pooling": "mean", "normalize": true}})";

TEST_F(ManifestTest, ParsesEachKind) {
  auto text = Parse(kText);
  ASSERT_TRUE(text.ok()) << text.status().ToString();
  EXPECT_EQ(text->kind, ModelKind::kTextEmbedding);
  EXPECT_EQ(text->dimension, 384);
  EXPECT_EQ(text->graphs.at("encoder"), dir_.path() / "model.onnx");
  EXPECT_EQ(text->tokenizer->max_tokens, 256);
  const ModelInfo info = text->Info();
  EXPECT_EQ(info.name, dir_.path().filename().string());
  EXPECT_EQ(info.backend, "onnx");
  EXPECT_EQ(info.max_batch, 32);

  auto t2i = Parse(R"({"schema": 1, "kind": "text-to-image",
    "graphs": {"text_encoder": "text.onnx", "unet": "unet.onnx", "vae_decoder": "vae.onnx"},
    "tokenizer": {"file": "tokenizer.json", "max_tokens": 77},
    "diffusion": {"steps": 4, "guidance_scale": 0, "width": 512, "height": 512}})");
  ASSERT_TRUE(t2i.ok()) << t2i.status().ToString();
  EXPECT_EQ(t2i->Info().input, Modality::kText);
  EXPECT_EQ(t2i->Info().output, Modality::kImage);
  EXPECT_EQ(t2i->diffusion.steps, 4);
  EXPECT_EQ(t2i->diffusion.scheduler, Scheduler::kEulerAncestral);

  auto i2t = Parse(R"({"schema": 1, "kind": "image-to-text", "graphs": {"encoder": "model.onnx", "decoder": "dec.onnx"},
    "tokenizer": {"file": "tokenizer.json", "max_tokens": 64}, "image": {"resize": 224, "crop": 224},
    "decoding": {"strategy": "beam", "num_beams": 3, "decoder_start_id": 50256, "eos_id": 50256}})");
  ASSERT_TRUE(i2t.ok()) << i2t.status().ToString();
  EXPECT_EQ(i2t->caption.decoding, Decoding::kBeam);
  EXPECT_EQ(i2t->image->crop, 224);
}

TEST_F(ManifestTest, MistakesNameTheField) {
  EXPECT_NE(Error("{").find("not valid JSON"), std::string::npos);
  EXPECT_NE(Error(R"({"kind": "text-embedding"})").find("schema is missing"), std::string::npos);
  EXPECT_NE(Error(R"({"schema": 2, "kind": "text-embedding"})").find("schema: 2"), std::string::npos);
  EXPECT_NE(Error(R"({"schema": 1, "kind": "video"})").find("kind: \"video\" is not allowed"), std::string::npos);
  std::string s = kText;
  auto with = [&](const std::string& from, const std::string& to) {
    std::string t = s;
    t.replace(t.find(from), from.size(), to);
    return t;
  };
  EXPECT_NE(Error(with("\"model.onnx\"", "\"missing.onnx\"")).find("graphs.encoder: the file"), std::string::npos);
  EXPECT_NE(Error(with("\"model.onnx\"", "\"../model.onnx\"")).find("inside the model folder"), std::string::npos);
  EXPECT_NE(Error(with("\"dimension\": 384", "\"dimension\": 0")).find("dimension: 0"), std::string::npos);
  EXPECT_NE(Error(with("\"dimension\": 384,", "")).find("dimension is missing"), std::string::npos);
  EXPECT_NE(Error(with("\"mean\"", "\"max\"")).find("embedding.pooling: \"max\""), std::string::npos);
  EXPECT_NE(Error(with("\"max_batch\"", "\"max_bacth\"")).find("max_bacth: unknown key"), std::string::npos);
  EXPECT_NE(Error(with("\"max_tokens\": 256", "\"max_tokens\": \"256\"")).find("tokenizer.max_tokens"), std::string::npos);
  EXPECT_NE(Error(with("\"encoder\"", "\"unet\"")).find("graphs.encoder is missing"), std::string::npos);
  EXPECT_NE(Error(with("\"max_tokens\": 256", "\"max_tokens\": 256, \"unigram_ties\": \"middle\""))
                .find("tokenizer.unigram_ties: \"middle\""),
            std::string::npos);
  auto last = Parse(with("\"max_tokens\": 256", "\"max_tokens\": 256, \"unigram_ties\": \"last\""));
  ASSERT_TRUE(last.ok()) << last.status().ToString();
  EXPECT_TRUE(last->tokenizer->unigram_ties_to_last);
  EXPECT_FALSE(Parse(kText)->tokenizer->unigram_ties_to_last);
}

TEST_F(ManifestTest, LoadManifestReportsAMissingFile) {
  auto m = LoadManifest(dir_.path() / "nowhere");
  ASSERT_FALSE(m.ok());
  EXPECT_EQ(m.status().code(), StatusCode::kNotFound);
  testing::WriteFile(dir_.File("manifest.json"), kText);
  EXPECT_TRUE(LoadManifest(dir_.path()).ok());
  EXPECT_EQ(ManifestKind(dir_.path()), ModelKind::kTextEmbedding);
}

}  // namespace
}  // namespace panic::models::onnx
