// `export grid --cluster`: the members of a stored cluster in an aspect-aware grid. Golden
// layouts (cell positions and sizes); the tiles checked against the store's own labelled
// steps (clustering::LabelledSteps, an independent query): their labels through pdftotext,
// their count, and each tile's pixels, which the fixture's colours tie to (run, step) — a
// caption's tile shows the image it was made from, an image's tile the image itself.
#include "panic/export/cluster_grid.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <map>

#include "export/export_fixture_helpers.h"
#include "panic/engine/clustering_job.h"
#include "panic/export/cairo_image.h"
#include "panic/export/image_export.h"
#include "panic/store/clustering_table.h"
#include "panic/store/invocations_table.h"
#include "panic/store/runs_table.h"
#include "support/test_support.h"

namespace panic::exporting {
namespace {

using panic::testing::LoadPng;

TEST(GridLayoutTest, GoldenPositionsAndSizes) {
  // 7 square tiles: 4 columns (aspect 2.0 is nearest 16:9 in log terms), 2 rows; 320 px
  // tiles (2048 / 4 clamped to 320); three text lines: a 44 px band.
  const GridLayout g = ComputeGridLayout(7, 1.0, 3);
  EXPECT_EQ(g.cols, 4);
  EXPECT_EQ(g.rows, 2);
  EXPECT_EQ(g.tile_w, 320);
  EXPECT_EQ(g.tile_h, 320);
  EXPECT_EQ(g.label_h, 44);
  EXPECT_EQ(g.width, 12 + 4 * 320 + 3 * 8 + 12);                    // 1328
  EXPECT_EQ(g.height, 12 + 28 + 2 * (320 + 44) + 8 + 12);           // 788
  EXPECT_EQ(g.Image(0), (Rect{12, 40, 320, 320}));
  EXPECT_EQ(g.Image(3), (Rect{12 + 3 * 328, 40, 320, 320}));
  EXPECT_EQ(g.Image(5), (Rect{340, 40 + 372, 320, 320}));
  EXPECT_EQ(g.Label(5), (Rect{340, 40 + 372 + 321, 320, 43}));
  // 12 squares: 5 × 3 (aspect 1.67).
  const GridLayout twelve = ComputeGridLayout(12, 1.0, 1);
  EXPECT_EQ(twelve.cols, 5);
  EXPECT_EQ(twelve.rows, 3);
  EXPECT_EQ(twelve.label_h, 16);
  // Two tall tiles (1:2) side by side, 320 × 640.
  const GridLayout tall = ComputeGridLayout(2, 0.5, 1);
  EXPECT_EQ(tall.cols, 2);
  EXPECT_EQ(tall.tile_h, 640);
  EXPECT_EQ(tall.width, 672);
  EXPECT_EQ(tall.height, 12 + 28 + 640 + 16 + 12);
  // Many tiles: narrower, never under 96 px.
  const GridLayout many = ComputeGridLayout(400, 1.0, 1);
  EXPECT_EQ(many.tile_w, 96);
  EXPECT_EQ(many.cols * many.rows >= 400, true);
  // Tiles never overlap and keep the gutters.
  for (int k = 0; k + 1 < 7; ++k) {
    const Rect a = g.Image(k), b = g.Image(k + 1);
    if (a.y == b.y) {
      EXPECT_EQ(b.x - (a.x + a.w), GridLayout::kGap);
    }
  }
}

// What a cluster's grid must show: the members of runs that make images — the medoid first
// when it is one of them — evenly chosen down to the maximum.
struct Tiles {
  std::vector<std::pair<int64_t, int64_t>> shown;  // (run number, step)
  bool medoid_first = false;
  int64_t members = 0, without_image = 0, with_image = 0;
};

class ClusterGridTest : public ::testing::Test {
 protected:
  void SetUp() override {
    panic::testing::FixtureSpec spec;
    spec.prompts = {panic::testing::HostilePrompts()[0], panic::testing::HostilePrompts()[1]};
    // The second network is text only: its captions are made from text and have no image.
    spec.networks = {{"DummyT2I", "DummyI2T"}, {"DummyT2T"}};
    spec.seeds = {1, 2, 3};
    spec.steps = 12;
    Build(spec);
  }
  void Build(panic::testing::FixtureSpec spec) {
    db_ = store::Database::Open(dir_.File("g.db"), store::OpenMode::kCreate).value();
    spec.embedding_models = {"DummyText", "DummyVision"};
    fx_ = panic::testing::BuildExperiment(*db_, spec);
    panic::testing::AddEmbeddingsAndDiagrams(*db_, fx_);
  }
  std::string Cluster(const std::string& model, bool images) {
    engine::ClusteringJob job;
    job.experiment_ids = {fx_.experiment.id};
    job.model = model;
    job.include_images = images;
    job.parameters.min_cluster_size = 2;
    auto r = engine::RunClusteringJob(*db_, job);
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return r.ok() ? (*r)[0].id : "";
  }
  // The expected grid of a cluster from independent reads (LabelledSteps, the summaries'
  // medoid), by the rules of cluster_grid.h.
  Tiles Want(const std::string& id, int64_t label, int max) {
    Tiles t;
    std::pair<int64_t, int64_t> medoid{-1, -1};
    auto clusters = db_->Read([&](store::SqliteDb& c) { return store::clustering::Clusters(c, id, -1); });
    EXPECT_TRUE(clusters.ok());
    for (const auto& c : *clusters) {
      if (c.label != label) continue;
      auto inv = store::invocations::Get(db_->connection(), c.medoid_invocation_id);
      EXPECT_TRUE(inv.ok());
      auto run = store::runs::Get(db_->connection(), inv->run_id);
      EXPECT_TRUE(run.ok());
      medoid = {run->run_number, inv->sequence_number};
    }
    auto steps = db_->Read([&](store::SqliteDb& c) { return store::clustering::LabelledSteps(c, id, fx_.experiment.id); });
    EXPECT_TRUE(steps.ok());
    std::vector<std::pair<int64_t, int64_t>> candidates;
    for (const auto& s : *steps) {
      if (s.label != label) continue;
      ++t.members;
      if (!HasImages(s.run_number)) {
        ++t.without_image;
      } else if (std::pair<int64_t, int64_t>{s.run_number, s.sequence_number} == medoid) {
        t.medoid_first = true;
      } else {
        candidates.emplace_back(s.run_number, s.sequence_number);
      }
    }
    if (t.medoid_first) candidates.insert(candidates.begin(), medoid);
    t.with_image = static_cast<int64_t>(candidates.size());
    for (size_t k : EvenlyChosen(candidates.size(), static_cast<size_t>(max))) t.shown.push_back(candidates[k]);
    return t;
  }
  bool HasImages(int64_t run_number) const { return fx_.runs[run_number].network.size() > 1; }
  panic::testing::TempDir dir_;
  std::unique_ptr<store::Database> db_;
  panic::testing::Fixture fx_;
};

// Checks the grid of `label` drawn with at most `max` tiles: counts, order, labels, pixels.
void CheckGrid(store::Database& db, const std::string& id, int64_t label, int max, const Tiles& want,
               const std::string& dir) {
  const std::string pdf = dir + "/grid.pdf", png = dir + "/grid.png";
  auto summary = RenderClusterGrid(db, id.substr(0, 13), label, max, pdf);
  ASSERT_TRUE(summary.ok()) << summary.status().ToString();
  EXPECT_EQ(summary->result_id, id);
  EXPECT_EQ(summary->members, want.members);
  EXPECT_EQ(summary->with_image, want.with_image);
  EXPECT_EQ(summary->without_image, want.without_image);
  EXPECT_EQ(summary->shown, static_cast<int64_t>(want.shown.size()));
  const std::string text = panic::testing::PdfText(pdf);
  const std::string what = label < 0 ? "outliers" : "cluster " + std::to_string(label);
  EXPECT_NE(text.find(what + " of clustering " + id.substr(0, 8)), std::string::npos) << text;
  EXPECT_NE(text.find(std::to_string(want.members) + " members"), std::string::npos) << text;
  // One "· step" per tile; the medoid marked when it is shown (first).
  size_t steps = 0;
  for (size_t at = text.find("· step "); at != std::string::npos; at = text.find("· step ", at + 1)) ++steps;
  EXPECT_EQ(steps, want.shown.size()) << text;
  const auto& [run0, step0] = want.shown[0];
  EXPECT_EQ(text.find("medoid · run " + std::to_string(run0) + " · step " + std::to_string(step0)) != std::string::npos,
            want.medoid_first)
      << text;
  if (!want.medoid_first) {
    EXPECT_EQ(text.find("medoid"), std::string::npos) << text;
  }
  for (const auto& [run, step] : want.shown) {
    EXPECT_NE(text.find("run " + std::to_string(run) + " · step " + std::to_string(step)), std::string::npos)
        << run << "/" << step;
  }

  ASSERT_TRUE(RenderClusterGrid(db, id, label, max, png).ok());
  const RgbImage img = LoadPng(png);
  const bool captions = text.find("caption ") != std::string::npos;
  const GridLayout g = ComputeGridLayout(static_cast<int>(want.shown.size()), 1.0, captions ? 3 : 1);
  EXPECT_EQ(img.width, g.width);
  EXPECT_EQ(img.height, g.height);
  for (size_t k = 0; k < want.shown.size(); ++k) {
    const auto& [run, step] = want.shown[k];
    // The fixture's images sit at even steps; a caption (odd step) was made from the one before.
    const RgbImage expected = panic::testing::FixtureImage(run, step - step % 2, 4);
    const Rect box = g.Image(static_cast<int>(k));
    const size_t at = (static_cast<size_t>(box.y + box.h / 2) * img.width + static_cast<size_t>(box.x + box.w / 2)) * 3;
    for (int ch = 0; ch < 3; ++ch) {
      EXPECT_NEAR(img.pixels[at + ch], expected.pixels[ch], 10)
          << "tile " << k << " (run " << run << ", step " << step << ") channel " << ch;
    }
  }
}

TEST_F(ClusterGridTest, TextClusterShowsTheImagesItsCaptionsDescribe) {
  const std::string id = Cluster("DummyText", false);
  auto clusters = db_->Read([&](store::SqliteDb& c) { return store::clustering::Clusters(c, id, -1); });
  ASSERT_TRUE(clusters.ok());
  ASSERT_FALSE(clusters->empty());
  int checked = 0;
  int64_t without_image = 0;
  for (int64_t label = -1; label < static_cast<int64_t>(clusters->size()); ++label) {
    SCOPED_TRACE("cluster " + std::to_string(label));
    for (int max : {64, 4}) {
      const Tiles want = Want(id, label, max);
      if (want.members == 0) continue;  // no outliers
      if (max == 64) without_image += want.without_image;
      if (want.with_image == 0) {
        auto r = RenderClusterGrid(*db_, id, label, max, dir_.File("none.png"));
        ASSERT_FALSE(r.ok());
        EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
        EXPECT_NE(r.status().message().find("none has an image"), std::string::npos) << r.status().message();
        continue;
      }
      CheckGrid(*db_, id, label, max, want, dir_.path().string());
      ++checked;
    }
  }
  EXPECT_GT(checked, 0);
  EXPECT_GT(without_image, 0) << "the text-only network's captions are members, without an image";
}

TEST_F(ClusterGridTest, ImageClusterShowsItsImagesAndMaxImagesChoosesEvenly) {
  const std::string id = Cluster("DummyVision", true);
  auto clusters = db_->Read([&](store::SqliteDb& c) { return store::clustering::Clusters(c, id, -1); });
  ASSERT_TRUE(clusters.ok());
  ASSERT_FALSE(clusters->empty());
  int chose = 0;
  for (int64_t label = -1; label < static_cast<int64_t>(clusters->size()); ++label) {
    SCOPED_TRACE("cluster " + std::to_string(label));
    for (int max : {64, 5}) {
      const Tiles want = Want(id, label, max);
      if (want.with_image == 0) continue;
      chose += want.with_image > max;
      CheckGrid(*db_, id, label, max, want, dir_.path().string());
    }
  }
  EXPECT_GT(chose, 0) << "no grid had to choose among more members than it shows";

}

// Every run makes images, so every cluster's medoid caption has an image: it comes first.
class ClusterGridImageRunsTest : public ClusterGridTest {
 protected:
  void SetUp() override {
    panic::testing::FixtureSpec spec;
    spec.prompts = {panic::testing::HostilePrompts()[2], panic::testing::HostilePrompts()[3]};
    spec.seeds = {1, 2, 3};
    spec.steps = 10;
    Build(spec);
  }
};

TEST_F(ClusterGridImageRunsTest, TheMedoidComesFirstAndIsMarked) {
  const std::string id = Cluster("DummyText", false);
  auto clusters = db_->Read([&](store::SqliteDb& c) { return store::clustering::Clusters(c, id, -1); });
  ASSERT_TRUE(clusters.ok());
  ASSERT_FALSE(clusters->empty());
  for (const auto& cluster : *clusters) {
    SCOPED_TRACE("cluster " + std::to_string(cluster.label));
    const Tiles want = Want(id, cluster.label, 3);
    EXPECT_TRUE(want.medoid_first);
    EXPECT_EQ(want.without_image, 0);
    CheckGrid(*db_, id, cluster.label, 3, want, dir_.path().string());
  }
}

TEST_F(ClusterGridTest, BadSelectionsNameTheFieldValueAndWhatIsAllowed) {
  const std::string id = Cluster("DummyText", false);
  auto unknown = RenderClusterGrid(*db_, id, 9999, 64, dir_.File("x.png"));
  ASSERT_FALSE(unknown.ok());
  EXPECT_EQ(unknown.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(unknown.status().message().find("--cluster: 9999"), std::string::npos) << unknown.status().message();
  EXPECT_NE(unknown.status().message().find("allowed: 0.."), std::string::npos) << unknown.status().message();
  EXPECT_NE(unknown.status().message().find("-1 for the outliers"), std::string::npos);
  auto missing = RenderClusterGrid(*db_, "ffffffff", 0, 64, dir_.File("x.png"));
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.status().code(), StatusCode::kNotFound) << missing.status().ToString();
  auto too_many = RenderClusterGrid(*db_, id, 0, 0, dir_.File("x.png"));
  EXPECT_EQ(too_many.status().code(), StatusCode::kInvalidArgument);
  auto bad_ext = RenderClusterGrid(*db_, id, -1, 4, dir_.File("x.gif"));
  EXPECT_EQ(bad_ext.status().code(), StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace panic::exporting
