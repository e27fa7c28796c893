// Small deterministic models for engine tests, with knobs to count calls and fail.
#pragma once

#include <atomic>
#include <mutex>
#include <set>

#include "panic/models/registry.h"

namespace panic::engine::testing {

// Text → solid 8×8 image whose red channel is 40 × (text length mod 5).
class LengthT2I : public models::GenAIModel {
 public:
  LengthT2I() : info_{"LengthT2I", models::ModelKind::kTextToImage, models::Modality::kText, models::Modality::kImage, 0, "test", "", 0} {}
  const models::ModelInfo& info() const override { return info_; }
  Result<std::vector<models::Payload>> InvokeBatch(std::span<const models::Payload> in,
                                                   std::span<const int64_t>) override {
    {
      std::lock_guard<std::mutex> l(mu);
      batch_sizes.push_back(in.size());
    }
    std::vector<models::Payload> out;
    for (const auto& p : in) out.push_back(Apply(std::get<std::string>(p)));
    return out;
  }
  static RgbImage Apply(const std::string& text) {
    return RgbImage::Solid(8, 8, static_cast<uint8_t>(40 * (text.size() % 5)), 10, 20);
  }
  std::mutex mu;
  std::vector<size_t> batch_sizes;

 private:
  models::ModelInfo info_;
};

// Image → a caption whose length depends on the red channel and the seed; fails for
// seeds in `fail_seeds` while `failing` is set.
class RedI2T : public models::GenAIModel {
 public:
  RedI2T() : info_{"RedI2T", models::ModelKind::kImageToText, models::Modality::kImage, models::Modality::kText, 0, "test", "", 0} {}
  const models::ModelInfo& info() const override { return info_; }
  Result<std::vector<models::Payload>> InvokeBatch(std::span<const models::Payload> in,
                                                   std::span<const int64_t> seeds) override {
    ++calls;
    std::vector<models::Payload> out;
    for (size_t i = 0; i < in.size(); ++i) {
      if (failing && fail_seeds.count(seeds[i])) return Status::ModelFailed("RedI2T: injected failure");
      out.push_back(Apply(std::get<RgbImage>(in[i]), seeds[i]));
    }
    return out;
  }
  static std::string Apply(const RgbImage& img, int64_t seed) {
    int red = img.pixels[0];
    int n = static_cast<int>((red / 40 * 3 + 1 + (seed < 0 ? 0 : seed)) % 7);
    return "caption " + std::string(static_cast<size_t>(n), 'x');
  }
  std::atomic<bool> failing{false};
  std::set<int64_t> fail_seeds;
  std::atomic<int> calls{0};

 private:
  models::ModelInfo info_;
};

// Text → a 4-value vector of its length and bytes; a call fails (as a batch) while any of
// its inputs is in `fail_texts` and `failing` is set.
class FlakyTextEmbedding : public models::EmbeddingModel {
 public:
  FlakyTextEmbedding()
      : info_{"FlakyText", models::ModelKind::kTextEmbedding, models::Modality::kText, models::Modality::kText, 4,
              "test", "", 0} {}
  const models::ModelInfo& info() const override { return info_; }
  Result<std::vector<std::vector<float>>> EmbedBatch(std::span<const models::Payload> in) override {
    ++calls;
    std::vector<std::vector<float>> out;
    for (const auto& p : in) {
      const auto& text = std::get<std::string>(p);
      if (failing && fail_texts.count(text)) return Status::ModelFailed("FlakyText: injected failure");
      out.push_back(Apply(text));
    }
    return out;
  }
  static std::vector<float> Apply(const std::string& text) {
    return {static_cast<float>(text.size()), static_cast<float>(text.empty() ? 0 : text[0]),
            static_cast<float>(text.empty() ? 0 : text.back()), 1.0f};
  }
  std::atomic<bool> failing{false};
  std::set<std::string> fail_texts;
  std::atomic<int> calls{0};

 private:
  models::ModelInfo info_;
};

}  // namespace panic::engine::testing
