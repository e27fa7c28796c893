// The mosaic video through Debian's ffmpeg, checked with ffprobe: codec, size, frame
// count, duration and the browser-friendly pixel format / colour tags.
#include "panic/export/mosaic_video.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <filesystem>

#include "export/export_fixture_helpers.h"
#include "support/test_support.h"

namespace panic::exporting {
namespace {

using panic::testing::ShellQuote;

nlohmann::json Probe(const std::string& file) {
  auto r = panic::testing::RunShell("ffprobe -v error -count_frames -select_streams v:0 -show_entries "
                                    "stream=codec_name,width,height,nb_read_frames,pix_fmt,color_space,"
                                    "color_primaries,color_transfer:format=duration -of json " +
                                    ShellQuote(file));
  EXPECT_EQ(r.exit_code, 0) << r.err;
  return nlohmann::json::parse(r.out, nullptr, false);
}

class MosaicVideoTest : public ::testing::Test {
 protected:
  void SetUp() override {
    db_ = store::Database::Open(dir_.File("v.db"), store::OpenMode::kCreate).value();
    panic::testing::FixtureSpec spec;
    spec.prompts = {panic::testing::HostilePrompts()[2], panic::testing::HostilePrompts()[3]};
    spec.steps = 8;
    spec.stop_after = {{0, 5}};
    fx_ = panic::testing::BuildExperiment(*db_, spec);
  }
  panic::testing::TempDir dir_;
  std::unique_ptr<store::Database> db_;
  panic::testing::Fixture fx_;
};

TEST_F(MosaicVideoTest, EachCodecGivesABrowserReadyMp4) {
  for (auto [codec, name] : {std::pair{"h264", "h264"}, {"h265", "hevc"}, {"av1", "av1"}}) {
    SCOPED_TRACE(codec);
    VideoOptions options;
    options.codec = codec;
    options.fps = 4;
    options.output = dir_.File(std::string("a video: ") + codec + ".mp4");
    int64_t last_done = 0;
    auto summary = ExportMosaicVideo(*db_, {fx_.experiment.id}, options, [&](int64_t done, int64_t total) {
      EXPECT_EQ(total, 8);
      EXPECT_EQ(done, last_done + 1);
      last_done = done;
    });
    ASSERT_TRUE(summary.ok()) << summary.status().message();
    EXPECT_EQ(summary->frames, 8);
    EXPECT_EQ(last_done, 8);
    auto j = Probe(options.output);
    ASSERT_FALSE(j.is_discarded());
    const auto& s = j["streams"][0];
    EXPECT_EQ(s["codec_name"], name);
    EXPECT_EQ(s["width"], 1920);
    EXPECT_EQ(s["height"], 1080);
    EXPECT_EQ(s["nb_read_frames"], "8");
    EXPECT_EQ(s["pix_fmt"], "yuv420p");
    EXPECT_EQ(s["color_space"], "bt709");
    EXPECT_EQ(s["color_primaries"], "bt709");
    EXPECT_EQ(s["color_transfer"], "bt709");
    EXPECT_NEAR(std::stod(j["format"]["duration"].get<std::string>()), 2.0, 0.01);  // 8 frames at 4 fps
    // +faststart: the index (moov) comes before the media data (mdat).
    std::string bytes = panic::testing::ReadFile(options.output);
    EXPECT_LT(bytes.find("moov"), bytes.find("mdat"));
  }
}

TEST_F(MosaicVideoTest, BadOptionsAreRejectedBeforeFfmpegStarts) {
  VideoOptions options;
  options.output = dir_.File("x.mp4");
  options.codec = "vp9";
  EXPECT_EQ(ExportMosaicVideo(*db_, {fx_.experiment.id}, options).status().code(), StatusCode::kInvalidArgument);
  options.codec = "h264";
  options.resolution = "720p";
  EXPECT_EQ(ExportMosaicVideo(*db_, {fx_.experiment.id}, options).status().code(), StatusCode::kInvalidArgument);
  options.resolution = "hd";
  options.fps = 0;
  EXPECT_EQ(ExportMosaicVideo(*db_, {fx_.experiment.id}, options).status().code(), StatusCode::kInvalidArgument);
  EXPECT_FALSE(std::filesystem::exists(options.output));
}

TEST_F(MosaicVideoTest, MissingFfmpegIsAnIoErrorAndLeavesNoFile) {
  VideoOptions options;
  options.output = dir_.File("y.mp4");
  options.ffmpeg = "/nonexistent/ffmpeg";
  auto r = ExportMosaicVideo(*db_, {fx_.experiment.id}, options);
  EXPECT_EQ(r.status().code(), StatusCode::kIOError);
  EXPECT_NE(r.status().message().find("ffmpeg"), std::string::npos);
  EXPECT_FALSE(std::filesystem::exists(options.output));
}

TEST_F(MosaicVideoTest, AnUnwritableOutputReportsFfmpegsMessage) {
  VideoOptions options;
  options.output = dir_.File("no/such/folder/z.mp4");
  auto r = ExportMosaicVideo(*db_, {fx_.experiment.id}, options);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kIOError);
  EXPECT_NE(r.status().message().find("No such file"), std::string::npos) << r.status().message();
}

TEST_F(MosaicVideoTest, CancelRemovesThePartialFile) {
  VideoOptions options;
  options.output = dir_.File("c.mp4");
  std::atomic<bool> cancel{false};
  auto r = ExportMosaicVideo(
      *db_, {fx_.experiment.id}, options, [&](int64_t done, int64_t) { cancel = done >= 3; }, &cancel);
  EXPECT_EQ(r.status().code(), StatusCode::kCancelled);
  EXPECT_FALSE(std::filesystem::exists(options.output));
}

// A re-export that is cancelled (Ctrl-C) or fails keeps the previous video: ffmpeg writes a
// temporary file beside it (core/atomic_file.h), removed. The old code let ffmpeg truncate
// the output at once and then deleted it.
TEST_F(MosaicVideoTest, CancelOrFailureKeepsThePreviousVideo) {
  VideoOptions options;
  options.output = dir_.File("c.mp4");
  panic::testing::WriteFile(options.output, "the previous video");
  std::atomic<bool> cancel{false};
  auto r = ExportMosaicVideo(
      *db_, {fx_.experiment.id}, options, [&](int64_t done, int64_t) { cancel = done >= 3; }, &cancel);
  EXPECT_EQ(r.status().code(), StatusCode::kCancelled);
  EXPECT_EQ(panic::testing::ReadFile(options.output), "the previous video");
  options.ffmpeg = "/bin/false";  // fails at once
  EXPECT_FALSE(ExportMosaicVideo(*db_, {fx_.experiment.id}, options).ok());
  EXPECT_EQ(panic::testing::ReadFile(options.output), "the previous video");
  for (const auto& e : std::filesystem::directory_iterator(dir_.path())) {
    EXPECT_NE(e.path().filename().string().rfind(".c.tmp-", 0), 0u) << "left: " << e.path();
  }
  // And a complete export replaces it.
  options.ffmpeg = VideoOptions{}.ffmpeg;
  ASSERT_TRUE(ExportMosaicVideo(*db_, {fx_.experiment.id}, options).ok());
  EXPECT_NE(panic::testing::ReadFile(options.output), "the previous video");
}

}  // namespace
}  // namespace panic::exporting
