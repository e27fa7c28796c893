#include "panic/export/lyapunov_charts.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <map>

#include "panic/export/chart_primitives.h"
#include "panic/store/analysis_tables.h"
#include "panic/store/experiments_table.h"

namespace panic::exporting {
namespace {

constexpr int kMargin = 16, kLegendW = 300;
constexpr int kCurvePanelW = 440, kCurvePanelH = 330;
constexpr size_t kNamedPrompts = 7;  // prompts with their own colour; the rest share grey
constexpr size_t kLegendNameChars = 44;

const Rgba kOtherPrompts{0.6, 0.6, 0.6, 1};
const Rgba kNoResult{0.90, 0.90, 0.90, 1};
const Rgba kNegative{0.0, 0.447, 0.698, 1};   // Okabe–Ito blue
const Rgba kPositive{0.835, 0.369, 0.0, 1};   // Okabe–Ito vermillion

std::string NetworkName(const std::vector<std::string>& network) {
  std::string out;
  for (const auto& m : network) out += (out.empty() ? "" : " → ") + m;
  return out;
}

std::string Shorten(const std::string& s, size_t bytes) {
  return s.size() > bytes ? ValidUtf8(s.substr(0, bytes)) + "…" : s;
}

// One panel of each chart: the results of one experiment under one embedding model on one network.
struct Group {
  std::string experiment_id, model, network;
  std::vector<size_t> records;  // indices into LyapunovChartData::records
  std::vector<size_t> prompts;  // indices into LyapunovChartData::prompts, in the experiment's order
};

struct LyapunovChartData {
  std::vector<store::LyapunovRecord> records;
  std::vector<std::string> prompts;  // every prompt with a result, experiments' order
  std::vector<Group> groups;         // by experiment, then first appearance of (model, network)
  bool several_experiments = false;
};

size_t PromptIndex(LyapunovChartData& d, const std::string& prompt) {
  auto it = std::find(d.prompts.begin(), d.prompts.end(), prompt);
  if (it == d.prompts.end()) it = d.prompts.insert(d.prompts.end(), prompt);
  return static_cast<size_t>(it - d.prompts.begin());
}

Result<LyapunovChartData> Gather(store::Database& db, const std::vector<std::string>& experiment_ids) {
  return db.Read([&](store::SqliteDb& c) -> Result<LyapunovChartData> {
    LyapunovChartData d;
    d.several_experiments = experiment_ids.size() > 1;
    for (const std::string& id : experiment_ids) {
      PANIC_ASSIGN_OR_RETURN(auto experiment, store::experiments::Get(c, id));
      PANIC_ASSIGN_OR_RETURN(auto results, store::lyapunov::List(c, id));
      // The experiment's prompt order first, so that rows and columns follow its config.
      std::vector<std::string> order = experiment.prompts;
      for (const auto& r : results) {
        for (const std::string* p : {&r.initial_prompt, &r.other_prompt}) {
          if (!p->empty() && std::find(order.begin(), order.end(), *p) == order.end()) order.push_back(*p);
        }
      }
      const size_t first_group = d.groups.size();
      for (auto& r : results) {
        const std::string network = NetworkName(r.network);
        auto g = std::find_if(d.groups.begin() + static_cast<std::ptrdiff_t>(first_group), d.groups.end(),
                              [&](const Group& x) { return x.model == r.embedding_model && x.network == network; });
        if (g == d.groups.end()) g = d.groups.insert(d.groups.end(), Group{id, r.embedding_model, network, {}, {}});
        g->records.push_back(d.records.size());
        d.records.push_back(std::move(r));
      }
      for (auto g = d.groups.begin() + static_cast<std::ptrdiff_t>(first_group); g != d.groups.end(); ++g) {
        for (const std::string& p : order) {
          const bool used = std::any_of(g->records.begin(), g->records.end(), [&](size_t k) {
            return d.records[k].initial_prompt == p || d.records[k].other_prompt == p;
          });
          if (used) g->prompts.push_back(PromptIndex(d, p));
        }
      }
    }
    return d;
  });
}

std::string PanelTitle(const LyapunovChartData& d, const Group& g) {
  return (d.several_experiments ? g.experiment_id.substr(0, 8) + " · " : std::string()) + g.network + " · " + g.model;
}

Rgba PromptColor(size_t prompt) { return prompt < kNamedPrompts ? PaletteColor(prompt) : kOtherPrompts; }

// A facet grid of equal slots, up to `max_cols` columns, plus the legend column.
struct Facets {
  int cols, rows, slot_w, slot_h, width, height;
  Rect Slot(int i) const { return {kMargin + (i % cols) * slot_w, kChartHeaderHeight + (i / cols) * slot_h, slot_w - 8, slot_h - 8}; }
  int legend_x() const { return kMargin + cols * slot_w + 8; }
};
Facets FacetsFor(int n, int max_cols, int slot_w, int slot_h) {
  const int cols = std::max(1, std::min(n, max_cols));
  const int rows = std::max(1, (n + cols - 1) / cols);
  return {cols, rows, slot_w, slot_h, 2 * kMargin + cols * slot_w + kLegendW, kChartHeaderHeight + rows * slot_h + kMargin};
}

std::vector<std::pair<std::string, Rgba>> PromptLegend(const LyapunovChartData& d, const std::vector<size_t>& shown) {
  std::vector<std::pair<std::string, Rgba>> out;
  bool others = false;
  for (size_t p : shown) {
    if (p < kNamedPrompts) {
      out.emplace_back(Shorten(d.prompts[p], kLegendNameChars), PromptColor(p));
    } else {
      others = true;
    }
  }
  if (others) out.emplace_back("other prompts", kOtherPrompts);
  return out;
}

Status DivergenceCurves(const LyapunovChartData& d, const std::string& path, DrawingFormat format) {
  std::vector<const Group*> panels;
  double top = 0;
  std::vector<size_t> shown;  // prompts with a curve
  for (const Group& g : d.groups) {
    bool any = false;
    for (size_t k : g.records) {
      const auto& r = d.records[k];
      if (!r.other_prompt.empty()) continue;
      any = true;
      for (double v : r.curve) {
        if (std::isfinite(v)) top = std::max(top, v);
      }
      const size_t p = static_cast<size_t>(std::find(d.prompts.begin(), d.prompts.end(), r.initial_prompt) - d.prompts.begin());
      if (std::find(shown.begin(), shown.end(), p) == shown.end()) shown.push_back(p);
    }
    if (any) panels.push_back(&g);
  }
  // One y scale for every panel, so that panels compare; distances on the unit sphere are ≤ 2.
  top = top > 0 ? top * 1.08 : 1.0;
  const Facets f = FacetsFor(static_cast<int>(panels.size()), 3, kCurvePanelW, kCurvePanelH);
  PANIC_ASSIGN_OR_RETURN(auto file, DrawingFile::Create(path, format, f.width, f.height));
  cairo_t* cr = file->cr();
  TextRenderer text;
  DrawChartHeader(cr, text, f.width, "Divergence of runs from the same prompt",
                  "d(t) = mean distance on the unit sphere between the runs' t-th embedded outputs; "
                  "dashed: the log-linear fit e^(a + λt), whose slope λ is the finite-time Lyapunov exponent");
  for (size_t i = 0; i < panels.size(); ++i) {
    const Group& g = *panels[i];
    double last = 1;
    for (size_t k : g.records) {
      if (d.records[k].other_prompt.empty()) last = std::max(last, static_cast<double>(d.records[k].curve.size()) - 1);
    }
    Panel panel(cr, text, f.Slot(static_cast<int>(i)), PanelTitle(d, g), {0, last, "t (the runs' t-th embedded output)"},
                {0, top, "mean pairwise distance d(t)"});
    panel.DrawFrame();
    panel.Clip();
    for (size_t k : g.records) {
      const auto& r = d.records[k];
      if (!r.other_prompt.empty() || r.curve.empty()) continue;
      const size_t p = static_cast<size_t>(std::find(d.prompts.begin(), d.prompts.end(), r.initial_prompt) - d.prompts.begin());
      const Rgba c = PromptColor(p);
      cairo_set_source_rgba(cr, c.r, c.g, c.b, 1);
      cairo_set_line_width(cr, 1.8);
      bool pen = false;
      for (size_t t = 0; t < r.curve.size(); ++t) {
        if (!std::isfinite(r.curve[t])) {
          pen = false;
          continue;
        }
        const double x = panel.X(static_cast<double>(t)), y = panel.Y(r.curve[t]);
        pen ? cairo_line_to(cr, x, y) : cairo_move_to(cr, x, y);
        pen = true;
      }
      if (r.curve.size() == 1 && std::isfinite(r.curve[0])) {
        cairo_arc(cr, panel.X(0), panel.Y(r.curve[0]), 2.5, 0, 2 * M_PI);
        cairo_fill(cr);
      } else {
        cairo_stroke(cr);
      }
      // The fit, kept within a few plot heights so that cairo never sees huge coordinates.
      if (std::isfinite(r.exponent) && std::isfinite(r.intercept) && r.curve.size() > 1) {
        const double dashes[] = {5, 4};
        cairo_set_dash(cr, dashes, 2, 0);
        cairo_set_line_width(cr, 1.1);
        cairo_set_source_rgba(cr, c.r, c.g, c.b, 0.85);
        const int samples = 100;
        for (int s = 0; s <= samples; ++s) {
          const double t = static_cast<double>(r.curve.size() - 1) * s / samples;
          const double y = std::clamp(std::exp(std::clamp(r.intercept + r.exponent * t, -700.0, 700.0)), 0.0, 4 * top);
          s == 0 ? cairo_move_to(cr, panel.X(t), panel.Y(y)) : cairo_line_to(cr, panel.X(t), panel.Y(y));
        }
        cairo_stroke(cr);
        cairo_set_dash(cr, nullptr, 0, 0);
      }
    }
    panel.Unclip();
  }
  std::sort(shown.begin(), shown.end());
  auto legend = PromptLegend(d, shown);
  legend.emplace_back("dashed: log-linear fit", Rgba{0.3, 0.3, 0.3, 1});
  DrawLegend(cr, text, f.legend_x(), kChartHeaderHeight + 30, kLegendW - 16, "prompt", legend);
  return file->Finish();
}

std::string ValueLabel(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.3g", v);
  return buf;
}

Status FtleHeatMap(const LyapunovChartData& d, const std::string& path, DrawingFormat format) {
  // The scale: symmetric around 0, the largest |λ| of any panel.
  double scale = 0;
  for (const auto& r : d.records) {
    if (std::isfinite(r.exponent)) scale = std::max(scale, std::abs(r.exponent));
  }
  if (!(scale > 0)) scale = 1e-3;
  size_t most = 1;
  for (const Group& g : d.groups) most = std::max(most, g.prompts.size());
  // Every panel gets the same square slot, sized for the group with the most prompts.
  const int side = std::clamp(static_cast<int>(most) * 64, 192, 720);
  const int panel_w = 20 + Panel::kYCategoryLabelWidth + side + 10, panel_h = 28 + side + 58;
  const Facets f = FacetsFor(static_cast<int>(d.groups.size()), 2, panel_w + 16, panel_h + 16);
  PANIC_ASSIGN_OR_RETURN(auto file, DrawingFile::Create(path, format, f.width, f.height));
  cairo_t* cr = file->cr();
  TextRenderer text;
  DrawChartHeader(cr, text, f.width, "Finite-time Lyapunov exponents, prompt × prompt",
                  "λ per step = least-squares slope of ln d(t); diagonal: within a prompt's runs; "
                  "off the diagonal: one prompt's runs against the other's · " + std::to_string(d.records.size()) + " results");
  for (size_t i = 0; i < d.groups.size(); ++i) {
    const Group& g = d.groups[i];
    const size_t n = g.prompts.size();
    std::vector<std::string> names;
    for (size_t p : g.prompts) names.push_back(Shorten(d.prompts[p], 80));
    // λ[a][b] of the group's prompts a, b (positions in g.prompts); NaN: no result.
    std::vector<std::vector<double>> lambda(n, std::vector<double>(n, std::nan("")));
    auto position = [&](const std::string& prompt) {
      for (size_t a = 0; a < n; ++a) {
        if (d.prompts[g.prompts[a]] == prompt) return a;
      }
      return n;
    };
    for (size_t k : g.records) {
      const auto& r = d.records[k];
      const size_t a = position(r.initial_prompt), b = r.other_prompt.empty() ? a : position(r.other_prompt);
      if (a < n && b < n) lambda[a][b] = lambda[b][a] = r.exponent;
    }
    const Rect slot = f.Slot(static_cast<int>(i));
    Panel panel(cr, text, {slot.x, slot.y, panel_w, panel_h}, PanelTitle(d, g), {0, 1, "prompt", names},
                {0, 1, "prompt", names});
    panel.DrawFrame();
    const double cw = panel.CategoryWidth(), ch = panel.CategoryHeight();
    const double font = std::min(10.0, std::min(cw / 4.2, ch / 2.2));
    for (size_t a = 0; a < n; ++a) {
      for (size_t b = 0; b < n; ++b) {
        const double v = lambda[a][b];
        const bool has = std::isfinite(v);
        const Rgba c = has ? DivergingColor(v, scale) : kNoResult;
        const double x0 = panel.X(static_cast<double>(b)), y0 = panel.CategoryY(a) - ch / 2;
        cairo_set_source_rgba(cr, c.r, c.g, c.b, 1);
        cairo_rectangle(cr, x0 + 0.5, y0 + 0.5, cw - 1, ch - 1);
        cairo_fill(cr);
        if (has && font >= 6) {
          const bool dark = std::abs(v) / scale > 0.6;
          text.Draw(cr, ValueLabel(v), {static_cast<int>(x0), static_cast<int>(y0), static_cast<int>(cw), static_cast<int>(ch)},
                    {font, dark ? Rgba{1, 1, 1, 1} : Rgba{0.15, 0.15, 0.15, 1}, false, HAlign::kCenter, VAlign::kMiddle, 1});
        }
      }
    }
  }
  std::vector<std::pair<std::string, Rgba>> legend;
  for (double t : {1.0, 0.5, 0.0, -0.5, -1.0}) legend.emplace_back("λ = " + ValueLabel(t * scale), DivergingColor(t * scale, scale));
  legend.emplace_back("no result", kNoResult);
  DrawLegend(cr, text, f.legend_x(), kChartHeaderHeight + 30, kLegendW - 16, "exponent λ per step", legend);
  return file->Finish();
}

}  // namespace

Rgba DivergingColor(double value, double scale) {
  const double t = scale > 0 ? std::clamp(value / scale, -1.0, 1.0) : 0.0;
  const Rgba& end = t < 0 ? kNegative : kPositive;
  const double w = std::abs(t);
  return {1 - w * (1 - end.r), 1 - w * (1 - end.g), 1 - w * (1 - end.b), 1};
}

Status ExportLyapunovCharts(store::Database& db, const std::vector<std::string>& experiment_ids,
                            const std::string& dir, DrawingFormat format, ChartsSummary* summary) {
  PANIC_ASSIGN_OR_RETURN(LyapunovChartData d, Gather(db, experiment_ids));
  auto file = [&](const std::string& name) {
    return (std::filesystem::path(dir) / (name + "." + DrawingExtension(format))).string();
  };
  if (d.records.empty()) {
    const std::string why =
        "no stored Lyapunov results for these experiments: the lyapunov stage computes them once runs have stopped "
        "(`panic-tda experiment resume EXPERIMENT --stages lyapunov`, or any `experiment run`/`resume`); a prompt "
        "needs 2 or more stopped runs with 2 or more embeddings each";
    summary->skipped.emplace_back("lyapunov_divergence", why);
    summary->skipped.emplace_back("lyapunov_ftle", why);
    return Status::Ok();
  }
  const bool curves = std::any_of(d.records.begin(), d.records.end(), [](const auto& r) { return r.other_prompt.empty(); });
  if (curves) {
    PANIC_RETURN_IF_ERROR(DivergenceCurves(d, file("lyapunov_divergence"), format));
    summary->written.push_back(file("lyapunov_divergence"));
  } else {
    summary->skipped.emplace_back("lyapunov_divergence",
                                  "only cross-prompt results are stored: a prompt's own curve needs 2 or more of its "
                                  "runs (more seeds)");
  }
  PANIC_RETURN_IF_ERROR(FtleHeatMap(d, file("lyapunov_ftle"), format));
  summary->written.push_back(file("lyapunov_ftle"));
  return Status::Ok();
}

}  // namespace panic::exporting
