// The Lyapunov charts (issue 14): divergence curves and the prompt × prompt FTLE heat map,
// drawn from stored lyapunov_results rows with hostile prompts. Checked through pdftotext
// (axis, legend and panel text; each exponent written in the right cell, the matrix
// symmetric) and the PNG (a non-empty plot, each cell's colour on the diverging scale).
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <set>

#include "export/export_fixture_helpers.h"
#include "panic/core/time.h"
#include "panic/core/uuid.h"
#include "panic/export/cairo_image.h"
#include "panic/export/experiment_charts.h"
#include "panic/export/html_report.h"
#include "panic/export/lyapunov_charts.h"
#include "panic/store/analysis_tables.h"
#include "support/test_support.h"

namespace panic::exporting {
namespace {

using panic::testing::PdfWord;
using panic::testing::ColouredPixels;
using panic::testing::LoadPng;
using panic::testing::PdfText;

class LyapunovChartsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    db_ = store::Database::Open(dir_.File("l.db"), store::OpenMode::kCreate).value();
    panic::testing::FixtureSpec spec;
    const auto hostile = panic::testing::HostilePrompts();
    spec.prompts = {hostile[0], hostile[1], hostile[3]};
    spec.networks = {{"DummyT2I", "DummyI2T"}, {"DummyT2I2", "DummyI2T2"}};
    spec.seeds = {1, 2};
    spec.steps = 8;
    spec.embedding_models = {"DummyText", "DummyVision"};
    fx_ = panic::testing::BuildExperiment(*db_, spec);
  }

  // A result row; the curve rises geometrically with the exponent from 0.3.
  void Put(const std::vector<std::string>& network, const std::string& model, const std::string& prompt,
           const std::string& other, double exponent, int steps = 12) {
    store::LyapunovRecord r;
    r.id = NewUuidV7();
    r.experiment_id = fx_.experiment.id;
    r.network = network;
    r.initial_prompt = prompt;
    r.other_prompt = other;
    r.embedding_model = model;
    r.num_runs = other.empty() ? 2 : 4;
    r.num_pairs = other.empty() ? 1 : 4;
    r.num_timesteps = steps;
    r.exponent = exponent;
    r.intercept = std::log(0.3);
    r.r_squared = 1;
    r.bounded_status = "ok";
    r.d_inf = 1, r.d0 = 0.3, r.tau = 5, r.bounded_r_squared = 0.9;
    for (int t = 0; t < steps; ++t) r.curve.push_back(0.3 * std::exp(exponent * t));
    r.runs_fingerprint = "test";
    r.computed_at = NowIso();
    ASSERT_TRUE(db_->Write([&](store::SqliteDb& c) { return store::lyapunov::Put(c, r); }).ok());
  }

  // Group 1 (first network, DummyText): p0 and p1 within, p0×p1 and p0×p2 across; nothing
  // for p2 alone or p1×p2. Group 2 (second network, DummyVision): p2 within only.
  void PutResults() {
    const auto& p = fx_.experiment.prompts;
    const auto& n = fx_.experiment.networks;
    Put(n[0], "DummyText", p[0], "", 0.0125);
    Put(n[0], "DummyText", p[1], "", -0.0375);
    Put(n[0], "DummyText", p[0], p[1], 0.05);
    Put(n[0], "DummyText", p[0], p[2], -0.025);
    Put(n[1], "DummyVision", p[2], "", 0.0031, 20);
  }

  panic::testing::TempDir dir_;
  std::unique_ptr<store::Database> db_;
  panic::testing::Fixture fx_;
};

// The PNG pixel at (x, y) against a colour, each channel within 3 of 255 × the component.
void ExpectPixel(const RgbImage& img, double x, double y, const Rgba& c, const std::string& what) {
  const size_t i = (static_cast<size_t>(y) * img.width + static_cast<size_t>(x)) * 3;
  ASSERT_LT(i + 2, img.pixels.size()) << what;
  EXPECT_NEAR(img.pixels[i], c.r * 255, 3) << what << " (red)";
  EXPECT_NEAR(img.pixels[i + 1], c.g * 255, 3) << what << " (green)";
  EXPECT_NEAR(img.pixels[i + 2], c.b * 255, 3) << what << " (blue)";
}

TEST_F(LyapunovChartsTest, WithoutResultsBothAreSkippedSayingHowToMakeThem) {
  auto summary = ExportCharts(*db_, {fx_.experiment.id}, dir_.File("none"), DrawingFormat::kPdf);
  ASSERT_TRUE(summary.ok()) << summary.status().message();
  std::set<std::string> skipped;
  for (const auto& [name, why] : summary->skipped) {
    if (name.rfind("lyapunov", 0) == 0) {
      EXPECT_NE(why.find("--stages lyapunov"), std::string::npos) << why;
      skipped.insert(name);
    }
  }
  EXPECT_EQ(skipped, (std::set<std::string>{"lyapunov_divergence", "lyapunov_ftle"}));
  for (const auto& f : summary->written) EXPECT_EQ(f.find("lyapunov"), std::string::npos) << f;
}

TEST_F(LyapunovChartsTest, OnlyCrossPromptResultsGiveTheHeatMapAndSkipTheCurves) {
  const auto& p = fx_.experiment.prompts;
  Put(fx_.experiment.networks[0], "DummyText", p[0], p[1], 0.02);
  auto summary = ExportCharts(*db_, {fx_.experiment.id}, dir_.File("cross"), DrawingFormat::kPdf);
  ASSERT_TRUE(summary.ok()) << summary.status().message();
  const auto ftle = std::count_if(summary->written.begin(), summary->written.end(),
                                  [](const std::string& f) { return f.find("lyapunov_ftle.pdf") != std::string::npos; });
  EXPECT_EQ(ftle, 1);
  bool curves_skipped = false;
  for (const auto& [name, why] : summary->skipped) {
    if (name == "lyapunov_divergence") curves_skipped = why.find("cross-prompt") != std::string::npos;
  }
  EXPECT_TRUE(curves_skipped);
}

TEST_F(LyapunovChartsTest, DivergenceCurvesCarryAxesLegendAndData) {
  PutResults();
  const std::string pdf_dir = dir_.File("pdf");
  auto summary = ExportCharts(*db_, {fx_.experiment.id}, pdf_dir, DrawingFormat::kPdf);
  ASSERT_TRUE(summary.ok()) << summary.status().message();
  for (const auto& [name, why] : summary->skipped) EXPECT_EQ(name.rfind("lyapunov", 0), std::string::npos) << name << ": " << why;
  const std::string text = PdfText(pdf_dir + "/lyapunov_divergence.pdf");
  for (const std::string w : {"Divergence of runs from the same prompt", "mean pairwise distance d(t)",
                              "t (the runs' t-th embedded output)", "prompt", "dashed: log-linear fit",
                              "DummyT2I → DummyI2T · DummyText", "DummyT2I2 → DummyI2T2 · DummyVision",
                              "<script>alert('x')</script>", "富士山の夕焼け"}) {
    EXPECT_NE(text.find(w), std::string::npos) << "'" << w << "' missing in\n" << text;
  }
  // Two panels only: no (network, model) without a prompt's own curve gets one.
  EXPECT_EQ(text.find("DummyT2I → DummyI2T · DummyVision"), std::string::npos);
  // The x axis of the 20-step group reaches 15 (ticks 0, 5, 10, 15), the 12-step one's 10.
  const auto words = panic::testing::PdfWords(pdf_dir + "/lyapunov_divergence.pdf");
  EXPECT_EQ(panic::testing::WordsNamed(words, "15").size(), 1u);

  const std::string png_dir = dir_.File("png");
  ASSERT_TRUE(ExportCharts(*db_, {fx_.experiment.id}, png_dir, DrawingFormat::kPng).ok());
  EXPECT_GT(ColouredPixels(LoadPng(png_dir + "/lyapunov_divergence.png")), 400) << "empty plot area";
}

TEST_F(LyapunovChartsTest, HeatMapPutsEachExponentInItsCellsSymmetrically) {
  PutResults();
  const std::string pdf_dir = dir_.File("pdf");
  ASSERT_TRUE(ExportCharts(*db_, {fx_.experiment.id}, pdf_dir, DrawingFormat::kPdf).ok());
  const std::string pdf = pdf_dir + "/lyapunov_ftle.pdf";
  const std::string text = PdfText(pdf);
  for (const std::string w : {"Finite-time Lyapunov exponents, prompt × prompt", "exponent λ per step", "λ = 0.05",
                              "λ = -0.05", "λ = 0", "no result", "prompt", "DummyT2I → DummyI2T · DummyText",
                              "DummyT2I2 → DummyI2T2 · DummyVision", "<script>alert('x')</script>", "富士山の夕焼け"}) {
    EXPECT_NE(text.find(w), std::string::npos) << "'" << w << "' missing in\n" << text;
  }
  // The words of the panels: those left of the legend (which names λ values too).
  const auto all_words = panic::testing::PdfWords(pdf);
  const auto legend_title = panic::testing::WordsNamed(all_words, "exponent");
  ASSERT_EQ(legend_title.size(), 1u);
  std::vector<PdfWord> words;
  for (const auto& w : all_words) {
    if (w.x_max < legend_title[0].x_min) words.push_back(w);
  }
  auto one = [&](const std::string& value) {
    auto found = panic::testing::WordsNamed(words, value);
    EXPECT_EQ(found.size(), 1u) << value;
    return found.empty() ? PdfWord{} : found[0];
  };
  auto two = [&](const std::string& value) {
    auto found = panic::testing::WordsNamed(words, value);
    EXPECT_EQ(found.size(), 2u) << value << " must be in (p, q) and (q, p)";
    return found.size() == 2 ? found : std::vector<PdfWord>{PdfWord{}, PdfWord{}};
  };
  // The diagonal gives the grid: cell (0, 0) and cell (1, 1).
  const PdfWord d0 = one("0.0125"), d1 = one("-0.0375");
  const double col = d1.cx() - d0.cx(), row = d1.cy() - d0.cy();
  ASSERT_GT(col, 20);
  ASSERT_GT(row, 20);
  EXPECT_NEAR(col, row, 1.5) << "square cells";
  auto expect_at = [&](const PdfWord& w, int r, int c, const std::string& what) {
    EXPECT_NEAR(w.cx(), d0.cx() + c * col, 1.5) << what;
    EXPECT_NEAR(w.cy(), d0.cy() + r * row, 1.5) << what;
  };
  const auto across01 = two("0.05");  // left to right: (1, 0) then (0, 1)
  expect_at(across01[0], 1, 0, "0.05 at row 1, column 0");
  expect_at(across01[1], 0, 1, "0.05 at row 0, column 1");
  const auto across02 = two("-0.025");
  expect_at(across02[0], 2, 0, "-0.025 at row 2, column 0");
  expect_at(across02[1], 0, 2, "-0.025 at row 0, column 2");
  one("0.0031");  // the second panel's single cell
  // No value in (1, 2), (2, 1), (2, 2).
  int values = 0;
  for (const auto& w : words) {
    char* end = nullptr;
    std::strtod(w.text.c_str(), &end);
    if (!w.text.empty() && end && *end == '\0' && w.text.find('.') != std::string::npos) ++values;
  }
  EXPECT_EQ(values, 7) << "the six cells above and the 1 × 1 panel";

  // Colours, sampled in the cells below their text: the diverging scale, ±0.05 at its ends.
  const std::string png_dir = dir_.File("png");
  ASSERT_TRUE(ExportCharts(*db_, {fx_.experiment.id}, png_dir, DrawingFormat::kPng).ok());
  const RgbImage img = LoadPng(png_dir + "/lyapunov_ftle.png");
  EXPECT_GT(ColouredPixels(img), 400);
  auto cell = [&](int r, int c) { return std::pair<double, double>{d0.cx() + c * col, d0.cy() + r * row + row * 0.35}; };
  const std::vector<std::tuple<int, int, Rgba, std::string>> samples = {
      {0, 0, DivergingColor(0.0125, 0.05), "λ 0.0125"}, {1, 1, DivergingColor(-0.0375, 0.05), "λ -0.0375"},
      {0, 1, DivergingColor(0.05, 0.05), "λ 0.05"},     {1, 0, DivergingColor(0.05, 0.05), "λ 0.05 mirrored"},
      {2, 0, DivergingColor(-0.025, 0.05), "λ -0.025"}, {2, 2, Rgba{0.90, 0.90, 0.90, 1}, "no result"},
      {1, 2, Rgba{0.90, 0.90, 0.90, 1}, "no result"}};
  for (const auto& [r, c, colour, what] : samples) {
    const auto [x, y] = cell(r, c);
    ExpectPixel(img, x, y, colour, what);
  }
  // The scale's ends are the palette's blue and vermillion.
  const Rgba hi = DivergingColor(0.05, 0.05), lo = DivergingColor(-1, 0.05);
  EXPECT_NEAR(hi.r, 0.835, 1e-9);
  EXPECT_NEAR(hi.b, 0.0, 1e-9);
  EXPECT_NEAR(lo.g, 0.447, 1e-9);
  const Rgba zero = DivergingColor(0, 0.05);
  EXPECT_EQ(zero.r + zero.g + zero.b, 3.0);
}

TEST_F(LyapunovChartsTest, ReportShowsBothCharts) {
  PutResults();
  const std::string html = dir_.File("r.html");
  ASSERT_TRUE(WriteHtmlReport(*db_, fx_.experiment.id, html).ok());
  const std::string page = panic::testing::ReadFile(html);
  for (const std::string name : {"lyapunov_divergence", "lyapunov_ftle"}) {
    EXPECT_NE(page.find("<img alt=\"" + name + "\" src=\"data:image/svg+xml;base64,"), std::string::npos) << name;
  }
  EXPECT_EQ(page.find("<script"), std::string::npos);
}

}  // namespace
}  // namespace panic::exporting
