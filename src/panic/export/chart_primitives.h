// Building blocks of the publication charts, drawn with cairo (docs/EXPORT.md says why
// cairo rather than PLplot or gnuplot): the Okabe–Ito palette, "nice" axis ticks, a panel
// that maps data to the page with labelled axes, a legend, and the statistics the charts
// draw (Gaussian kernel density, quartiles).
//
// Thread safety: free functions and plain values; a Panel draws on one cairo context.
#pragma once

#include <cairo.h>

#include <string>
#include <vector>

#include "panic/export/mosaic_layout.h"
#include "panic/export/text_renderer.h"

namespace panic::exporting {

// Okabe & Ito (2008), "Color Universal Design": distinguishable with any colour vision.
// Black first is skipped: orange, sky blue, bluish green, yellow, blue, vermillion,
// reddish purple, grey, then again.
Rgba PaletteColor(size_t i);

// About `target` round tick values (1, 2, 5 × 10^k steps) covering [lo, hi].
std::vector<double> NiceTicks(double lo, double hi, int target = 5);
// A tick value as short text ("0.25", "1e+04").
std::string TickLabel(double v);

struct Axis {
  double lo = 0, hi = 1;
  std::string label;
  // When set: a category axis, one slot per name (x: left to right; y: top to bottom, so
  // that a heat map reads like its matrix), each slot labelled with its name.
  std::vector<std::string> categories = {};
};

// A plot panel: `outer` is the whole panel box; the plot area leaves room for tick labels,
// axis labels and the title (a y category axis gets kYCategoryLabelWidth for its names).
class Panel {
 public:
  static constexpr int kYCategoryLabelWidth = 150;

  Panel(cairo_t* cr, TextRenderer& text, const Rect& outer, const std::string& title, Axis x, Axis y);
  // Data → page coordinates.
  double X(double v) const;
  double Y(double v) const;
  // The centre of category slot i and the slot width (category axes).
  double CategoryX(size_t i) const;
  double CategoryWidth() const;
  // The centre of y category slot i (0 = top) and the slot height.
  double CategoryY(size_t i) const;
  double CategoryHeight() const;
  const Rect& plot() const { return plot_; }
  // Axes, ticks, grid lines, labels and title. Call before the data.
  void DrawFrame();
  // Clip drawing to the plot area until Unclip.
  void Clip();
  void Unclip();

 private:
  cairo_t* cr_;
  TextRenderer& text_;
  Rect outer_, plot_;
  std::string title_;
  Axis x_, y_;
};

// The chart's title (bold, 16 px) and a grey subtitle across the top 40 px of the page.
inline constexpr int kChartHeaderHeight = 40;
void DrawChartHeader(cairo_t* cr, TextRenderer& text, int width, const std::string& title, const std::string& subtitle);

// A legend box of coloured swatches with names, top-left at (x, y); returns its height.
int DrawLegend(cairo_t* cr, TextRenderer& text, int x, int y, int width, const std::string& title,
               const std::vector<std::pair<std::string, Rgba>>& entries);

// Gaussian kernel density of `values` at each of `at`, bandwidth by Silverman's rule
// (0.9 · min(sd, IQR/1.34) · n^−1/5; a tiny positive floor for constant data).
std::vector<double> KernelDensity(const std::vector<double>& values, const std::vector<double>& at);

struct BoxStats {
  double q1 = 0, median = 0, q3 = 0;
  double whisker_lo = 0, whisker_hi = 0;  // the furthest data within 1.5 IQR of the box
};
// REQUIRES: !values.empty(). Quartiles by linear interpolation (numpy's default).
BoxStats Quartiles(std::vector<double> values);

}  // namespace panic::exporting
