// Charts (axis and legend text through pdftotext, a non-empty plot area in the PNG) and
// the HTML report (escaping, self-contained, opened in headless Chromium: a screenshot
// and no console errors).
#include <gtest/gtest.h>

#include <filesystem>
#include <map>
#include <set>

#include "export/export_fixture_helpers.h"
#include "panic/core/time.h"
#include "panic/core/uuid.h"
#include "panic/export/cairo_image.h"
#include "panic/export/experiment_charts.h"
#include "panic/export/html_report.h"
#include "panic/store/analysis_tables.h"
#include "support/test_support.h"

namespace panic::exporting {
namespace {

namespace fs = std::filesystem;
using panic::testing::ColouredPixels;
using panic::testing::PdfText;
using panic::testing::ShellQuote;

class ChartsReportTest : public ::testing::Test {
 protected:
  void SetUp() override {
    db_ = store::Database::Open(dir_.File("c.db"), store::OpenMode::kCreate).value();
    panic::testing::FixtureSpec spec;
    spec.prompts = {panic::testing::HostilePrompts()[0], panic::testing::HostilePrompts()[1]};
    spec.networks = {{"DummyT2I", "DummyI2T"}, {"DummyT2I2", "DummyI2T2"}};
    spec.seeds = {1, 2, 3};
    spec.steps = 12;
    spec.stop_after = {{0, 5}, {7, 9}};
    spec.embedding_models = {"DummyText", "DummyVision"};
    fx_ = panic::testing::BuildExperiment(*db_, spec);
    panic::testing::AddEmbeddingsAndDiagrams(*db_, fx_);
  }
  panic::testing::TempDir dir_;
  std::unique_ptr<store::Database> db_;
  panic::testing::Fixture fx_;
};

TEST_F(ChartsReportTest, ChartsCarryAxesLegendsAndData) {
  const std::string pdf_dir = dir_.File("pdf");
  auto summary = ExportCharts(*db_, {fx_.experiment.id}, pdf_dir, DrawingFormat::kPdf);
  ASSERT_TRUE(summary.ok()) << summary.status().message();
  ASSERT_EQ(summary->written.size(), 4u);
  std::map<std::string, std::vector<std::string>> expected = {
      {"persistence_diagrams", {"Persistence diagrams", "birth", "persistence (death − birth)", "homology", "H0", "H1",
                                "DummyText", "DummyVision"}},
      {"persistent_entropy", {"persistent entropy", "network", "DummyT2I → DummyI2T", "DummyT2I2 → DummyI2T2", "H0",
                              "H1", "homology"}},
      {"semantic_drift", {"semantic drift", "time decile", "DummyT2I → DummyI2T · DummyVision", "density of drift"}},
      {"run_lengths", {"stop reasons", "invocations per run", "runs", "stop reason", "duplicate", "length"}},
  };
  for (const auto& [name, words] : expected) {
    const std::string text = PdfText(pdf_dir + "/" + name + ".pdf");
    for (const auto& w : words) EXPECT_NE(text.find(w), std::string::npos) << name << ": '" << w << "' missing in\n" << text;
  }
  // Skipped charts say why.
  std::set<std::string> skipped;
  for (const auto& [name, why] : summary->skipped) {
    skipped.insert(name);
    EXPECT_FALSE(why.empty());
  }
  EXPECT_TRUE(skipped.count("cluster_timelines"));
  EXPECT_TRUE(skipped.count("lyapunov_divergence") && skipped.count("lyapunov_ftle"));  // none stored

  const std::string png_dir = dir_.File("png");
  ASSERT_TRUE(ExportCharts(*db_, {fx_.experiment.id}, png_dir, DrawingFormat::kPng).ok());
  for (const auto& [name, words] : expected) {
    EXPECT_GT(ColouredPixels(png_dir + "/" + name + ".png"), 400) << name << " has an empty plot area";
  }
  const std::string svg_dir = dir_.File("svg");
  ASSERT_TRUE(ExportCharts(*db_, {fx_.experiment.id}, svg_dir, DrawingFormat::kSvg).ok());
  const std::string svg = panic::testing::ReadFile(svg_dir + "/persistence_diagrams.svg");
  EXPECT_NE(svg.find("<svg"), std::string::npos);
  EXPECT_NE(svg.find("</svg>"), std::string::npos);
}

// Drift is measured as docs/ANALYSIS.md §1 defines it: from the stored prompt embedding for
// a text model, from the first vector otherwise (an image model, or no prompt embedding).
TEST_F(ChartsReportTest, DriftIsMeasuredFromThePromptEmbeddingWhenStored) {
  auto drift_chart = [&](const std::string& dir) {
    EXPECT_TRUE(ExportCharts(*db_, {fx_.experiment.id}, dir, DrawingFormat::kPdf).ok());
    std::string text = PdfText(dir + "/semantic_drift.pdf");  // the legend's lines wrap: one space for any run
    std::string flat;
    for (char c : text) {
      if (std::isspace(static_cast<unsigned char>(c))) {
        if (!flat.empty() && flat.back() != ' ') flat.push_back(' ');
      } else {
        flat.push_back(c);
      }
    }
    return std::pair{flat, panic::testing::PdfWords(dir + "/semantic_drift.pdf")};
  };
  // 12 runs × 2 models; no prompt embedding stored: every trajectory from its first vector.
  const auto [before, before_words] = drift_chart(dir_.File("before"));
  EXPECT_NE(before.find("r = the prompt's embedding: 0 trajectories"), std::string::npos) << before;
  EXPECT_NE(before.find("first image): 24"), std::string::npos) << before;
  // The walks stay near (1, …, 1): drift from their start stays well under 2, so the drift
  // axis (ticks 0.5 apart at most) never reaches a "2" tick (the decile axis ticks by 2.5).
  EXPECT_TRUE(panic::testing::WordsNamed(before_words, "2").empty()) << before;
  // The text model's prompt embeddings, pointing away from every walk: drift near 2.
  std::vector<store::PromptEmbeddingRecord> rows;
  for (const auto& prompt : fx_.experiment.prompts) {
    rows.push_back({NewUuidV7(), fx_.experiment.id, prompt, "DummyText", std::vector<float>(16, -1.0f), NowIso(), NowIso()});
  }
  ASSERT_TRUE(db_->Write([&](store::SqliteDb& c) { return store::prompt_embeddings::Insert(c, rows); }).ok());
  const auto [after, after_words] = drift_chart(dir_.File("after"));
  EXPECT_NE(after.find("r = the prompt's embedding: 12 trajectories"), std::string::npos) << after;
  EXPECT_NE(after.find("first image): 12"), std::string::npos) << after;
  EXPECT_FALSE(panic::testing::WordsNamed(after_words, "2").empty()) << "the drift axis reaches 2\n" << after;
}

TEST_F(ChartsReportTest, ChartsWithoutDiagramsSkipThemWithTheReason) {
  panic::testing::FixtureSpec spec;
  spec.prompts = {"bare"};
  auto bare = panic::testing::BuildExperiment(*db_, spec);
  auto summary = ExportCharts(*db_, {bare.experiment.id}, dir_.File("bare"), DrawingFormat::kPdf);
  ASSERT_TRUE(summary.ok()) << summary.status().message();
  ASSERT_EQ(summary->written.size(), 1u);  // run lengths only
  EXPECT_NE(summary->written[0].find("run_lengths.pdf"), std::string::npos);
}

TEST(HtmlEscapeTest, EscapesMarkupAndRepairsBytes) {
  EXPECT_EQ(HtmlEscape("<script>alert('x')</script> & \"q\""),
            "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; &quot;q&quot;");
  EXPECT_EQ(HtmlEscape(std::string("a\xff" "b\x01" "c", 5)), "a\xEF\xBF\xBD" "bc");
  EXPECT_EQ(Base64("foobar"), "Zm9vYmFy");
  EXPECT_EQ(Base64("fooba"), "Zm9vYmE=");
  EXPECT_EQ(Base64("foob"), "Zm9vYg==");
}

TEST_F(ChartsReportTest, ReportIsSelfContainedEscapedAndOpensInChromium) {
  const std::string html = dir_.File("report.html");
  ASSERT_TRUE(WriteHtmlReport(*db_, fx_.experiment.id, html).ok());
  const std::string page = panic::testing::ReadFile(html);
  EXPECT_EQ(page.find("<script"), std::string::npos) << "a prompt became markup";
  EXPECT_NE(page.find("&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;"), std::string::npos);
  EXPECT_NE(page.find("&lt;img src=x onerror=alert(1)&gt;"), std::string::npos);  // from options
  EXPECT_EQ(page.find("src=\"http"), std::string::npos) << "the report must not fetch anything";
  EXPECT_NE(page.find("data:image/png;base64,"), std::string::npos);
  EXPECT_NE(page.find("data:image/svg+xml;base64,"), std::string::npos);
  EXPECT_NE(page.find("富士山の夕焼け"), std::string::npos);
  EXPECT_NE(page.find("duplicate"), std::string::npos);

  if (panic::testing::RunShell("command -v chromium").exit_code != 0) GTEST_SKIP() << "no chromium";
  const std::string shot = dir_.File("shot.png");
  const std::string profile = dir_.File("profile");
  const std::string flags = "--headless --no-sandbox --disable-gpu --no-first-run --user-data-dir=" + ShellQuote(profile) +
                            " --enable-logging=stderr --v=0 --window-size=1280,2400 ";
  auto r = panic::testing::RunShell("timeout 120 chromium " + flags + "--screenshot=" + ShellQuote(shot) + " " +
                                    ShellQuote("file://" + html));
  ASSERT_TRUE(fs::exists(shot)) << r.err;
  EXPECT_GT(fs::file_size(shot), 20000u);
  EXPECT_EQ(r.err.find("CONSOLE"), std::string::npos) << r.err;
  EXPECT_EQ(r.err.find("Uncaught"), std::string::npos) << r.err;
  // The DOM as Chromium built it: the hostile prompt is text, no script element exists.
  auto dom = panic::testing::RunShell("timeout 120 chromium " + flags + "--dump-dom " + ShellQuote("file://" + html));
  EXPECT_NE(dom.out.find("&lt;script&gt;alert"), std::string::npos) << dom.err;
  EXPECT_EQ(dom.out.find("<script"), std::string::npos);
  // The screenshot is not blank: it holds the charts' colours.
  EXPECT_GT(ColouredPixels(shot), 1000);
}

}  // namespace
}  // namespace panic::exporting
