// Mosaic frames from a stored experiment: each cell shows its run's latest image and text
// at every step (text steps included), stopped runs hold their last frame under a mark,
// and an experiment without images is refused.
#include "panic/export/mosaic_video.h"

#include <gtest/gtest.h>

#include "export/export_fixture_helpers.h"
#include "support/test_support.h"

namespace panic::exporting {
namespace {

struct Pixel {
  int r, g, b;
};

Pixel At(cairo_surface_t* s, int x, int y) {
  const auto* row = reinterpret_cast<const uint32_t*>(cairo_image_surface_get_data(s) +
                                                      static_cast<size_t>(y) * cairo_image_surface_get_stride(s));
  uint32_t v = row[x];
  return {static_cast<int>((v >> 16) & 255), static_cast<int>((v >> 8) & 255), static_cast<int>(v & 255)};
}

// Pixels in the rectangle that differ from its first pixel (text drawn on a band).
int Varied(cairo_surface_t* s, const Rect& r) {
  Pixel first = At(s, r.x, r.y);
  int n = 0;
  for (int y = r.y; y < r.y + r.h; ++y) {
    for (int x = r.x; x < r.x + r.w; ++x) {
      Pixel p = At(s, x, y);
      n += p.r != first.r || p.g != first.g || p.b != first.b;
    }
  }
  return n;
}

class MosaicFramesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto opened = store::Database::Open(dir_.File("m.db"), store::OpenMode::kCreate);
    ASSERT_TRUE(opened.ok()) << opened.status().message();
    db_ = std::move(*opened);
  }
  panic::testing::TempDir dir_;
  std::unique_ptr<store::Database> db_;
};

TEST_F(MosaicFramesTest, EveryFrameShowsTheLatestImageAndTextAndStoppedRunsHold) {
  panic::testing::FixtureSpec spec;
  spec.prompts = {panic::testing::HostilePrompts()[0], panic::testing::HostilePrompts()[1]};
  spec.seeds = {7, 8, 9};
  spec.steps = 6;
  spec.stop_after = {{1, 3}};  // run 1 stops after steps 0..2 (duplicate)
  auto fx = panic::testing::BuildExperiment(*db_, spec);
  auto frames = MosaicFrames::Open(*db_, {fx.experiment.id}, 1920, 1080, 2);
  ASSERT_TRUE(frames.ok()) << frames.status().message();
  ASSERT_EQ((*frames)->frame_count(), 6);
  const MosaicLayout& layout = (*frames)->layout();
  // 2 prompts × 1 network × 3 seeds: cell (prompt p, run k) holds the run with that prompt and seed.
  auto cell_of = [&](const store::RunRecord& run) {
    size_t p = run.initial_prompt == spec.prompts[0] ? 0 : 1;
    size_t k = static_cast<size_t>(run.seed - 7);
    return p * 3 + k;
  };
  for (int t = 0; t < 6; ++t) {
    ASSERT_TRUE((*frames)->Next().ok());
    cairo_surface_t* s = (*frames)->surface();
    for (const auto& run : fx.runs) {
      const Rect& img = layout.images[cell_of(run)];
      const int last = run.run_number == 1 ? 2 : 5;
      const int shown_step = std::min(t, last) / 2 * 2;  // images at even steps
      RgbImage expected = panic::testing::FixtureImage(run.run_number, shown_step, 1);
      Pixel p = At(s, img.x + img.w / 2, img.y + img.h / 3);
      SCOPED_TRACE("frame " + std::to_string(t) + " run " + std::to_string(run.run_number));
      if (t > last) {
        // Held under a 45 % black veil, with the vermillion "stopped" band at the bottom.
        EXPECT_NEAR(p.r, expected.pixels[0] * 0.55, 2);
        EXPECT_NEAR(p.g, expected.pixels[1] * 0.55, 2);
        Pixel band = At(s, img.x + 2, img.y + img.h - 2);
        EXPECT_GT(band.r, 150);
        EXPECT_LT(band.b, 60);
      } else {
        EXPECT_EQ(p.r, expected.pixels[0]);
        EXPECT_EQ(p.g, expected.pixels[1]);
        EXPECT_EQ(p.b, expected.pixels[2]);
      }
      // The caption band always carries text: the prompt at step 0, then the latest caption.
      EXPECT_GT(Varied(s, layout.captions[cell_of(run)]), 20);
    }
    // The progress bar fills t / 5 of its width (Okabe–Ito blue).
    const Rect& bar = layout.progress_bar;
    Pixel start = At(s, bar.x + 1, bar.y + bar.h / 2);
    Pixel end = At(s, bar.x + bar.w - 2, bar.y + bar.h / 2);
    if (t > 0) {
      EXPECT_EQ(start.b, 178);
    }
    EXPECT_EQ(end.b == 178, t == 5);
  }
  // Labels are drawn: both prompt labels and the network label hold text pixels.
  cairo_surface_t* s = (*frames)->surface();
  for (const Rect& r : layout.prompt_labels) EXPECT_GT(Varied(s, r), 50);
  EXPECT_GT(Varied(s, layout.network_labels[0]), 50);
}

TEST_F(MosaicFramesTest, CaptionChangesOnTextSteps) {
  panic::testing::FixtureSpec spec;
  spec.prompts = {"one"};
  spec.seeds = {1};
  spec.steps = 4;
  auto fx = panic::testing::BuildExperiment(*db_, spec);
  auto frames = MosaicFrames::Open(*db_, {fx.experiment.id}, 1920, 1080);
  ASSERT_TRUE(frames.ok());
  const Rect cap = (*frames)->layout().captions[0];
  std::vector<RgbImage> captions;
  for (int t = 0; t < 4; ++t) {
    ASSERT_TRUE((*frames)->Next().ok());
    RgbImage all = RgbFromSurface((*frames)->surface());
    RgbImage band{cap.w, cap.h, {}};
    for (int y = cap.y; y < cap.y + cap.h; ++y) {
      band.pixels.insert(band.pixels.end(), all.pixels.begin() + (static_cast<size_t>(y) * all.width + cap.x) * 3,
                         all.pixels.begin() + (static_cast<size_t>(y) * all.width + cap.x + cap.w) * 3);
    }
    captions.push_back(band);
  }
  EXPECT_NE(captions[0], captions[1]);  // the prompt, then caption 0/1
  EXPECT_EQ(captions[1], captions[2]);  // an image step keeps the latest caption
  EXPECT_NE(captions[2], captions[3]);  // caption 0/3
}

TEST_F(MosaicFramesTest, NoImagesIsAClearError) {
  panic::testing::FixtureSpec spec;
  spec.prompts = {"text only"};
  spec.networks = {{"TextModel"}};
  auto fx = panic::testing::BuildExperiment(*db_, spec);
  auto frames = MosaicFrames::Open(*db_, {fx.experiment.id}, 1920, 1080);
  ASSERT_FALSE(frames.ok());
  EXPECT_EQ(frames.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(frames.status().message().find("no images"), std::string::npos) << frames.status().message();
}

TEST_F(MosaicFramesTest, UnknownExperimentIsNotFound) {
  auto frames = MosaicFrames::Open(*db_, {"0190c0de-0000-7000-8000-000000000000"}, 1920, 1080);
  ASSERT_FALSE(frames.ok());
  EXPECT_EQ(frames.status().code(), StatusCode::kNotFound);
}

}  // namespace
}  // namespace panic::exporting
