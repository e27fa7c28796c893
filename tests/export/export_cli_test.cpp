// The export commands end to end through the built CLI, on an experiment the dummy models
// ran: files appear, exit codes follow the house rules (2 for bad input, 1 for runtime).
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>

#include "support/test_support.h"

namespace panic {
namespace {

namespace fs = std::filesystem;
using testing::RunCli;

constexpr const char* kConfig = R"({
  "networks": [["DummyT2I", "DummyI2T"]], "seeds": [1, 2, 3], "prompts": ["<script>alert(1)</script>", "夕焼け 🌅"],
  "embedding_models": ["DummyText", "DummyVision"], "max_length": 10,
  "options": {"loop_detection": "off", "maxdim": 1}
})";

class ExportCliTest : public ::testing::Test {
 protected:
  void SetUp() override {
    testing::WriteFile(dir_.File("c.json"), kConfig);
    db_ = dir_.File("e.db");
    auto r = RunCli({"--db", db_, "experiment", "run", dir_.File("c.json")});
    ASSERT_EQ(r.exit_code, 0) << r.err;
  }
  testing::TempDir dir_;
  std::string db_;
};

TEST_F(ExportCliTest, EveryCommandWritesItsFiles) {
  auto video = RunCli({"--db", db_, "--json", "export", "video", "latest", "--output", dir_.File("m.mp4"), "--fps", "5"});
  ASSERT_EQ(video.exit_code, 0) << video.err;
  auto j = nlohmann::json::parse(video.out);
  EXPECT_EQ(j["frames"], 10);
  EXPECT_EQ(j["runs"], 6);
  auto probe = testing::RunShell("ffprobe -v error -count_frames -show_entries stream=codec_name,nb_read_frames -of csv=p=0 " +
                                 testing::ShellQuote(dir_.File("m.mp4")));
  EXPECT_EQ(probe.out, "h264,10\n");

  auto images = RunCli({"--db", db_, "export", "images", "latest", "--output", dir_.File("img"), "--format", "webp"});
  ASSERT_EQ(images.exit_code, 0) << images.err;
  EXPECT_NE(images.out.find("wrote 30 images of 6 runs"), std::string::npos) << images.out;
  EXPECT_TRUE(fs::exists(dir_.File("img") + "/dummyt2i-dummyi2t/script-alert-1-script/run_0/0000.webp"));

  auto ids = testing::RunShell("sqlite3 " + testing::ShellQuote(db_) + " 'SELECT id FROM runs ORDER BY run_number'");
  ASSERT_EQ(ids.exit_code, 0) << ids.err;
  const std::string run0 = ids.out.substr(0, 36), run1 = ids.out.substr(37, 36);
  ASSERT_EQ(RunCli({"--db", db_, "export", "timeline", run0, run1, "--output", dir_.File("t.pdf")}).exit_code, 0);
  // 2^32 + 8 used to wrap to 8 steps and exit 0.
  auto wrapped = RunCli({"--db", db_, "export", "timeline", run0, "--steps", "4294967304", "--output", dir_.File("w.png")});
  EXPECT_EQ(wrapped.exit_code, 2) << wrapped.err;
  EXPECT_NE(wrapped.err.find("--steps: 4294967304 is not allowed (an integer 1..64)"), std::string::npos) << wrapped.err;
  EXPECT_FALSE(fs::exists(dir_.File("w.png")));
  ASSERT_EQ(RunCli({"--db", db_, "export", "grid", run0, "--output", dir_.File("g.png")}).exit_code, 0);
  EXPECT_GT(fs::file_size(dir_.File("g.png")), 500u);

  auto charts = RunCli({"--db", db_, "--json", "export", "charts", "latest", "--output", dir_.File("charts"), "--format", "svg"});
  ASSERT_EQ(charts.exit_code, 0) << charts.err;
  auto cj = nlohmann::json::parse(charts.out);
  // The pipeline's lyapunov stage stored results (3 runs per prompt), so both charts are drawn.
  EXPECT_EQ(cj["written"].size(), 6u) << charts.out;
  EXPECT_TRUE(fs::exists(dir_.File("charts") + "/lyapunov_divergence.svg"));
  EXPECT_TRUE(fs::exists(dir_.File("charts") + "/lyapunov_ftle.svg"));
  EXPECT_FALSE(cj["skipped"].contains("lyapunov_ftle")) << charts.out;

  auto report = RunCli({"--db", db_, "export", "report", "latest", "--output", dir_.File("r.html")});
  ASSERT_EQ(report.exit_code, 0) << report.err;
  const std::string html = testing::ReadFile(dir_.File("r.html"));
  EXPECT_EQ(html.find("<script>alert"), std::string::npos);
  EXPECT_NE(html.find("&lt;script&gt;alert(1)&lt;/script&gt;"), std::string::npos);
}

// `export image` names an invocation as every command names ids: in full or by a unique
// prefix (README: "IDs may be given by a unique prefix"); it used to take full ids only.
TEST_F(ExportCliTest, ExportImageTakesAUniquePrefix) {
  auto ids = testing::RunShell("sqlite3 " + testing::ShellQuote(db_) +
                               " \"SELECT id FROM invocations WHERE type = 'image' ORDER BY id LIMIT 2\"");
  ASSERT_EQ(ids.exit_code, 0) << ids.err;
  const std::string id = ids.out.substr(0, 36), next = ids.out.substr(37, 36);
  size_t common = 0;  // ids made in the same second share their first characters (UUIDv7 time)
  while (common < id.size() && id[common] == next[common]) ++common;
  ASSERT_GT(common, 0u);
  auto r = RunCli({"--db", db_, "export", "image", id.substr(0, 30), "--output", dir_.File("p.png")});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(fs::exists(dir_.File("p.png")));
  EXPECT_EQ(testing::ReadFile(dir_.File("p.png")).substr(1, 3), "PNG");
  auto ambiguous = RunCli({"--db", db_, "export", "image", id.substr(0, common), "--output", dir_.File("a.png")});
  EXPECT_EQ(ambiguous.exit_code, 2);
  EXPECT_NE(ambiguous.err.find("invocation id prefix '" + id.substr(0, common) + "' is ambiguous"), std::string::npos)
      << ambiguous.err;
  auto missing = RunCli({"--db", db_, "export", "image", "0000", "--output", dir_.File("m.png")});
  EXPECT_EQ(missing.exit_code, 2);
  EXPECT_NE(missing.err.find("no invocation with id '0000' (name an invocation by its full id or a unique prefix"),
            std::string::npos)
      << missing.err;
  EXPECT_FALSE(fs::exists(dir_.File("a.png")) || fs::exists(dir_.File("m.png")));
}

TEST_F(ExportCliTest, BadInputExitsTwoAndRuntimeFailuresOne) {
  auto codec = RunCli({"--db", db_, "export", "video", "latest", "--codec", "vp9"});
  EXPECT_EQ(codec.exit_code, 2);
  EXPECT_NE(codec.err.find("vp9"), std::string::npos) << codec.err;
  EXPECT_EQ(RunCli({"--db", db_, "export", "video", "nope"}).exit_code, 2);
  // The option is named (the message said only "drawing format" / "image format").
  auto charts = RunCli({"--db", db_, "export", "charts", "latest", "--format", "gif"});
  EXPECT_EQ(charts.exit_code, 2);
  EXPECT_NE(charts.err.find("--format: drawing format 'gif' is not one of png, svg, pdf"), std::string::npos)
      << charts.err;
  auto images = RunCli({"--db", db_, "export", "images", "latest", "--format", "bmp"});
  EXPECT_EQ(images.exit_code, 2);
  EXPECT_NE(images.err.find("--format: image format 'bmp' is not one of png, jpg, webp"), std::string::npos)
      << images.err;
  auto unwritable = RunCli({"--db", db_, "export", "video", "latest", "--output", dir_.File("no/such/dir/v.mp4")});
  EXPECT_EQ(unwritable.exit_code, 1) << unwritable.err;
  auto help = RunCli({"export", "video", "--help"});
  EXPECT_EQ(help.exit_code, 0);
  EXPECT_NE(help.out.find("--resolution"), std::string::npos);
}

// Runs are named as every other command names them: timeline and grid took only ids and
// prefixes ("run id 'latest#1' is not a UUID or a prefix of one"). A name that matches
// nothing says which forms are accepted.
TEST_F(ExportCliTest, RunsAndExperimentsAreNamedInEveryForm) {
  auto timeline = RunCli({"--db", db_, "export", "timeline", "latest#0", "latest#1", "--output", dir_.File("t.png")});
  EXPECT_EQ(timeline.exit_code, 0) << timeline.err;
  EXPECT_TRUE(fs::exists(dir_.File("t.png")));
  auto grid = RunCli({"--db", db_, "export", "grid", "latest", "--output", dir_.File("g.png")});
  EXPECT_EQ(grid.exit_code, 0) << grid.err;
  EXPECT_TRUE(fs::exists(dir_.File("g.png")));
  auto run = RunCli({"--db", db_, "export", "grid", "01a00000-0000-7000-8000-000000000000", "--output", dir_.File("x.png")});
  EXPECT_EQ(run.exit_code, 2);
  EXPECT_NE(run.err.find("no run with id '01a00000-0000-7000-8000-000000000000' (name a run by its full id, a unique "
                         "prefix of it, EXP#N"),
            std::string::npos)
      << run.err;
  auto experiment = RunCli({"--db", db_, "export", "report", "nope", "--output", dir_.File("x.html")});
  EXPECT_EQ(experiment.exit_code, 2);
  EXPECT_NE(experiment.err.find("experiment id 'nope' is not a UUID or a prefix of one (name an experiment by its "
                                "full id, a unique prefix of it, or latest; `experiment list` shows them)"),
            std::string::npos)
      << experiment.err;
  EXPECT_FALSE(fs::exists(dir_.File("x.png")));
  EXPECT_FALSE(fs::exists(dir_.File("x.html")));
}

// A bad --output or --fps is refused before anything is computed, naming the option, the
// value and what is allowed; nothing is written. Before: `--output v.avi` wrote an MP4 under
// that name (exit 0); charts/images into an existing file failed after the work (exit 1,
// "cannot create 'x': Not a directory"); --fps 0 said "--fps 0.000000 is not in (0, 240]".
TEST_F(ExportCliTest, BadOutputsAreRefusedBeforeAnyWork) {
  testing::WriteFile(dir_.File("a-file"), "mine");
  struct Case {
    std::vector<std::string> args;
    std::string message;
  };
  const std::vector<Case> cases = {
      {{"video", "latest", "--output", dir_.File("v.avi")}, "' is not allowed (a file ending in .mp4: the video is MP4)"},
      {{"video", "latest", "--fps", "0"}, "--fps: 0 is not allowed (a number in (0, 240])"},
      {{"images", "latest", "--output", dir_.File("a-file")}, "' is a file, not a folder"},
      {{"charts", "latest", "--output", dir_.File("a-file")}, "' is a file, not a folder"},
      {{"timeline", "latest", "--output", dir_.File("t.gif")}, "(a file ending in .png, .svg or .pdf"},
      {{"grid", "latest", "--output", dir_.File("g")}, "(a file ending in .png, .svg or .pdf"},
      {{"image", "0000", "--output", dir_.File("i.gif")}, "(a file ending in .png, .jpg, .jpeg or .webp"},
      // The report is HTML: a report.pdf would be HTML under a false name (it was written).
      {{"report", "latest", "--output", dir_.File("r.pdf")}, "' is not allowed (a file ending in .html or .htm"},
  };
  for (const Case& c : cases) {
    std::vector<std::string> args = {"--db", db_, "export"};
    args.insert(args.end(), c.args.begin(), c.args.end());
    auto r = RunCli(args);
    EXPECT_EQ(r.exit_code, 2) << c.args[0] << ": " << r.err;
    EXPECT_NE(r.err.find(c.message), std::string::npos) << r.err;
    EXPECT_EQ(r.err.find("charts: "), std::string::npos) << "work was done first: " << r.err;
  }
  EXPECT_EQ(testing::ReadFile(dir_.File("a-file")), "mine");
  for (const char* name : {"v.avi", "mosaic.mp4", "t.gif", "g", "i.gif", "r.pdf"}) EXPECT_FALSE(fs::exists(dir_.File(name))) << name;
}

// A drawing that cannot be written says why (the destination links to /dev/full, which a
// write fills at once): cairo's own words were only "error while writing to output stream".
TEST_F(ExportCliTest, AFailedDrawingSaysWhy) {
  for (const std::string ext : {"pdf", "png", "svg"}) {
    const std::string out = dir_.File("full." + ext);
    fs::create_symlink("/dev/full", out);
    auto r = RunCli({"--db", db_, "export", "timeline", "latest", "--output", out});
    EXPECT_EQ(r.exit_code, 1) << ext << ": " << r.err;
    EXPECT_NE(r.err.find("cannot write '" + out + "': error while writing to output stream (No space left on device)"),
              std::string::npos)
        << ext << ": " << r.err;
  }
}

// Runs a shell command without root's capabilities when the tests run as root (root
// ignores file permissions), so that a read-only folder is read-only to it.
std::string AsUnprivileged(const std::string& command) {
  if (::geteuid() != 0) return command;
  return "setpriv --bounding-set=-all --inh-caps=-all " + command;
}

// Every export into a folder it cannot write names --output, the value and the reason, before
// the database is read (images said "cannot create 'rodir/i': Permission denied"; the file
// exports "cannot write 'rodir/x': cannot create a file in 'rodir': …", neither naming the
// option; `export data` into a read-only folder said "table experiments: cannot write …");
// nothing is written.
TEST_F(ExportCliTest, AnUnwritableOutputNamesTheOption) {
  const std::string ro = dir_.File("ro");
  fs::create_directory(ro);
  ASSERT_EQ(::chmod(ro.c_str(), 0555), 0);
  ASSERT_NE(testing::RunShell(AsUnprivileged("touch " + testing::ShellQuote(ro + "/probe"))).exit_code, 0);
  struct Case {
    std::vector<std::string> args;
    std::string message;
  };
  const std::string denied = "': Permission denied";
  const std::vector<Case> cases = {
      {{"images", "latest", "--output", ro + "/i"}, "--output: cannot create '" + ro + "/i': its folder '" + ro + denied},
      {{"images", "latest", "--output", ro + "/i/j"}, "--output: cannot create '" + ro + "/i/j': its folder '" + ro + denied},
      {{"charts", "latest", "--output", ro}, "--output: cannot write into '" + ro + denied},
      {{"video", "latest", "--output", ro + "/v.mp4"}, "--output: cannot write '" + ro + "/v.mp4': its folder '" + ro + denied},
      {{"image", "0000", "--output", ro + "/i.png"}, "--output: cannot write '" + ro + "/i.png': its folder '" + ro + denied},
      {{"timeline", "latest#0", "--output", ro + "/t.png"}, "--output: cannot write '" + ro + "/t.png': its folder '" + ro + denied},
      {{"grid", "latest#0", "--output", ro + "/g.pdf"}, "--output: cannot write '" + ro + "/g.pdf': its folder '" + ro + denied},
      {{"report", "latest", "--output", ro + "/r.html"}, "--output: cannot write '" + ro + "/r.html': its folder '" + ro + denied},
      {{"data", "latest", "--output", ro}, "--output: cannot write into '" + ro + denied},
      {{"data", "latest", "--output", ro + "/d"}, "--output: cannot create '" + ro + "/d': its folder '" + ro + denied},
  };
  for (const Case& c : cases) {
    std::string command = testing::ShellQuote(testing::CliPath()) + " --db " + testing::ShellQuote(db_) + " export";
    for (const auto& a : c.args) command += " " + testing::ShellQuote(a);
    auto r = testing::RunShell(AsUnprivileged(command));
    EXPECT_EQ(r.exit_code, 1) << c.args[0] << ": " << r.err;
    EXPECT_NE(r.err.find(c.message), std::string::npos) << c.args[0] << ": " << r.err;
  }
  // A missing folder, for a file: the same rule.
  auto missing = RunCli({"--db", db_, "export", "report", "latest", "--output", dir_.File("no/such/r.html")});
  EXPECT_EQ(missing.exit_code, 1) << missing.err;
  EXPECT_NE(missing.err.find("--output: cannot write '" + dir_.File("no/such/r.html") + "': its folder '" +
                             dir_.File("no/such") + "': No such file or directory"),
            std::string::npos)
      << missing.err;
  ASSERT_EQ(::chmod(ro.c_str(), 0755), 0);
  EXPECT_TRUE(fs::is_empty(ro));
}

TEST_F(ExportCliTest, GridOfAClustersMembers) {
  // Image embeddings: each member is an image itself (the text case is cluster_grid_test.cpp).
  ASSERT_EQ(RunCli({"--db", db_, "cluster", "run", "--model", "DummyVision", "--include-images", "--min-cluster-size", "2"})
                .exit_code,
            0);
  auto grid = RunCli({"--db", db_, "--json", "export", "grid", "--cluster", "latest:-1", "--max-images", "4", "--output",
                      dir_.File("c.png")});
  ASSERT_EQ(grid.exit_code, 0) << grid.err;
  auto j = nlohmann::json::parse(grid.out);
  EXPECT_EQ(j["cluster"], -1);
  EXPECT_GT(j["members"].get<int64_t>(), 0);
  EXPECT_EQ(j["shown"].get<int64_t>(), std::min<int64_t>(4, j["with_image"].get<int64_t>()));
  EXPECT_GT(fs::file_size(dir_.File("c.png")), 500u);
  // Bad input: exit 2, naming the field, the value and what is allowed.
  auto malformed = RunCli({"--db", db_, "export", "grid", "--cluster", "latest:x"});
  EXPECT_EQ(malformed.exit_code, 2);
  EXPECT_NE(malformed.err.find("--cluster: 'latest:x' is not RESULT:LABEL"), std::string::npos) << malformed.err;
  auto unknown = RunCli({"--db", db_, "export", "grid", "--cluster", "latest:999"});
  EXPECT_EQ(unknown.exit_code, 2);
  EXPECT_NE(unknown.err.find("--cluster: 999 is not a cluster"), std::string::npos) << unknown.err;
  EXPECT_NE(unknown.err.find("or -1 for the outliers"), std::string::npos) << unknown.err;
  EXPECT_EQ(RunCli({"--db", db_, "export", "grid", "--cluster", "nosuch:1"}).exit_code, 2);
  auto both = RunCli({"--db", db_, "export", "grid", "latest", "--cluster", "latest:0"});
  EXPECT_EQ(both.exit_code, 2);
  EXPECT_NE(both.err.find("not both"), std::string::npos) << both.err;
  EXPECT_EQ(RunCli({"--db", db_, "export", "grid"}).exit_code, 2);
  auto max = RunCli({"--db", db_, "export", "grid", "--cluster", "latest:0", "--max-images", "0"});
  EXPECT_EQ(max.exit_code, 2);
  EXPECT_NE(max.err.find("--max-images: 0"), std::string::npos) << max.err;
  auto help = RunCli({"export", "grid", "--help"});
  EXPECT_NE(help.out.find("--cluster"), std::string::npos);
}

}  // namespace
}  // namespace panic
