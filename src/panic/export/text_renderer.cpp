#include "panic/export/text_renderer.h"

#include <pango/pangocairo.h>

#include <algorithm>
#include <cmath>

namespace panic::exporting {

std::string ValidUtf8(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  size_t start = 0;
  while (start <= text.size()) {  // piece by piece between NULs, which pango cannot take
    size_t end = std::min(text.find('\0', start), text.size());
    gchar* valid = g_utf8_make_valid(text.data() + start, static_cast<gssize>(end - start));
    out += valid;
    g_free(valid);
    start = end + 1;
  }
  return out;
}

TextRenderer::TextRenderer() {
  PangoFontMap* map = pango_cairo_font_map_new();
  font_map_ = map;
  context_ = pango_font_map_create_context(map);
  // Grey-scale antialiasing and no hinting: the same glyphs at every position.
  cairo_font_options_t* options = cairo_font_options_create();
  cairo_font_options_set_antialias(options, CAIRO_ANTIALIAS_GRAY);
  cairo_font_options_set_hint_style(options, CAIRO_HINT_STYLE_NONE);
  cairo_font_options_set_hint_metrics(options, CAIRO_HINT_METRICS_OFF);
  pango_cairo_context_set_font_options(context_, options);
  cairo_font_options_destroy(options);
}

TextRenderer::~TextRenderer() {
  g_object_unref(context_);
  g_object_unref(static_cast<PangoFontMap*>(font_map_));
}

PangoLayout* TextRenderer::Layout(std::string_view text, const TextStyle& style, int width_px) {
  PangoLayout* layout = pango_layout_new(context_);
  PangoFontDescription* desc = pango_font_description_from_string(kFontFamilies);
  pango_font_description_set_absolute_size(desc, style.font_px * PANGO_SCALE);
  pango_font_description_set_weight(desc, style.bold ? PANGO_WEIGHT_BOLD : PANGO_WEIGHT_NORMAL);
  pango_layout_set_font_description(layout, desc);
  pango_font_description_free(desc);
  const std::string valid = ValidUtf8(text);
  pango_layout_set_text(layout, valid.data(), static_cast<int>(valid.size()));
  if (width_px > 0) {
    pango_layout_set_width(layout, width_px * PANGO_SCALE);
    pango_layout_set_wrap(layout, PANGO_WRAP_WORD_CHAR);
  }
  // Alignment means the box's left/right whatever the script: without this, pango flips it
  // for a right-to-left paragraph (an Arabic prompt would hug the wrong side).
  pango_layout_set_auto_dir(layout, FALSE);
  pango_layout_set_alignment(layout, style.halign == HAlign::kCenter  ? PANGO_ALIGN_CENTER
                                     : style.halign == HAlign::kRight ? PANGO_ALIGN_RIGHT
                                                                      : PANGO_ALIGN_LEFT);
  return layout;
}

int TextRenderer::Draw(cairo_t* cr, std::string_view text, const Rect& box, const TextStyle& style) {
  if (box.w <= 0 || box.h <= 0 || text.empty()) return 0;
  PangoLayout* layout = Layout(text, style, box.w);
  // Lines that fit: the box height over the font's line height (~1.17 em for DejaVu).
  int lines = std::max(1, static_cast<int>(std::floor(box.h / (style.font_px * 1.2))));
  if (style.max_lines > 0) lines = std::min(lines, style.max_lines);
  pango_layout_set_height(layout, -lines);  // negative: a number of lines, then an ellipsis
  pango_layout_set_ellipsize(layout, PANGO_ELLIPSIZE_END);
  PangoRectangle ink, logical;
  pango_layout_get_pixel_extents(layout, &ink, &logical);
  double y = box.y;
  if (style.valign == VAlign::kMiddle) y += (box.h - logical.height) / 2.0;
  if (style.valign == VAlign::kBottom) y += box.h - logical.height;
  cairo_save(cr);
  cairo_rectangle(cr, box.x, box.y, box.w, box.h);
  cairo_clip(cr);
  cairo_set_source_rgba(cr, style.color.r, style.color.g, style.color.b, style.color.a);
  cairo_move_to(cr, box.x, std::max<double>(box.y, y));
  pango_cairo_update_context(cr, context_);
  pango_layout_context_changed(layout);
  pango_cairo_show_layout(cr, layout);
  cairo_restore(cr);
  const int drawn = pango_layout_get_line_count(layout);
  g_object_unref(layout);
  return drawn;
}

std::pair<double, double> TextRenderer::Measure(std::string_view text, const TextStyle& style) {
  PangoLayout* layout = Layout(text, style, 0);
  PangoRectangle logical;
  pango_layout_get_pixel_extents(layout, nullptr, &logical);
  g_object_unref(layout);
  return {logical.width, logical.height};
}

}  // namespace panic::exporting
