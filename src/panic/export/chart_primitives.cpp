#include "panic/export/chart_primitives.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <numeric>

namespace panic::exporting {
namespace {

constexpr Rgba kAxisInk{0.15, 0.15, 0.15, 1};
constexpr Rgba kGrid{0.88, 0.88, 0.88, 1};
constexpr double kTickFont = 11;
constexpr double kLabelFont = 13;
constexpr double kTitleFont = 15;

double Quantile(const std::vector<double>& sorted, double q) {
  const double pos = q * (sorted.size() - 1);
  const size_t i = static_cast<size_t>(std::floor(pos));
  const size_t j = std::min(i + 1, sorted.size() - 1);
  return sorted[i] + (pos - i) * (sorted[j] - sorted[i]);
}

}  // namespace

Rgba PaletteColor(size_t i) {
  static constexpr Rgba kOkabeIto[] = {{0.902, 0.624, 0.0, 1},   {0.337, 0.706, 0.914, 1}, {0.0, 0.620, 0.451, 1},
                                       {0.941, 0.894, 0.259, 1}, {0.0, 0.447, 0.698, 1},   {0.835, 0.369, 0.0, 1},
                                       {0.800, 0.475, 0.655, 1}, {0.6, 0.6, 0.6, 1}};
  return kOkabeIto[i % 8];
}

std::vector<double> NiceTicks(double lo, double hi, int target) {
  if (!(hi > lo) || !std::isfinite(lo) || !std::isfinite(hi)) return {lo};
  const double raw = (hi - lo) / std::max(1, target);
  const double mag = std::pow(10.0, std::floor(std::log10(raw)));
  double step = mag;
  for (double m : {1.0, 2.0, 2.5, 5.0, 10.0}) {
    step = m * mag;
    if (step >= raw) break;
  }
  std::vector<double> ticks;
  for (double v = std::ceil(lo / step - 1e-9) * step; v <= hi + step * 1e-9; v += step) {
    ticks.push_back(std::abs(v) < step * 1e-9 ? 0.0 : v);
    if (ticks.size() > 100) break;
  }
  return ticks;
}

std::string TickLabel(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.4g", v);
  return buf;
}

Panel::Panel(cairo_t* cr, TextRenderer& text, const Rect& outer, const std::string& title, Axis x, Axis y)
    : cr_(cr), text_(text), outer_(outer), title_(title), x_(std::move(x)), y_(std::move(y)) {
  if (!x_.categories.empty()) {
    x_.lo = 0;
    x_.hi = static_cast<double>(x_.categories.size());
  }
  if (!y_.categories.empty()) {
    y_.lo = 0;
    y_.hi = static_cast<double>(y_.categories.size());
  }
  if (!(x_.hi > x_.lo)) x_.hi = x_.lo + 1;
  if (!(y_.hi > y_.lo)) y_.hi = y_.lo + 1;
  const int left = y_.categories.empty() ? 64 : 20 + kYCategoryLabelWidth, bottom = x_.categories.empty() ? 44 : 58, top = title.empty() ? 8 : 28, right = 10;
  plot_ = {outer.x + left, outer.y + top, std::max(10, outer.w - left - right), std::max(10, outer.h - top - bottom)};
}

double Panel::X(double v) const { return plot_.x + (v - x_.lo) / (x_.hi - x_.lo) * plot_.w; }
double Panel::Y(double v) const { return plot_.y + plot_.h - (v - y_.lo) / (y_.hi - y_.lo) * plot_.h; }
double Panel::CategoryX(size_t i) const { return X(i + 0.5); }
double Panel::CategoryWidth() const { return plot_.w / std::max(1.0, x_.hi - x_.lo); }
// Slot i spans [n − i − 1, n − i] in data units: slot 0 is the top one.
double Panel::CategoryY(size_t i) const { return Y(y_.hi - static_cast<double>(i) - 0.5); }
double Panel::CategoryHeight() const { return plot_.h / std::max(1.0, y_.hi - y_.lo); }

void Panel::DrawFrame() {
  cairo_t* cr = cr_;
  cairo_save(cr);
  cairo_set_line_width(cr, 0.8);
  if (!y_.categories.empty()) {
    // One name per slot, right-aligned against the plot; two lines when the slot has room.
    const double h = CategoryHeight();
    const double size = std::min(kTickFont, std::max(6.0, h * 0.7));
    const int lines = h >= 2.6 * size ? 2 : 1;
    if (h >= 6) {
      for (size_t i = 0; i < y_.categories.size(); ++i) {
        const int box_h = static_cast<int>(std::max(h, size * 1.4));
        text_.Draw(cr, y_.categories[i],
                   {plot_.x - kYCategoryLabelWidth - 4, static_cast<int>(CategoryY(i)) - box_h / 2, kYCategoryLabelWidth, box_h},
                   {size, kAxisInk, false, HAlign::kRight, VAlign::kMiddle, lines});
      }
    }
  }
  // Horizontal grid and y ticks (a numeric y axis).
  for (double t : y_.categories.empty() ? NiceTicks(y_.lo, y_.hi) : std::vector<double>{}) {
    const double y = std::round(Y(t)) + 0.5;
    cairo_set_source_rgba(cr, kGrid.r, kGrid.g, kGrid.b, 1);
    cairo_move_to(cr, plot_.x, y);
    cairo_line_to(cr, plot_.x + plot_.w, y);
    cairo_stroke(cr);
    text_.Draw(cr, TickLabel(t), {plot_.x - 48, static_cast<int>(y) - 8, 44, 16},
               {kTickFont, kAxisInk, false, HAlign::kRight, VAlign::kMiddle, 1});
  }
  if (x_.categories.empty()) {
    for (double t : NiceTicks(x_.lo, x_.hi)) {
      const double x = std::round(X(t)) + 0.5;
      cairo_set_source_rgba(cr, kGrid.r, kGrid.g, kGrid.b, 1);
      cairo_move_to(cr, x, plot_.y);
      cairo_line_to(cr, x, plot_.y + plot_.h);
      cairo_stroke(cr);
      text_.Draw(cr, TickLabel(t), {static_cast<int>(x) - 30, plot_.y + plot_.h + 3, 60, 16},
                 {kTickFont, kAxisInk, false, HAlign::kCenter, VAlign::kTop, 1});
    }
  } else {
    const int w = static_cast<int>(CategoryWidth());
    for (size_t i = 0; i < x_.categories.size(); ++i) {
      text_.Draw(cr, x_.categories[i], {static_cast<int>(CategoryX(i)) - w / 2 + 2, plot_.y + plot_.h + 3, w - 4, 30},
                 {kTickFont, kAxisInk, false, HAlign::kCenter, VAlign::kTop, 2});
    }
  }
  cairo_set_source_rgba(cr, kAxisInk.r, kAxisInk.g, kAxisInk.b, 1);
  cairo_rectangle(cr, plot_.x + 0.5, plot_.y + 0.5, plot_.w, plot_.h);
  cairo_stroke(cr);
  const int xl_y = plot_.y + plot_.h + (x_.categories.empty() ? 22 : 36);
  text_.Draw(cr, x_.label, {plot_.x, xl_y, plot_.w, 20}, {kLabelFont, kAxisInk, false, HAlign::kCenter, VAlign::kTop, 1});
  // The y label, rotated a quarter turn.
  cairo_save(cr);
  cairo_translate(cr, outer_.x + 2, plot_.y + plot_.h);
  cairo_rotate(cr, -M_PI / 2);
  text_.Draw(cr, y_.label, {0, 0, plot_.h, 18}, {kLabelFont, kAxisInk, false, HAlign::kCenter, VAlign::kTop, 1});
  cairo_restore(cr);
  if (!title_.empty()) {
    text_.Draw(cr, title_, {outer_.x + 4, outer_.y + 4, outer_.w - 8, 22},
               {kTitleFont, kAxisInk, true, HAlign::kLeft, VAlign::kTop, 1});
  }
  cairo_restore(cr);
}

void Panel::Clip() {
  cairo_save(cr_);
  cairo_rectangle(cr_, plot_.x, plot_.y, plot_.w, plot_.h);
  cairo_clip(cr_);
}
void Panel::Unclip() { cairo_restore(cr_); }

void DrawChartHeader(cairo_t* cr, TextRenderer& text, int width, const std::string& title, const std::string& subtitle) {
  constexpr int kMargin = 16;
  text.Draw(cr, title, {kMargin, 6, width - 2 * kMargin, 20}, {16, {0.1, 0.1, 0.1, 1}, true, HAlign::kLeft, VAlign::kTop, 1});
  text.Draw(cr, subtitle, {kMargin, 24, width - 2 * kMargin, 16}, {11, {0.35, 0.35, 0.35, 1}, false, HAlign::kLeft, VAlign::kTop, 1});
}

int DrawLegend(cairo_t* cr, TextRenderer& text, int x, int y, int width, const std::string& title,
               const std::vector<std::pair<std::string, Rgba>>& entries) {
  int row = y;
  if (!title.empty()) {
    text.Draw(cr, title, {x, row, width, 18}, {12, kAxisInk, true, HAlign::kLeft, VAlign::kTop, 1});
    row += 20;
  }
  for (const auto& [name, color] : entries) {
    cairo_set_source_rgba(cr, color.r, color.g, color.b, color.a);
    cairo_rectangle(cr, x, row + 3, 12, 12);
    cairo_fill_preserve(cr);
    // A thin outline, so that a swatch as pale as the page (P = 0, λ = 0) still shows.
    cairo_set_source_rgba(cr, 0.55, 0.55, 0.55, 1);
    cairo_set_line_width(cr, 0.5);
    cairo_stroke(cr);
    text.Draw(cr, name, {x + 18, row, width - 18, 18}, {11, kAxisInk, false, HAlign::kLeft, VAlign::kTop, 1});
    row += 18;
  }
  return row - y;
}

std::vector<double> KernelDensity(const std::vector<double>& values, const std::vector<double>& at) {
  std::vector<double> out(at.size(), 0.0);
  const size_t n = values.size();
  if (n == 0) return out;
  const double mean = std::accumulate(values.begin(), values.end(), 0.0) / n;
  double var = 0;
  for (double v : values) var += (v - mean) * (v - mean);
  const double sd = n > 1 ? std::sqrt(var / (n - 1)) : 0.0;
  std::vector<double> sorted = values;
  std::sort(sorted.begin(), sorted.end());
  const double iqr = Quantile(sorted, 0.75) - Quantile(sorted, 0.25);
  double spread = iqr > 0 ? std::min(sd, iqr / 1.34) : sd;
  double h = 0.9 * spread * std::pow(static_cast<double>(n), -0.2);
  if (!(h > 0)) h = std::max(1e-3, std::abs(mean) * 1e-3);
  const double norm = 1.0 / (n * h * std::sqrt(2 * M_PI));
  for (size_t i = 0; i < at.size(); ++i) {
    double s = 0;
    for (double v : sorted) {
      const double z = (at[i] - v) / h;
      if (z > -8 && z < 8) s += std::exp(-0.5 * z * z);
    }
    out[i] = s * norm;
  }
  return out;
}

BoxStats Quartiles(std::vector<double> values) {
  std::sort(values.begin(), values.end());
  BoxStats b;
  b.q1 = Quantile(values, 0.25);
  b.median = Quantile(values, 0.5);
  b.q3 = Quantile(values, 0.75);
  const double iqr = b.q3 - b.q1;
  b.whisker_lo = b.q1;
  b.whisker_hi = b.q3;
  for (double v : values) {
    if (v >= b.q1 - 1.5 * iqr) {
      b.whisker_lo = std::min(b.q1, v);
      break;
    }
  }
  for (auto it = values.rbegin(); it != values.rend(); ++it) {
    if (*it <= b.q3 + 1.5 * iqr) {
      b.whisker_hi = std::max(b.q3, *it);
      break;
    }
  }
  return b;
}

}  // namespace panic::exporting
