#include "panic/export/experiment_charts.h"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <map>
#include <set>
#include <tuple>

#include "panic/analysis/semantic_drift.h"
#include "panic/export/cancel.h"
#include "panic/export/chart_primitives.h"
#include "panic/export/cluster_charts.h"
#include "panic/export/lyapunov_charts.h"
#include "panic/store/analysis_tables.h"
#include "panic/store/diagrams_table.h"
#include "panic/store/embeddings_table.h"
#include "panic/store/experiments_table.h"
#include "panic/store/invocations_table.h"
#include "panic/store/npz_codec.h"
#include "panic/store/runs_table.h"

namespace panic::exporting {
namespace {

namespace fs = std::filesystem;

constexpr int kPanelW = 440, kPanelH = 330, kLegendW = 170, kMargin = 16, kHeaderH = 40;
constexpr size_t kMaxPointsPerSeries = 20000;  // diagram points drawn per (model, dimension)
constexpr size_t kMaxDensitySamples = 4000;    // values a density estimate is computed from
constexpr int kDeciles = 10;

std::string NetworkName(const std::vector<std::string>& network) {
  std::string out;
  for (const auto& m : network) out += (out.empty() ? "" : " → ") + m;
  return out;
}

// Every k-th value so that at most `cap` remain (deterministic thinning for drawing).
template <typename T>
std::vector<T> Thin(const std::vector<T>& v, size_t cap) {
  if (v.size() <= cap) return v;
  std::vector<T> out;
  const double stride = static_cast<double>(v.size()) / cap;
  for (size_t i = 0; i < cap; ++i) out.push_back(v[static_cast<size_t>(i * stride)]);
  return out;
}

template <typename T>
size_t IndexOf(std::vector<T>& v, const T& x) {
  auto it = std::find(v.begin(), v.end(), x);
  if (it == v.end()) it = v.insert(v.end(), x);
  return static_cast<size_t>(it - v.begin());
}

struct ChartData {
  std::vector<std::string> models;    // embedding models, first appearance
  std::vector<std::string> networks;  // network names
  std::vector<std::string> experiments;
  // Runs: network index, stop reason ("running" while none), length in invocations.
  struct Run {
    size_t network;
    std::string stop;
    int64_t length;
  };
  std::vector<Run> runs;
  size_t max_dim = 0;
  // [model][dim] → (birth, persistence) of finite bars
  std::map<size_t, std::map<size_t, std::vector<std::pair<float, float>>>> bars;
  // [model][network][dim] → entropies
  std::map<size_t, std::map<size_t, std::map<size_t, std::vector<double>>>> entropy;
  // [model][network][decile] → drift values
  std::map<size_t, std::map<size_t, std::vector<std::vector<double>>>> drift;
  int64_t diagrams = 0;
  // Drift trajectories (run × model) measured from the stored prompt embedding, and from the
  // run's first vector (image models, or a text model whose prompt embedding is missing).
  int64_t drift_from_prompt = 0, drift_from_first = 0;
};

Result<ChartData> Gather(store::Database& db, const std::vector<std::string>& experiment_ids,
                         const std::function<void(int64_t, int64_t)>& progress, const std::atomic<bool>* cancel) {
  ChartData d;
  std::vector<std::pair<store::RunRecord, std::vector<std::string>>> runs;  // with the experiment's models
  std::map<std::string, int64_t> lengths;
  // (experiment, model, prompt) → the prompt's embedding: the drift reference of text models.
  std::map<std::tuple<std::string, std::string, std::string>, std::vector<float>> prompt_vectors;
  for (const auto& id : experiment_ids) {
    PANIC_ASSIGN_OR_RETURN(auto e, store::experiments::Get(db.connection(), id));
    PANIC_ASSIGN_OR_RETURN(auto prompt_rows, store::prompt_embeddings::List(db.connection(), e.id));
    for (auto& p : prompt_rows) prompt_vectors[{e.id, p.embedding_model, p.initial_prompt}] = std::move(p.vector);
    d.experiments.push_back(e.id);
    for (const auto& m : e.embedding_models) IndexOf(d.models, m);
    PANIC_ASSIGN_OR_RETURN(auto rs, store::runs::List(db.connection(), e.id));
    PANIC_ASSIGN_OR_RETURN(auto counts, store::invocations::CountsByRun(db.connection(), e.id));
    lengths.insert(counts.begin(), counts.end());
    for (auto& r : rs) runs.emplace_back(std::move(r), e.embedding_models);
  }
  for (size_t i = 0; i < runs.size(); ++i) {
    PANIC_RETURN_IF_ERROR(CheckCancel(cancel, "charts"));
    const auto& [run, models] = runs[i];
    const size_t net = IndexOf(d.networks, NetworkName(run.network));
    d.runs.push_back({net, run.stop_reason.value_or("running"), lengths.count(run.id) ? lengths[run.id] : 0});
    for (const auto& model : models) {
      const size_t m = IndexOf(d.models, model);
      auto diagram = store::diagrams::Get(db.connection(), run.id, model);
      if (diagram.ok() && diagram->diagram_data) {
        auto decoded = store::DecodeDiagramNpz(*diagram->diagram_data);
        if (!decoded.ok()) {
          return Status::Corruption("diagram of run " + run.id + " under " + model + ": " + decoded.status().message());
        }
        ++d.diagrams;
        for (size_t dim = 0; dim < decoded->diagram.num_dimensions(); ++dim) {
          d.max_dim = std::max(d.max_dim, dim + 1);
          auto& series = d.bars[m][dim];
          for (const auto& bar : decoded->diagram.bars(dim)) {
            if (!bar.IsEssential()) series.emplace_back(bar.birth, bar.Persistence());
          }
          if (dim < decoded->entropy.size() && std::isfinite(decoded->entropy[dim])) {
            d.entropy[m][net][dim].push_back(decoded->entropy[dim]);
          }
        }
      } else if (!diagram.ok() && diagram.status().code() != StatusCode::kNotFound) {
        return diagram.status();
      }
      // Drift against the run's first vector, binned by decile of the run's length.
      PANIC_ASSIGN_OR_RETURN(auto vectors, store::embeddings::LoadRunVectors(db.connection(), run.id, model));
      if (vectors.size() >= 2) {
        const size_t dim = vectors[0].size();
        std::vector<float> flat;
        flat.reserve(vectors.size() * dim);
        bool same = true;
        for (const auto& v : vectors) {
          same = same && v.size() == dim;
          flat.insert(flat.end(), v.begin(), v.end());
        }
        if (!same) return Status::Corruption("run " + run.id + " has vectors of different lengths under " + model);
        // The reference of docs/ANALYSIS.md §1: a text model's embedding of the prompt (stored
        // by the prompt_embeddings stage; only text models have one), else the first vector —
        // an image model's first image.
        auto prompt = prompt_vectors.find({run.experiment_id, model, run.initial_prompt});
        const bool from_prompt = prompt != prompt_vectors.end();
        if (from_prompt && prompt->second.size() != dim) {
          return Status::Corruption("the " + model + " embedding of the prompt of run " + run.id + " has " +
                                    std::to_string(prompt->second.size()) + " values, its vectors " + std::to_string(dim));
        }
        ++(from_prompt ? d.drift_from_prompt : d.drift_from_first);
        PANIC_ASSIGN_OR_RETURN(auto drift, analysis::SemanticDrift(flat, dim, from_prompt ? std::span<const float>(prompt->second)
                                                                                        : std::span<const float>(vectors[0])));
        auto& deciles = d.drift[m][net];
        deciles.resize(kDeciles);
        for (size_t s = 0; s < drift.size(); ++s) {
          if (!std::isfinite(drift[s])) continue;
          const size_t decile = std::min<size_t>(kDeciles - 1, s * kDeciles / drift.size());
          deciles[decile].push_back(drift[s]);
        }
      }
    }
    if (progress) progress(static_cast<int64_t>(i + 1), static_cast<int64_t>(runs.size()));
  }
  return d;
}

std::string DimName(size_t dim) { return "H" + std::to_string(dim); }

// A facet grid: n panels in up to 3 columns plus a legend column.
struct Facets {
  int cols, rows, width, height;
  Rect Panel(int i) const {
    return {kMargin + (i % cols) * kPanelW, kHeaderH + (i / cols) * kPanelH, kPanelW - 8, kPanelH - 8};
  }
  int legend_x() const { return kMargin + cols * kPanelW + 8; }
};
Facets FacetsFor(int n, int max_cols = 3) {
  const int cols = std::max(1, std::min(n, max_cols));
  const int rows = std::max(1, (n + cols - 1) / cols);
  return {cols, rows, 2 * kMargin + cols * kPanelW + kLegendW, kHeaderH + rows * kPanelH + kMargin};
}

Status PersistenceDiagrams(const ChartData& d, const std::string& path, DrawingFormat format) {
  std::vector<size_t> models;
  for (const auto& [m, dims] : d.bars) models.push_back(m);
  const Facets f = FacetsFor(static_cast<int>(models.size()));
  PANIC_ASSIGN_OR_RETURN(auto file, DrawingFile::Create(path, format, f.width, f.height));
  cairo_t* cr = file->cr();
  TextRenderer text;
  DrawChartHeader(cr, text, f.width, "Persistence diagrams",
         std::to_string(d.diagrams) + " diagrams; finite bars only; at most " + std::to_string(kMaxPointsPerSeries) +
             " points per dimension drawn");
  for (size_t i = 0; i < models.size(); ++i) {
    const auto& dims = d.bars.at(models[i]);
    float hi = 0;
    for (const auto& [dim, pts] : dims) {
      for (const auto& [b, p] : pts) hi = std::max({hi, b, p});
    }
    hi = hi > 0 ? hi * 1.05f : 1.0f;
    Panel panel(cr, text, f.Panel(static_cast<int>(i)), d.models[models[i]], {0, hi, "birth"},
                {0, hi, "persistence (death − birth)"});
    panel.DrawFrame();
    panel.Clip();
    for (const auto& [dim, pts] : dims) {
      const Rgba c = PaletteColor(dim);
      cairo_set_source_rgba(cr, c.r, c.g, c.b, 0.7);
      for (const auto& [b, p] : Thin(pts, kMaxPointsPerSeries)) {
        cairo_rectangle(cr, panel.X(b) - 1.5, panel.Y(p) - 1.5, 3, 3);
      }
      cairo_fill(cr);
    }
    panel.Unclip();
  }
  std::vector<std::pair<std::string, Rgba>> legend;
  for (size_t dim = 0; dim < d.max_dim; ++dim) legend.emplace_back(DimName(dim), PaletteColor(dim));
  DrawLegend(cr, text, f.legend_x(), kHeaderH + 30, kLegendW - 16, "homology", legend);
  return file->Finish();
}

Status EntropyViolins(const ChartData& d, const std::string& path, DrawingFormat format) {
  std::vector<size_t> models;
  for (const auto& [m, nets] : d.entropy) models.push_back(m);
  const Facets f = FacetsFor(static_cast<int>(models.size()), 2);
  PANIC_ASSIGN_OR_RETURN(auto file, DrawingFile::Create(path, format, f.width, f.height));
  cairo_t* cr = file->cr();
  TextRenderer text;
  DrawChartHeader(cr, text, f.width, "Persistent entropy by network and dimension",
         "violins: kernel density (Silverman bandwidth); boxes: quartiles, whiskers 1.5 IQR");
  const size_t dims = std::max<size_t>(1, d.max_dim);
  for (size_t i = 0; i < models.size(); ++i) {
    const auto& nets = d.entropy.at(models[i]);
    double lo = 1e300, hi = -1e300;
    for (const auto& [n, by_dim] : nets) {
      for (const auto& [dim, v] : by_dim) {
        for (double x : v) lo = std::min(lo, x), hi = std::max(hi, x);
      }
    }
    if (lo > hi) lo = 0, hi = 1;
    const double pad = std::max(1e-3, (hi - lo) * 0.08);
    Axis x{0, 1, "network", d.networks};
    Panel panel(cr, text, f.Panel(static_cast<int>(i)), d.models[models[i]], x, {lo - pad, hi + pad, "persistent entropy"});
    panel.DrawFrame();
    panel.Clip();
    const double slot = panel.CategoryWidth() / dims;
    for (const auto& [n, by_dim] : nets) {
      for (const auto& [dim, values] : by_dim) {
        if (values.empty()) continue;
        const double cx = panel.CategoryX(n) - panel.CategoryWidth() / 2 + slot * (dim + 0.5);
        const Rgba c = PaletteColor(dim);
        // Violin: the density mirrored, its widest point 45 % of the slot.
        std::vector<double> at;
        for (int k = 0; k <= 60; ++k) at.push_back(lo - pad + (hi - lo + 2 * pad) * k / 60.0);
        auto dens = KernelDensity(Thin(values, kMaxDensitySamples), at);
        const double peak = *std::max_element(dens.begin(), dens.end());
        if (peak > 0) {
          cairo_move_to(cr, cx, panel.Y(at[0]));
          for (size_t k = 0; k < at.size(); ++k) cairo_line_to(cr, cx + dens[k] / peak * slot * 0.45, panel.Y(at[k]));
          for (size_t k = at.size(); k-- > 0;) cairo_line_to(cr, cx - dens[k] / peak * slot * 0.45, panel.Y(at[k]));
          cairo_close_path(cr);
          cairo_set_source_rgba(cr, c.r, c.g, c.b, 0.55);
          cairo_fill(cr);
        }
        const BoxStats b = Quartiles(values);
        const double bw = slot * 0.14;
        cairo_set_source_rgba(cr, 0.1, 0.1, 0.1, 1);
        cairo_set_line_width(cr, 1);
        cairo_move_to(cr, cx, panel.Y(b.whisker_lo));
        cairo_line_to(cr, cx, panel.Y(b.whisker_hi));
        cairo_stroke(cr);
        cairo_rectangle(cr, cx - bw / 2, panel.Y(b.q3), bw, panel.Y(b.q1) - panel.Y(b.q3));
        cairo_set_source_rgba(cr, 1, 1, 1, 1);
        cairo_fill_preserve(cr);
        cairo_set_source_rgba(cr, 0.1, 0.1, 0.1, 1);
        cairo_stroke(cr);
        cairo_move_to(cr, cx - bw / 2, panel.Y(b.median));
        cairo_line_to(cr, cx + bw / 2, panel.Y(b.median));
        cairo_set_line_width(cr, 2);
        cairo_stroke(cr);
      }
    }
    panel.Unclip();
  }
  std::vector<std::pair<std::string, Rgba>> legend;
  for (size_t dim = 0; dim < dims; ++dim) legend.emplace_back(DimName(dim), PaletteColor(dim));
  DrawLegend(cr, text, f.legend_x(), kHeaderH + 30, kLegendW - 16, "homology", legend);
  return file->Finish();
}

Status DriftRidgelines(const ChartData& d, const std::string& path, DrawingFormat format) {
  std::vector<std::pair<size_t, size_t>> panels;  // (model, network)
  for (const auto& [m, nets] : d.drift) {
    for (const auto& [n, deciles] : nets) panels.emplace_back(m, n);
  }
  const Facets f = FacetsFor(static_cast<int>(panels.size()));
  PANIC_ASSIGN_OR_RETURN(auto file, DrawingFile::Create(path, format, f.width, f.height));
  cairo_t* cr = file->cr();
  TextRenderer text;
  DrawChartHeader(cr, text, f.width, "Semantic drift over time",
         "drift = ‖v/‖v‖ − r/‖r‖‖ from a reference r (see the legend); one ridge per decile of the run");
  double hi = 0;
  for (const auto& [m, n] : panels) {
    for (const auto& dec : d.drift.at(m).at(n)) {
      for (double v : dec) hi = std::max(hi, v);
    }
  }
  hi = hi > 0 ? std::min(2.0, hi * 1.05) : 1.0;
  for (size_t i = 0; i < panels.size(); ++i) {
    const auto& [m, n] = panels[i];
    const auto& deciles = d.drift.at(m).at(n);
    Panel panel(cr, text, f.Panel(static_cast<int>(i)), d.networks[n] + " · " + d.models[m], {0, hi, "semantic drift"},
                {0, kDeciles + 1.2, "time decile of the run (1 = start)"});
    panel.DrawFrame();
    panel.Clip();
    std::vector<double> at;
    for (int k = 0; k <= 80; ++k) at.push_back(hi * k / 80.0);
    // From the top ridge down, so that lower ridges overlap the ones above them.
    for (int dec = kDeciles - 1; dec >= 0; --dec) {
      if (deciles[dec].empty()) continue;
      auto dens = KernelDensity(Thin(deciles[dec], kMaxDensitySamples), at);
      const double peak = *std::max_element(dens.begin(), dens.end());
      if (!(peak > 0)) continue;
      const double base = dec + 1;
      cairo_move_to(cr, panel.X(at[0]), panel.Y(base));
      for (size_t k = 0; k < at.size(); ++k) cairo_line_to(cr, panel.X(at[k]), panel.Y(base + dens[k] / peak * 1.6));
      cairo_line_to(cr, panel.X(at.back()), panel.Y(base));
      cairo_close_path(cr);
      const Rgba c = PaletteColor(4);
      cairo_set_source_rgba(cr, c.r, c.g, c.b, 0.35 + 0.06 * dec);
      cairo_fill_preserve(cr);
      cairo_set_source_rgba(cr, 1, 1, 1, 1);
      cairo_set_line_width(cr, 1);
      cairo_stroke(cr);
    }
    panel.Unclip();
  }
  const int h = DrawLegend(cr, text, f.legend_x(), kHeaderH + 30, kLegendW - 16, "ridges", {{"density of drift", PaletteColor(4)}});
  // Which reference each trajectory (run × embedding model) was measured from.
  text.Draw(cr,
            "r = the prompt's embedding: " + std::to_string(d.drift_from_prompt) +
                " trajectories\nr = the run's first vector (image models: first image): " + std::to_string(d.drift_from_first),
            {f.legend_x(), kHeaderH + 40 + h, kLegendW - 16, 120}, {11, {0.15, 0.15, 0.15, 1}, false, HAlign::kLeft, VAlign::kTop});
  return file->Finish();
}

Status RunLengths(const ChartData& d, const std::string& path, DrawingFormat format) {
  std::vector<std::string> reasons;
  for (const auto& r : d.runs) IndexOf(reasons, r.stop);
  std::sort(reasons.begin(), reasons.end());
  const Facets f = FacetsFor(2);
  PANIC_ASSIGN_OR_RETURN(auto file, DrawingFile::Create(path, format, f.width, f.height));
  cairo_t* cr = file->cr();
  TextRenderer text;
  DrawChartHeader(cr, text, f.width, "Run lengths and stop reasons", std::to_string(d.runs.size()) + " runs");
  // Left: runs per network stacked by stop reason.
  std::vector<std::vector<int64_t>> counts(d.networks.size(), std::vector<int64_t>(reasons.size(), 0));
  int64_t max_total = 1, max_len = 1;
  for (const auto& r : d.runs) {
    const size_t k = static_cast<size_t>(std::find(reasons.begin(), reasons.end(), r.stop) - reasons.begin());
    ++counts[r.network][k];
    max_len = std::max(max_len, r.length);
  }
  for (const auto& c : counts) {
    int64_t t = 0;
    for (auto v : c) t += v;
    max_total = std::max(max_total, t);
  }
  {
    Panel panel(cr, text, f.Panel(0), "stop reasons", {0, 1, "network", d.networks}, {0, max_total * 1.08, "runs"});
    panel.DrawFrame();
    for (size_t n = 0; n < counts.size(); ++n) {
      double y = 0;
      const double w = panel.CategoryWidth() * 0.6;
      for (size_t k = 0; k < reasons.size(); ++k) {
        if (!counts[n][k]) continue;
        const Rgba c = PaletteColor(k);
        cairo_set_source_rgba(cr, c.r, c.g, c.b, 1);
        cairo_rectangle(cr, panel.CategoryX(n) - w / 2, panel.Y(y + counts[n][k]), w,
                        panel.Y(y) - panel.Y(y + counts[n][k]));
        cairo_fill(cr);
        y += counts[n][k];
      }
    }
  }
  {
    // Right: histogram of lengths, stacked by stop reason, ~20 bins.
    const int bins = static_cast<int>(std::min<int64_t>(20, max_len));
    const double width = static_cast<double>(max_len) / bins;
    std::vector<std::vector<int64_t>> hist(bins, std::vector<int64_t>(reasons.size(), 0));
    for (const auto& r : d.runs) {
      const int b = std::min(bins - 1, static_cast<int>(std::max<int64_t>(r.length - 1, 0) / width));
      ++hist[b][std::find(reasons.begin(), reasons.end(), r.stop) - reasons.begin()];
    }
    int64_t top = 1;
    for (const auto& h : hist) {
      int64_t t = 0;
      for (auto v : h) t += v;
      top = std::max(top, t);
    }
    Panel panel(cr, text, f.Panel(1), "run lengths", {0, static_cast<double>(max_len), "invocations per run"},
                {0, top * 1.08, "runs"});
    panel.DrawFrame();
    for (int b = 0; b < bins; ++b) {
      double y = 0;
      for (size_t k = 0; k < reasons.size(); ++k) {
        if (!hist[b][k]) continue;
        const Rgba c = PaletteColor(k);
        cairo_set_source_rgba(cr, c.r, c.g, c.b, 1);
        cairo_rectangle(cr, panel.X(b * width) + 0.5, panel.Y(y + hist[b][k]), panel.X((b + 1) * width) - panel.X(b * width) - 1,
                        panel.Y(y) - panel.Y(y + hist[b][k]));
        cairo_fill(cr);
        y += hist[b][k];
      }
    }
  }
  std::vector<std::pair<std::string, Rgba>> legend;
  for (size_t k = 0; k < reasons.size(); ++k) legend.emplace_back(reasons[k], PaletteColor(k));
  DrawLegend(cr, text, f.legend_x(), kHeaderH + 30, kLegendW - 16, "stop reason", legend);
  return file->Finish();
}

}  // namespace

Result<ChartsSummary> ExportCharts(store::Database& db, const std::vector<std::string>& experiment_ids,
                                   const std::string& dir, DrawingFormat format,
                                   const std::function<void(int64_t, int64_t)>& progress,
                                   const std::atomic<bool>* cancel) {
  if (experiment_ids.empty()) return Status::InvalidArgument("no experiment given for the charts");
  PANIC_ASSIGN_OR_RETURN(ChartData d, Gather(db, experiment_ids, progress, cancel));
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) return Status::IOError("cannot create '" + dir + "': " + ec.message());
  ChartsSummary out;
  auto file = [&](const std::string& name) { return (fs::path(dir) / (name + "." + DrawingExtension(format))).string(); };
  auto emit = [&](const std::string& name, bool has_data, const std::string& why,
                  Status (*draw)(const ChartData&, const std::string&, DrawingFormat)) -> Status {
    if (!has_data) {
      out.skipped.emplace_back(name, why);
      return Status::Ok();
    }
    PANIC_RETURN_IF_ERROR(CheckCancel(cancel, "charts"));
    PANIC_RETURN_IF_ERROR(draw(d, file(name), format));
    out.written.push_back(file(name));
    return Status::Ok();
  };
  PANIC_RETURN_IF_ERROR(emit("persistence_diagrams", !d.bars.empty(), "no persistence diagrams stored yet", PersistenceDiagrams));
  PANIC_RETURN_IF_ERROR(emit("persistent_entropy", !d.entropy.empty(), "no persistence diagrams stored yet", EntropyViolins));
  PANIC_RETURN_IF_ERROR(emit("semantic_drift", !d.drift.empty(), "no run has two or more embeddings yet", DriftRidgelines));
  PANIC_RETURN_IF_ERROR(emit("run_lengths", !d.runs.empty(), "no runs", RunLengths));
  PANIC_RETURN_IF_ERROR(CheckCancel(cancel, "charts"));
  PANIC_RETURN_IF_ERROR(ExportClusterCharts(db, experiment_ids, dir, format, &out));
  PANIC_RETURN_IF_ERROR(CheckCancel(cancel, "charts"));
  PANIC_RETURN_IF_ERROR(ExportLyapunovCharts(db, experiment_ids, dir, format, &out));
  return out;
}

}  // namespace panic::exporting
