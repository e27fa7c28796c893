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

}  // namespace panic::engine::testing
