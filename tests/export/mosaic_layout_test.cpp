// The mosaic layout: golden cell positions for fixed shapes, and the invariants every
// layout keeps (square cells, equal gutters, inside the frame, no overlaps).
#include "panic/export/mosaic_layout.h"

#include <gtest/gtest.h>

namespace panic::exporting {
namespace {

// Horizontal and vertical gaps between neighbouring cells all equal the gutter.
void ExpectInvariants(const MosaicLayout& l, const MosaicShape& shape) {
  ASSERT_EQ(l.images.size(), static_cast<size_t>(shape.prompts) * shape.networks * shape.runs_per_group);
  for (size_t i = 0; i < l.images.size(); ++i) {
    const Rect& a = l.images[i];
    EXPECT_EQ(a.w, a.h) << "cell " << i << " is not square";
    EXPECT_EQ(a.w, l.cell);
    EXPECT_EQ(l.captions[i].y, a.y + a.h) << "caption right beneath the image";
    EXPECT_GE(a.x, l.gutter);
    EXPECT_GE(a.y, l.gutter);
    EXPECT_LE(a.x + a.w, l.width - l.gutter);
    EXPECT_LE(l.captions[i].y + l.captions[i].h, l.progress_bar.y - l.gutter);
    for (size_t j = 0; j < l.images.size(); ++j) {
      if (i == j) continue;
      const Rect& b = l.images[j];
      const int bottom_a = a.y + a.h + l.caption_height;
      const int bottom_b = b.y + b.h + l.caption_height;
      const bool apart = a.x + a.w <= b.x || b.x + b.w <= a.x || bottom_a <= b.y || bottom_b <= a.y;
      EXPECT_TRUE(apart) << "cells " << i << " and " << j << " overlap";
      // The right neighbour in the same row sits exactly one gutter away, or further by whole pitches.
      if (b.y == a.y && b.x > a.x) {
        EXPECT_EQ((b.x - a.x) % (l.cell + l.gutter), 0);
      }
      if (b.x == a.x && b.y > a.y) {
        EXPECT_EQ((b.y - a.y) % (l.cell + l.caption_height + l.gutter), 0);
      }
    }
  }
  for (const Rect& r : l.prompt_labels) EXPECT_GT(r.w * r.h, 0);
  for (const Rect& r : l.network_labels) EXPECT_GT(r.w * r.h, 0);
}

TEST(MosaicLayoutTest, GoldenTwoPromptsTwoNetworksThreeRunsHd) {
  MosaicShape shape{2, 2, 3};
  auto l = ComputeMosaicLayout(shape, 1920, 1080);
  ASSERT_TRUE(l.ok()) << l.status().message();
  // Width-bound: 6 columns of (1697 − 5·4) / 6 → 279 px in the 1697 px the labels leave.
  EXPECT_EQ(l->gutter, 4);
  EXPECT_EQ(l->cell, 279);
  EXPECT_EQ(l->caption_height, 61);
  EXPECT_TRUE(l->prompts_on_rows);
  EXPECT_EQ(l->group_rows, 1);
  EXPECT_EQ(l->group_cols, 3);
  // Prompt 0, network 0, run 0 and prompt 1, network 1, run 2; the block centred.
  EXPECT_EQ(l->images[0], (Rect{220, 218, 279, 279}));
  EXPECT_EQ(l->images[11], (Rect{1635, 562, 279, 279}));
  EXPECT_EQ(l->captions[0], (Rect{220, 497, 279, 61}));
  EXPECT_EQ(l->prompt_labels[1], (Rect{4, 562, 212, 340}));
  EXPECT_EQ(l->network_labels[1], (Rect{1069, 164, 845, 50}));
  EXPECT_EQ(l->progress_bar, (Rect{4, 1067, 1912, 9}));
  ExpectInvariants(*l, shape);
}

TEST(MosaicLayoutTest, GoldenFortyEightRunsHd) {
  // 4 prompts × 2 networks × 6 seeds, the benchmark's experiment.
  MosaicShape shape{4, 2, 6};
  auto l = ComputeMosaicLayout(shape, 1920, 1080);
  ASSERT_TRUE(l.ok()) << l.status().message();
  // 4 rows × 12 columns (each group one row of 6) beats 8 × 6 (100 px cells).
  EXPECT_EQ(l->cell, 137);
  EXPECT_EQ(l->group_rows, 1);
  EXPECT_EQ(l->group_cols, 6);
  EXPECT_EQ(l->images[0], (Rect{223, 220, 137, 137}));
  EXPECT_EQ(l->images[47], (Rect{1774, 733, 137, 137}));
  EXPECT_EQ(l->captions[0], (Rect{223, 357, 137, 30}));
  EXPECT_EQ(l->prompt_labels[1], (Rect{4, 391, 215, 167}));
  EXPECT_EQ(l->network_labels[1], (Rect{1069, 166, 842, 50}));
  ExpectInvariants(*l, shape);
}

TEST(MosaicLayoutTest, InvariantsAcrossShapesAndResolutions) {
  for (auto [w, h] : {std::pair{1920, 1080}, {3840, 2160}, {7680, 4320}}) {
    for (MosaicShape shape : {MosaicShape{1, 1, 1}, {1, 1, 48}, {3, 1, 5}, {1, 7, 2}, {5, 3, 4}, {12, 2, 1}}) {
      auto l = ComputeMosaicLayout(shape, w, h);
      ASSERT_TRUE(l.ok()) << l.status().message();
      SCOPED_TRACE(std::to_string(w) + " " + std::to_string(shape.prompts) + "×" + std::to_string(shape.networks) +
                   "×" + std::to_string(shape.runs_per_group));
      ExpectInvariants(*l, shape);
    }
  }
}

TEST(MosaicLayoutTest, OneRunFillsTheHeight) {
  auto l = ComputeMosaicLayout({1, 1, 1}, 1920, 1080);
  ASSERT_TRUE(l.ok());
  // Height-bound: the image and its caption take what the labels and the bar leave.
  EXPECT_GT(l->cell, 700);
  EXPECT_LE(l->cell + l->caption_height, 1080 - 50 - 9 - 4 * 4);
}

TEST(MosaicLayoutTest, TooManyRunsSaysHowManyFit) {
  auto l = ComputeMosaicLayout({100, 2, 6}, 1920, 1080);
  ASSERT_FALSE(l.ok());
  EXPECT_EQ(l.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(l.status().message().find("1200 runs"), std::string::npos) << l.status().message();
  EXPECT_NE(l.status().message().find("at most 722 runs fit"), std::string::npos) << l.status().message();
  EXPECT_TRUE(ComputeMosaicLayout({100, 2, 6}, 7680, 4320).ok());
}

TEST(MosaicLayoutTest, RejectsEmptyShapesAndUnknownResolutions) {
  EXPECT_FALSE(ComputeMosaicLayout({0, 1, 1}, 1920, 1080).ok());
  EXPECT_FALSE(ComputeMosaicLayout({1, 1, 1}, 100, 50).ok());
  EXPECT_TRUE(ParseResolution("4k").ok());
  EXPECT_EQ(ParseResolution("4K").status().code(), StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace panic::exporting
