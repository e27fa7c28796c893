// The cluster charts and the report's cluster section (issue 14), drawn from a stored
// `cluster run` result: axis and legend text through pdftotext, a non-empty plot area in
// the PNG, and the report's table with the medoid captions (escaped) and example images.
#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <set>

#include "export/export_fixture_helpers.h"
#include "panic/engine/clustering_job.h"
#include "panic/export/cairo_image.h"
#include "panic/export/experiment_charts.h"
#include "panic/export/html_report.h"
#include "panic/store/clustering_table.h"
#include "support/test_support.h"

namespace panic::exporting {
namespace {

using panic::testing::ColouredPixels;
using panic::testing::PdfText;

class ClusterChartsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    db_ = store::Database::Open(dir_.File("c.db"), store::OpenMode::kCreate).value();
    panic::testing::FixtureSpec spec;
    spec.prompts = {panic::testing::HostilePrompts()[0], "a quiet lake"};
    spec.seeds = {1, 2, 3};
    spec.steps = 12;
    fx_ = panic::testing::BuildExperiment(*db_, spec);
    panic::testing::AddEmbeddingsAndDiagrams(*db_, fx_);
  }
  std::string Cluster() {
    engine::ClusteringJob job;
    job.experiment_ids = {fx_.experiment.id};
    job.parameters.min_cluster_size = 2;
    auto r = engine::RunClusteringJob(*db_, job);
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return r.ok() ? (*r)[0].id : "";
  }
  panic::testing::TempDir dir_;
  std::unique_ptr<store::Database> db_;
  panic::testing::Fixture fx_;
};

TEST_F(ClusterChartsTest, WithoutAResultTheClusterChartsAreSkippedWithTheReason) {
  auto summary = ExportCharts(*db_, {fx_.experiment.id}, dir_.File("none"), DrawingFormat::kPdf);
  ASSERT_TRUE(summary.ok()) << summary.status().message();
  std::set<std::string> skipped;
  for (const auto& [name, why] : summary->skipped) {
    if (name.rfind("cluster_", 0) == 0) {
      EXPECT_NE(why.find("cluster run"), std::string::npos) << why;
    }
    skipped.insert(name);
  }
  EXPECT_TRUE(skipped.count("cluster_timelines") && skipped.count("cluster_bubbles") &&
              skipped.count("cluster_transitions"));
}

TEST_F(ClusterChartsTest, ChartsCarryAxesLegendsAndData) {
  const std::string id = Cluster();
  const std::string pdf_dir = dir_.File("pdf");
  auto summary = ExportCharts(*db_, {fx_.experiment.id}, pdf_dir, DrawingFormat::kPdf);
  ASSERT_TRUE(summary.ok()) << summary.status().message();
  for (const auto& [name, why] : summary->skipped) EXPECT_EQ(name.rfind("cluster_", 0), std::string::npos) << name;
  const std::map<std::string, std::vector<std::string>> expected = {
      {"cluster_timelines", {"Cluster timelines", "step", "run", "cluster (by size): medoid", "#1 (c", "outlier",
                             "clustering " + id.substr(0, 8)}},
      {"cluster_bubbles", {"Clusters by prompt", "prompt", "a quiet lake", "cluster rank", "bubble area"}},
      {"cluster_transitions", {"Cluster transitions", "from", "to", "states and probability", "P = 0.5", "other"}},
  };
  for (const auto& [name, words] : expected) {
    const std::string text = PdfText(pdf_dir + "/" + name + ".pdf");
    for (const auto& w : words) EXPECT_NE(text.find(w), std::string::npos) << name << ": '" << w << "' missing in\n" << text;
  }
  const std::string png_dir = dir_.File("png");
  ASSERT_TRUE(ExportCharts(*db_, {fx_.experiment.id}, png_dir, DrawingFormat::kPng).ok());
  for (const auto& [name, words] : expected) {
    EXPECT_GT(ColouredPixels(png_dir + "/" + name + ".png"), 400) << name << " has an empty plot area";
  }
}

// The transition matrix names its states on both axes: rows ("from", top to bottom) and
// columns ("to", left to right) in the same order, and no numeric tick stands in for a name.
TEST_F(ClusterChartsTest, TransitionsNameTheStatesOnBothAxes) {
  const std::string id = Cluster();
  auto clusters = db_->Read([&](store::SqliteDb& c) { return store::clustering::Clusters(c, id, 7); });
  ASSERT_TRUE(clusters.ok());
  ASSERT_FALSE(clusters->empty());
  std::vector<std::string> states;
  for (size_t i = 0; i < clusters->size(); ++i) states.push_back("#" + std::to_string(i + 1));
  states.push_back("other");
  states.push_back("outlier");
  ASSERT_TRUE(ExportCharts(*db_, {fx_.experiment.id}, dir_.File("t"), DrawingFormat::kPdf).ok());
  const auto words = panic::testing::PdfWords(dir_.File("t") + "/cluster_transitions.pdf");
  // Each name: leftmost on the y axis, then on the x axis (the legend, right of both, may
  // name it again).
  std::vector<panic::testing::PdfWord> row_names, column_names;
  for (const auto& s : states) {
    auto found = panic::testing::WordsNamed(words, s);
    ASSERT_GE(found.size(), 2u) << "'" << s << "' is not on both axes";
    row_names.push_back(found[0]);
    column_names.push_back(found[1]);
  }
  // The cell values ("0.25"): the plot lies between the row names and the legend, which
  // starts right of the last column's name.
  double plot_left = 1e9;
  int cells = 0;
  for (const auto& w : words) {
    if (w.text.size() == 4 && w.text[1] == '.' && std::isdigit(static_cast<unsigned char>(w.text[0])) &&
        w.x_max < column_names.back().x_max + 20) {
      plot_left = std::min(plot_left, w.x_min);
      ++cells;
    }
  }
  EXPECT_EQ(cells, static_cast<int>(states.size() * states.size())) << "one value per cell";
  for (size_t i = 0; i < states.size(); ++i) {
    SCOPED_TRACE(states[i]);
    EXPECT_LT(row_names[i].x_max, plot_left) << "row name inside the plot";
    EXPECT_NEAR(row_names[i].x_max, row_names[0].x_max, 1.5) << "row names are right-aligned";
    EXPECT_NEAR(column_names[i].cy(), column_names[0].cy(), 1.0) << "column names share a baseline";
    EXPECT_GT(column_names[i].y_min, row_names.back().y_max) << "column names lie below the rows";
    if (i > 0) {
      EXPECT_GT(row_names[i].cy(), row_names[i - 1].cy() + 10) << "rows go top to bottom in state order";
      EXPECT_GT(column_names[i].cx(), column_names[i - 1].cx() + 10) << "columns go left to right in state order";
    }
  }
  // Nothing numeric to the left of the plot: the old axis showed 0, 1, 2… there.
  for (const auto& w : words) {
    if (w.x_max < plot_left && !w.text.empty() &&
        std::all_of(w.text.begin(), w.text.end(), [](char c) { return std::isdigit(static_cast<unsigned char>(c)) || c == '.'; })) {
      ADD_FAILURE() << "numeric label '" << w.text << "' beside the rows";
    }
  }
}

TEST_F(ClusterChartsTest, ReportListsTheClustersWithMedoidCaptionsAndExampleImages) {
  const std::string html = dir_.File("before.html");
  ASSERT_TRUE(WriteHtmlReport(*db_, fx_.experiment.id, html).ok());
  EXPECT_NE(panic::testing::ReadFile(html).find("No stored clustering result covers this experiment"), std::string::npos);

  const std::string id = Cluster();
  ASSERT_TRUE(WriteHtmlReport(*db_, fx_.experiment.id, dir_.File("r.html")).ok());
  const std::string page = panic::testing::ReadFile(dir_.File("r.html"));
  EXPECT_NE(page.find("clustering <code>" + id + "</code>"), std::string::npos);
  EXPECT_NE(page.find("<th>medoid</th>"), std::string::npos);
  EXPECT_NE(page.find("data:image/webp;base64,"), std::string::npos) << "no example image";
  EXPECT_EQ(page.find("<script"), std::string::npos) << "a prompt or caption became markup";
  // Every medoid caption of the largest clusters is in the table.
  auto clusters = db_->Read([&](store::SqliteDb& c) { return store::clustering::Clusters(c, id, 20); });
  ASSERT_TRUE(clusters.ok());
  ASSERT_FALSE(clusters->empty());
  for (const auto& c : *clusters) {
    if (c.medoid_type && *c.medoid_type == "text") {
      EXPECT_NE(page.find(HtmlEscape(c.medoid_text)), std::string::npos) << c.medoid_text;
    }
  }
  // The cluster charts are in the report too.
  EXPECT_NE(page.find("cluster_timelines"), std::string::npos);
}

}  // namespace
}  // namespace panic::exporting
