#include "panic/export/cluster_charts.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>

#include "panic/export/chart_primitives.h"

namespace panic::exporting {
namespace {

namespace clustering = store::clustering;

constexpr int kMargin = 16, kHeaderH = 40, kLegendW = 300;
constexpr size_t kMaxTimelineRuns = 150;  // rows drawn; more runs are thinned evenly

const Rgba kOther{0.62, 0.62, 0.62, 1};
const Rgba kOutlier{0.90, 0.90, 0.90, 1};

struct Run {
  std::string prompt;
  std::vector<std::pair<int64_t, int64_t>> steps;  // (sequence number, label)
};

struct ClusterChartData {
  clustering::ResultRecord result;
  std::vector<clustering::ClusterSummary> named;  // the largest, at most kNamedClusters
  std::map<int64_t, size_t> rank;                 // label → 0-based rank among `named`
  std::vector<Run> runs;
  std::vector<std::string> prompts;
  int64_t max_step = 0;
};

// The colour slot of a label: its rank among the named clusters, else "other" or "outlier".
size_t Slot(const ClusterChartData& d, int64_t label) {
  if (label < 0) return d.named.size() + 1;
  auto it = d.rank.find(label);
  return it == d.rank.end() ? d.named.size() : it->second;
}
Rgba SlotColor(const ClusterChartData& d, size_t slot) {
  if (slot < d.named.size()) return PaletteColor(slot);
  return slot == d.named.size() ? kOther : kOutlier;
}
std::string SlotName(const ClusterChartData& d, size_t slot) {
  if (slot == d.named.size()) return "other clusters";
  if (slot > d.named.size()) return "outlier";
  const auto& c = d.named[slot];
  std::string medoid = c.medoid_type && *c.medoid_type == "text" ? c.medoid_text : "image";
  if (medoid.size() > 40) medoid = ValidUtf8(medoid.substr(0, 40)) + "…";
  return "#" + std::to_string(slot + 1) + " (c" + std::to_string(c.label) + "): " + medoid;
}

std::vector<std::pair<std::string, Rgba>> Legend(const ClusterChartData& d, bool with_outliers) {
  std::vector<std::pair<std::string, Rgba>> out;
  for (size_t s = 0; s <= d.named.size() + (with_outliers ? 1 : 0); ++s) out.emplace_back(SlotName(d, s), SlotColor(d, s));
  return out;
}

std::string Subtitle(const ClusterChartData& d) {
  return "clustering " + d.result.id.substr(0, 8) + " · " + d.result.embedding_model + " · " + d.result.algorithm + " (" +
         d.result.path.value_or("?") + ") · " + std::to_string(d.result.point_count.value_or(0)) + " outputs, " +
         std::to_string(d.result.cluster_count.value_or(0)) + " clusters";
}

Result<ClusterChartData> Gather(store::Database& db, const std::vector<std::string>& experiment_ids) {
  ClusterChartData d;
  return db.Read([&](store::SqliteDb& c) -> Result<ClusterChartData> {
    PANIC_ASSIGN_OR_RETURN(std::string id, clustering::NewestCovering(c, experiment_ids));
    PANIC_ASSIGN_OR_RETURN(d.result, clustering::Get(c, id));
    PANIC_ASSIGN_OR_RETURN(d.named, clustering::Clusters(c, id, static_cast<int64_t>(kNamedClusters)));
    for (size_t i = 0; i < d.named.size(); ++i) d.rank[d.named[i].label] = i;
    for (const std::string& experiment : experiment_ids) {
      PANIC_ASSIGN_OR_RETURN(auto steps, clustering::LabelledSteps(c, id, experiment));
      std::string run_id;
      for (const auto& s : steps) {
        if (d.runs.empty() || s.run_id != run_id) {
          run_id = s.run_id;
          d.runs.push_back({s.initial_prompt, {}});
          if (std::find(d.prompts.begin(), d.prompts.end(), s.initial_prompt) == d.prompts.end()) {
            d.prompts.push_back(s.initial_prompt);
          }
        }
        d.runs.back().steps.emplace_back(s.sequence_number, s.label);
        d.max_step = std::max(d.max_step, s.sequence_number);
      }
    }
    return d;
  });
}

Status Timelines(const ClusterChartData& d, const std::string& path, DrawingFormat format) {
  std::vector<size_t> rows;  // run indices drawn
  const size_t n = d.runs.size();
  for (size_t i = 0; i < std::min(n, kMaxTimelineRuns); ++i) rows.push_back(i * n / std::min(n, kMaxTimelineRuns));
  const int plot_h = std::clamp(static_cast<int>(rows.size()) * 8, 200, 900);
  const int width = 2 * kMargin + 760 + kLegendW, height = kHeaderH + plot_h + 90;
  PANIC_ASSIGN_OR_RETURN(auto file, DrawingFile::Create(path, format, width, height));
  cairo_t* cr = file->cr();
  TextRenderer text;
  DrawChartHeader(cr, text, width, "Cluster timelines",
         Subtitle(d) + (rows.size() < n ? " · " + std::to_string(rows.size()) + " of " + std::to_string(n) + " runs" : ""));
  Panel panel(cr, text, {kMargin, kHeaderH, 760, plot_h + 80}, "",
              {0, static_cast<double>(d.max_step + 1), "step"}, {0, static_cast<double>(rows.size()), "run"});
  panel.DrawFrame();
  panel.Clip();
  for (size_t r = 0; r < rows.size(); ++r) {
    const Run& run = d.runs[rows[r]];
    const double y0 = panel.Y(static_cast<double>(rows.size() - r)), y1 = panel.Y(static_cast<double>(rows.size() - r - 1));
    for (size_t k = 0; k < run.steps.size(); ++k) {
      const auto [step, label] = run.steps[k];
      // Each output's colour spans until the run's next clustered output.
      const int64_t next = k + 1 < run.steps.size() ? run.steps[k + 1].first : step + 1;
      const Rgba c = SlotColor(d, Slot(d, label));
      cairo_set_source_rgba(cr, c.r, c.g, c.b, 1);
      cairo_rectangle(cr, panel.X(static_cast<double>(step)), y0, panel.X(static_cast<double>(next)) - panel.X(static_cast<double>(step)),
                      std::max(1.0, y1 - y0 - 1));
      cairo_fill(cr);
    }
  }
  panel.Unclip();
  DrawLegend(cr, text, kMargin + 770, kHeaderH + 10, kLegendW - 16, "cluster (by size): medoid", Legend(d, true));
  return file->Finish();
}

Status Bubbles(const ClusterChartData& d, const std::string& path, DrawingFormat format) {
  const size_t slots = d.named.size() + 1;  // the named clusters and "other"
  std::vector<std::vector<int64_t>> count(d.prompts.size(), std::vector<int64_t>(slots, 0));
  int64_t top = 1;
  for (const Run& run : d.runs) {
    const size_t p = static_cast<size_t>(std::find(d.prompts.begin(), d.prompts.end(), run.prompt) - d.prompts.begin());
    for (const auto& [step, label] : run.steps) {
      if (label < 0) continue;
      top = std::max(top, ++count[p][Slot(d, label)]);
    }
  }
  std::vector<std::string> names;
  for (const auto& p : d.prompts) names.push_back(p.size() > 60 ? ValidUtf8(p.substr(0, 60)) + "…" : p);
  const int plot_w = std::clamp(static_cast<int>(d.prompts.size()) * 110, 360, 1400);
  const int width = 2 * kMargin + plot_w + kLegendW, height = kHeaderH + 60 * static_cast<int>(slots) + 120;
  PANIC_ASSIGN_OR_RETURN(auto file, DrawingFile::Create(path, format, width, height));
  cairo_t* cr = file->cr();
  TextRenderer text;
  DrawChartHeader(cr, text, width, "Clusters by prompt", Subtitle(d) + " · bubble area ∝ outputs");
  Axis x{0, 1, "prompt", names};
  Panel panel(cr, text, {kMargin, kHeaderH, plot_w, height - kHeaderH - 10}, "", x,
              {0.5, static_cast<double>(slots) + 0.5, "cluster rank (1 = largest; last = other clusters)"});
  panel.DrawFrame();
  const double max_r = std::min(panel.CategoryWidth(), std::abs(panel.Y(1) - panel.Y(2))) * 0.45;
  for (size_t p = 0; p < d.prompts.size(); ++p) {
    for (size_t s = 0; s < slots; ++s) {
      if (!count[p][s]) continue;
      const double r = max_r * std::sqrt(static_cast<double>(count[p][s]) / static_cast<double>(top));
      const Rgba c = SlotColor(d, s);
      cairo_set_source_rgba(cr, c.r, c.g, c.b, 0.85);
      cairo_arc(cr, panel.CategoryX(p), panel.Y(static_cast<double>(s + 1)), std::max(r, 1.5), 0, 2 * M_PI);
      cairo_fill(cr);
    }
  }
  DrawLegend(cr, text, kMargin + plot_w + 10, kHeaderH + 10, kLegendW - 16, "cluster (by size): medoid", Legend(d, false));
  return file->Finish();
}

Status Transitions(const ClusterChartData& d, const std::string& path, DrawingFormat format) {
  const size_t states = d.named.size() + 2;  // named, other, outlier
  std::vector<std::vector<double>> p(states, std::vector<double>(states, 0));
  for (const Run& run : d.runs) {
    for (size_t k = 0; k + 1 < run.steps.size(); ++k) p[Slot(d, run.steps[k].second)][Slot(d, run.steps[k + 1].second)] += 1;
  }
  for (auto& row : p) {
    double total = 0;
    for (double v : row) total += v;
    if (total > 0) for (double& v : row) v /= total;
  }
  const int side = 80 * static_cast<int>(states);
  // The panel: the y names' column, the square matrix, a small right margin.
  const int panel_w = 20 + Panel::kYCategoryLabelWidth + side + 10;
  const int width = 2 * kMargin + panel_w + 16 + kLegendW, height = kHeaderH + side + 100;
  PANIC_ASSIGN_OR_RETURN(auto file, DrawingFile::Create(path, format, width, height));
  cairo_t* cr = file->cr();
  TextRenderer text;
  DrawChartHeader(cr, text, width, "Cluster transitions", Subtitle(d) + " · P(next output's cluster | this one's), within runs");
  std::vector<std::string> names;
  for (size_t s = 0; s < states; ++s) names.push_back(s < d.named.size() ? "#" + std::to_string(s + 1) : (s == d.named.size() ? "other" : "outlier"));
  // Rows are the "from" state (top to bottom), columns the "to" state, in the same order.
  Panel panel(cr, text, {kMargin, kHeaderH, panel_w, side + 66}, "", {0, 1, "to (next output's cluster)", names},
              {0, 1, "from (this output's cluster)", names});
  panel.DrawFrame();
  const Rgba hot = PaletteColor(4);  // blue
  for (size_t a = 0; a < states; ++a) {
    for (size_t b = 0; b < states; ++b) {
      const double v = p[a][b];
      cairo_set_source_rgba(cr, 1 - v * (1 - hot.r), 1 - v * (1 - hot.g), 1 - v * (1 - hot.b), 1);
      const double x0 = panel.X(static_cast<double>(b)), x1 = panel.X(static_cast<double>(b + 1));
      const double y0 = panel.CategoryY(a) - panel.CategoryHeight() / 2, y1 = y0 + panel.CategoryHeight();
      cairo_rectangle(cr, x0 + 1, y0 + 1, x1 - x0 - 2, y1 - y0 - 2);
      cairo_fill(cr);
      char buf[16];
      std::snprintf(buf, sizeof buf, "%.2f", v);
      text.Draw(cr, buf, {static_cast<int>(x0), static_cast<int>((y0 + y1) / 2) - 8, static_cast<int>(x1 - x0), 16},
                {10, v > 0.55 ? Rgba{1, 1, 1, 1} : Rgba{0.2, 0.2, 0.2, 1}, false, HAlign::kCenter, VAlign::kMiddle, 1});
    }
  }
  std::vector<std::pair<std::string, Rgba>> legend = Legend(d, true);
  for (double v : {0.0, 0.25, 0.5, 0.75, 1.0}) {
    legend.emplace_back("P = " + TickLabel(v), Rgba{1 - v * (1 - hot.r), 1 - v * (1 - hot.g), 1 - v * (1 - hot.b), 1});
  }
  DrawLegend(cr, text, kMargin + panel_w + 16, kHeaderH + 10, kLegendW - 16, "states and probability", legend);
  return file->Finish();
}

}  // namespace

Status ExportClusterCharts(store::Database& db, const std::vector<std::string>& experiment_ids,
                           const std::string& dir, DrawingFormat format, ChartsSummary* summary) {
  auto data = Gather(db, experiment_ids);
  if (!data.ok() && data.status().code() != StatusCode::kNotFound) return data.status();
  const char* names[] = {"cluster_timelines", "cluster_bubbles", "cluster_transitions"};
  if (!data.ok() || data->runs.empty()) {
    const std::string why = data.ok() ? "the newest clustering result covering these experiments has none of their outputs"
                                      : "no stored clustering result covers these experiments (`panic-tda cluster run "
                                        "--experiment ID …` makes one)";
    for (const char* name : names) summary->skipped.emplace_back(name, why);
    return Status::Ok();
  }
  Status (*draw[])(const ClusterChartData&, const std::string&, DrawingFormat) = {Timelines, Bubbles, Transitions};
  for (size_t i = 0; i < 3; ++i) {
    const std::string file = (std::filesystem::path(dir) / (std::string(names[i]) + "." + DrawingExtension(format))).string();
    PANIC_RETURN_IF_ERROR(draw[i](*data, file, format));
    summary->written.push_back(file);
  }
  return Status::Ok();
}

}  // namespace panic::exporting
