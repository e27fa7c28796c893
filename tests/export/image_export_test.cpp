// Image files with provenance (read back with exiftool), the file tree, single images,
// timelines (text checked with pdftotext) and grids.
#include "panic/export/image_export.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <atomic>
#include <filesystem>

#include "export/export_fixture_helpers.h"
#include "panic/store/image_codec.h"
#include "panic/store/invocations_table.h"
#include "support/test_support.h"

namespace panic::exporting {
namespace {

namespace fs = std::filesystem;
using panic::testing::ShellQuote;

nlohmann::json Exif(const std::string& file) {
  auto r = panic::testing::RunShell("exiftool -json -charset utf8 " + ShellQuote(file));
  EXPECT_EQ(r.exit_code, 0) << r.err;
  auto j = nlohmann::json::parse(r.out, nullptr, false);
  return j.is_array() && !j.empty() ? j[0] : nlohmann::json();
}

std::string AsText(const nlohmann::json& v) { return v.is_string() ? v.get<std::string>() : v.dump(); }

class ImageExportTest : public ::testing::Test {
 protected:
  void SetUp() override {
    db_ = store::Database::Open(dir_.File("i.db"), store::OpenMode::kCreate).value();
    panic::testing::FixtureSpec spec;
    spec.prompts = panic::testing::HostilePrompts();
    spec.seeds = {42};
    spec.steps = 5;
    fx_ = panic::testing::BuildExperiment(*db_, spec);
  }
  panic::testing::TempDir dir_;
  std::unique_ptr<store::Database> db_;
  panic::testing::Fixture fx_;
};

TEST_F(ImageExportTest, TreeOfFilesWhoseMetadataExiftoolReads) {
  for (auto format : {ImageFileFormat::kPng, ImageFileFormat::kJpeg, ImageFileFormat::kWebp}) {
    const std::string ext = ImageFileExtension(format);
    SCOPED_TRACE(ext);
    const std::string out = dir_.File("tree-" + ext);
    auto summary = ExportExperimentImages(*db_, fx_.experiment.id, out, format);
    ASSERT_TRUE(summary.ok()) << summary.status().message();
    EXPECT_EQ(summary->runs, 5);
    EXPECT_EQ(summary->files, 15);  // images at steps 0, 2, 4 of 5 runs
    // Run 2 (the shell-hostile prompt): its slug, its steps.
    const auto& run = fx_.runs[2];
    const fs::path file = fs::path(out) / "dummyt2i-dummyi2t" / "a-cat-rm-rf-echo-pwned-id-tee-tmp-x" / "run_2" /
                          ("0002." + ext);
    ASSERT_TRUE(fs::exists(file)) << file;
    auto j = Exif(file.string());
    EXPECT_EQ(AsText(j["Prompt"]), run.initial_prompt);
    EXPECT_EQ(AsText(j["Input"]), panic::testing::FixtureCaption(2, 1));
    EXPECT_EQ(AsText(j["Model"]), "DummyT2I");
    EXPECT_EQ(AsText(j["Seed"]), "42");
    EXPECT_EQ(AsText(j["SequenceNumber"]), "2");
    EXPECT_EQ(AsText(j["RunId"]), run.id);
    EXPECT_EQ(AsText(j["ExperimentId"]), fx_.experiment.id);
    EXPECT_EQ(j["ImageWidth"], 32);
    // Step 0 was drawn from the prompt itself.
    auto first = Exif((file.parent_path() / ("0000." + ext)).string());
    EXPECT_EQ(AsText(first["Input"]), run.initial_prompt);
    // The CJK and the Arabic/Hebrew prompts have no ASCII letters: both slug to "prompt", so
    // both folders get a hash of their prompt.
    int hashed = 0;
    bool run1 = false;
    for (const auto& entry : fs::directory_iterator(fs::path(out) / "dummyt2i-dummyi2t")) {
      const std::string name = entry.path().filename().string();
      if (name.rfind("prompt-", 0) == 0 && name.size() == 15) {
        ++hashed;
        run1 = run1 || fs::exists(entry.path() / "run_1" / ("0004." + ext));
      }
    }
    EXPECT_EQ(hashed, 2);
    EXPECT_TRUE(run1);
  }
}

// Ctrl-C during `export images`: the runs done are whole, nothing of the run in hand is left
// (not even a hidden temporary file), and the result says Cancelled (the CLI exits 130;
// before, SIGINT killed it mid-file).
TEST_F(ImageExportTest, CancelKeepsTheRunsDoneAndNothingOfTheRunInHand) {
  ASSERT_GE(fx_.runs.size(), 2u);
  const std::string out = dir_.File("cancelled");
  std::atomic<bool> cancel{false};
  auto r = ExportExperimentImages(*db_, fx_.experiment.id, out, ImageFileFormat::kPng,
                                  [&](int64_t done, int64_t) { cancel = done >= 1; }, &cancel);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kCancelled);
  size_t files = 0;
  for (const auto& e : std::filesystem::recursive_directory_iterator(out)) {
    if (!e.is_regular_file()) continue;
    EXPECT_NE(e.path().filename().string()[0], '.') << "left: " << e.path();
    ++files;
  }
  auto complete = ExportExperimentImages(*db_, fx_.experiment.id, dir_.File("complete"), ImageFileFormat::kPng);
  ASSERT_TRUE(complete.ok());
  EXPECT_GT(files, 0u);  // the first run's
  EXPECT_LT(static_cast<int64_t>(files), complete->files);
}

TEST_F(ImageExportTest, LosslessFormatsKeepThePixels) {
  const auto& run = fx_.runs[0];
  auto steps = *store::invocations::ListForRun(db_->connection(), run.id, false);
  const std::string png = dir_.File("one.png");
  ASSERT_TRUE(ExportInvocationImage(*db_, steps[2].id, png).ok());
  if (panic::testing::HaveSystemNumpy()) {
    auto r = panic::testing::RunShell("/usr/bin/python3 -c \"from PIL import Image; im = Image.open('" + png +
                                      "'); print(im.size, im.getpixel((5, 5)), im.text['Model'])\"");
    ASSERT_EQ(r.exit_code, 0) << r.err;
    RgbImage expected = panic::testing::FixtureImage(0, 2, 1);
    EXPECT_EQ(r.out, "(32, 32) (" + std::to_string(expected.pixels[0]) + ", " + std::to_string(expected.pixels[1]) +
                         ", " + std::to_string(expected.pixels[2]) + ") DummyT2I\n");
  }
  const std::string webp = dir_.File("one.webp");
  ASSERT_TRUE(ExportInvocationImage(*db_, steps[2].id, webp).ok());
  auto decoded = store::DecodeImage(panic::testing::ReadFile(webp));
  ASSERT_TRUE(decoded.ok()) << decoded.status().message();
  EXPECT_EQ(*decoded, panic::testing::FixtureImage(0, 2, 32));
}

TEST_F(ImageExportTest, SingleImageErrors) {
  auto steps = *store::invocations::ListForRun(db_->connection(), fx_.runs[0].id, false);
  EXPECT_EQ(ExportInvocationImage(*db_, steps[1].id, dir_.File("t.png")).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(ExportInvocationImage(*db_, steps[0].id, dir_.File("t.gif")).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(ExportInvocationImage(*db_, "0190c0de-0000-7000-8000-000000000000", dir_.File("t.png")).code(),
            StatusCode::kNotFound);
  EXPECT_EQ(ExportInvocationImage(*db_, steps[0].id, dir_.File("no/dir/t.png")).code(), StatusCode::kIOError);
}

TEST_F(ImageExportTest, TimelineShowsStepsCaptionsAndPromptsAsText) {
  const std::string pdf = dir_.File("timeline.pdf");
  ASSERT_TRUE(RenderTimeline(*db_, {fx_.runs[0].id, fx_.runs[1].id}, 3, pdf).ok());
  auto r = panic::testing::RunShell("pdftotext -enc UTF-8 " + ShellQuote(pdf) + " -");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  for (const char* s : {"step 0", "step 2", "step 4", "seed 42", "DummyT2I → DummyI2T", "<script>", "富士山"}) {
    EXPECT_NE(r.out.find(s), std::string::npos) << s << " missing in:\n" << r.out;
  }
  EXPECT_NE(r.out.find("caption 0/1"), std::string::npos) << r.out;  // the caption made from step 0's image
  const std::string png = dir_.File("timeline.png");
  ASSERT_TRUE(RenderTimeline(*db_, {fx_.runs[0].id}, 8, png).ok());
  EXPECT_GT(fs::file_size(png), 1000u);
  EXPECT_EQ(RenderTimeline(*db_, {fx_.runs[0].id}, 0, png).code(), StatusCode::kInvalidArgument);
}

TEST_F(ImageExportTest, GridIsShapedForTheImages) {
  EXPECT_EQ(GridColumns(16, 1.0, 16.0 / 9), 6);  // 6 × 3 squares: aspect 2.0, closest to 1.78 in log terms
  EXPECT_EQ(GridColumns(1, 1.0, 16.0 / 9), 1);
  EXPECT_EQ(GridColumns(9, 16.0 / 9, 16.0 / 9), 3);  // 3 × 3 wide tiles: exactly 16:9
  EXPECT_EQ(GridColumns(8, 9.0 / 16, 16.0 / 9), 6);  // tall tiles: 6 × 2 gives 1.69, 7 × 2 gives 1.97
  EXPECT_EQ(EvenlyChosen(10, 4), (std::vector<size_t>{0, 3, 6, 9}));
  EXPECT_EQ(EvenlyChosen(3, 8), (std::vector<size_t>{0, 1, 2}));
  const std::string pdf = dir_.File("grid.pdf");
  ASSERT_TRUE(RenderImageGrid(*db_, fx_.runs[3].id, 64, pdf).ok());
  auto r = panic::testing::RunShell("pdftotext -enc UTF-8 " + ShellQuote(pdf) + " -");
  EXPECT_NE(r.out.find("step 4"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("שלום"), std::string::npos) << r.out;
}

TEST(SlugTest, Slugs) {
  EXPECT_EQ(Slug("A Cat, on a MAT!"), "a-cat-on-a-mat");
  EXPECT_EQ(Slug("富士山"), "prompt");
  EXPECT_EQ(Slug("../../etc/passwd"), "etc-passwd");
  EXPECT_EQ(Slug(std::string(100, 'x')).size(), 48u);
}

}  // namespace
}  // namespace panic::exporting
