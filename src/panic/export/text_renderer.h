// Text in boxes with pango on cairo: wrapped at word (or character) boundaries,
// ellipsized at the last line that fits, in fonts that cover any script (DejaVu Sans,
// Noto Sans, Noto Sans CJK; emoji come from Noto Color Emoji through fontconfig's fallback).
//
// Bytes that are not UTF-8 (a database string can be anything) are replaced by U+FFFD
// before pango sees them.
//
// Thread safety: a TextRenderer owns its pango font map and context; use one per thread.
#pragma once

#include <cairo.h>

#include <memory>
#include <string>
#include <string_view>

#include "panic/export/mosaic_layout.h"

typedef struct _PangoContext PangoContext;
typedef struct _PangoLayout PangoLayout;

namespace panic::exporting {

// The font list every export uses (fontconfig falls back per character beyond it).
// Noto Color Emoji is deliberately not listed: named here, pango takes the digits (which
// carry the Unicode Emoji property) from it, as bitmaps that PDF text extraction loses;
// the fallback still finds it for real emoji.
inline constexpr const char* kFontFamilies = "DejaVu Sans, Noto Sans, Noto Sans CJK SC";

struct Rgba {
  double r = 0, g = 0, b = 0, a = 1;
};

enum class HAlign { kLeft, kCenter, kRight };
enum class VAlign { kTop, kMiddle, kBottom };

struct TextStyle {
  double font_px = 12;
  Rgba color{1, 1, 1, 1};
  bool bold = false;
  HAlign halign = HAlign::kLeft;
  VAlign valign = VAlign::kTop;
  int max_lines = 0;  // 0: as many as the box height holds
};

// `text` with every invalid UTF-8 sequence replaced by U+FFFD and NUL bytes dropped.
std::string ValidUtf8(std::string_view text);

class TextRenderer {
 public:
  TextRenderer();
  ~TextRenderer();
  TextRenderer(const TextRenderer&) = delete;
  TextRenderer& operator=(const TextRenderer&) = delete;

  // Draws `text` inside `box` (clipped to it). Returns the number of lines drawn.
  int Draw(cairo_t* cr, std::string_view text, const Rect& box, const TextStyle& style);
  // Width and height in pixels of `text` on one line (no wrapping).
  std::pair<double, double> Measure(std::string_view text, const TextStyle& style);

 private:
  PangoLayout* Layout(std::string_view text, const TextStyle& style, int width_px);
  PangoContext* context_ = nullptr;
  void* font_map_ = nullptr;  // PangoFontMap*
};

}  // namespace panic::exporting
