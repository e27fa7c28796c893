#include "panic/export/mosaic_frame.h"

#include <algorithm>

namespace panic::exporting {
namespace {

constexpr Rgba kBackground{0.07, 0.07, 0.08, 1};
constexpr Rgba kEmptyImage{0.16, 0.16, 0.18, 1};
constexpr Rgba kCaptionBand{0.12, 0.12, 0.13, 1};
constexpr Rgba kCaptionText{0.93, 0.93, 0.93, 1};
constexpr Rgba kLabelText{0.85, 0.85, 0.85, 1};
constexpr Rgba kProgressTrack{0.22, 0.22, 0.24, 1};
constexpr Rgba kProgressFill{0.0, 0.447, 0.698, 1};  // Okabe–Ito blue
constexpr Rgba kStoppedBand{0.835, 0.369, 0.0, 0.9};  // Okabe–Ito vermillion

void Fill(cairo_t* cr, const Rect& r, const Rgba& c) {
  cairo_set_source_rgba(cr, c.r, c.g, c.b, c.a);
  cairo_rectangle(cr, r.x, r.y, r.w, r.h);
  cairo_fill(cr);
}

}  // namespace

Result<std::unique_ptr<MosaicComposer>> MosaicComposer::Create(const MosaicLayout& layout, const MosaicLabels& labels) {
  if (labels.prompts.size() != layout.prompt_labels.size() || labels.networks.size() != layout.network_labels.size()) {
    return Status::InvalidArgument("mosaic labels (" + std::to_string(labels.prompts.size()) + " prompts, " +
                                   std::to_string(labels.networks.size()) + " networks) do not match the layout (" +
                                   std::to_string(layout.prompt_labels.size()) + ", " +
                                   std::to_string(layout.network_labels.size()) + ")");
  }
  PANIC_ASSIGN_OR_RETURN(SurfacePtr frame, NewRgbSurface(layout.width, layout.height));
  std::unique_ptr<MosaicComposer> c(new MosaicComposer(layout, std::move(frame)));
  c->DrawBackground(labels);
  return c;
}

MosaicComposer::MosaicComposer(const MosaicLayout& layout, SurfacePtr frame)
    : layout_(layout), frame_(std::move(frame)), cr_(cairo_create(frame_.get())), cells_(layout.images.size()) {}

void MosaicComposer::DrawBackground(const MosaicLabels& labels) {
  cairo_t* cr = cr_.get();
  Fill(cr, {0, 0, layout_.width, layout_.height}, kBackground);
  TextStyle row_style{static_cast<double>(layout_.label_font_px), kLabelText, false, HAlign::kRight, VAlign::kMiddle};
  TextStyle col_style{static_cast<double>(layout_.label_font_px), kLabelText, false, HAlign::kCenter, VAlign::kBottom};
  const auto& prompt_style = layout_.prompts_on_rows ? row_style : col_style;
  const auto& network_style = layout_.prompts_on_rows ? col_style : row_style;
  for (size_t p = 0; p < labels.prompts.size(); ++p) {
    text_.Draw(cr, labels.prompts[p], layout_.prompt_labels[p], prompt_style);
  }
  for (size_t n = 0; n < labels.networks.size(); ++n) {
    TextStyle bold = network_style;
    bold.bold = true;
    text_.Draw(cr, labels.networks[n], layout_.network_labels[n], bold);
  }
}

Result<SurfacePtr> MosaicComposer::ScaleForCell(const RgbImage& image) const {
  return ScaledSquare(image, layout_.cell, kEmptyImage.r, kEmptyImage.g, kEmptyImage.b);
}

void MosaicComposer::SetScaledImage(size_t cell, SurfacePtr image) {
  cells_[cell].image = std::move(image);
  cells_[cell].occupied = cells_[cell].dirty = true;
}

Status MosaicComposer::SetImage(size_t cell, const RgbImage& image) {
  PANIC_ASSIGN_OR_RETURN(SurfacePtr scaled, ScaleForCell(image));
  SetScaledImage(cell, std::move(scaled));
  return Status::Ok();
}

void MosaicComposer::SetCaption(size_t cell, std::string caption) {
  if (cells_[cell].caption == caption && cells_[cell].occupied) return;
  cells_[cell].caption = std::move(caption);
  cells_[cell].occupied = cells_[cell].dirty = true;
}

void MosaicComposer::SetStopped(size_t cell, std::string reason) {
  if (cells_[cell].is_stopped && cells_[cell].stopped == reason) return;
  cells_[cell].is_stopped = true;
  cells_[cell].stopped = std::move(reason);
  cells_[cell].occupied = cells_[cell].dirty = true;
}

void MosaicComposer::SetOccupied(size_t cell) {
  if (cells_[cell].occupied) return;
  cells_[cell].occupied = cells_[cell].dirty = true;
}

void MosaicComposer::DrawCell(size_t i) {
  cairo_t* cr = cr_.get();
  const Cell& c = cells_[i];
  const Rect& img = layout_.images[i];
  const Rect& cap = layout_.captions[i];
  if (c.image) {
    cairo_save(cr);
    cairo_set_operator(cr, CAIRO_OPERATOR_SOURCE);
    cairo_set_source_surface(cr, c.image.get(), img.x, img.y);
    cairo_rectangle(cr, img.x, img.y, img.w, img.h);
    cairo_fill(cr);
    cairo_restore(cr);
  } else {
    Fill(cr, img, kEmptyImage);
  }
  Fill(cr, cap, kCaptionBand);
  const int pad = std::max(1, layout_.cell / 40);
  TextStyle caption_style{static_cast<double>(layout_.caption_font_px), kCaptionText, false, HAlign::kCenter,
                          VAlign::kMiddle, 2};
  text_.Draw(cr, c.caption, {cap.x + pad, cap.y, cap.w - 2 * pad, cap.h}, caption_style);
  if (c.is_stopped) {
    // The held last frame, dimmed, with a band naming why the run ended.
    Fill(cr, img, {0, 0, 0, 0.45});
    const int band_h = std::max(layout_.caption_font_px * 3 / 2, 6);
    const Rect band{img.x, img.y + img.h - band_h, img.w, band_h};
    Fill(cr, band, kStoppedBand);
    TextStyle s{static_cast<double>(layout_.caption_font_px), {1, 1, 1, 1}, true, HAlign::kCenter, VAlign::kMiddle, 1};
    text_.Draw(cr, c.stopped.empty() ? "stopped" : "stopped · " + c.stopped, band, s);
  }
}

void MosaicComposer::Compose(double progress, const std::string& corner_text) {
  for (size_t i = 0; i < cells_.size(); ++i) {
    if (cells_[i].dirty) {
      DrawCell(i);
      cells_[i].dirty = false;
    }
  }
  cairo_t* cr = cr_.get();
  const Rect& bar = layout_.progress_bar;
  Fill(cr, bar, kProgressTrack);
  const double f = std::clamp(progress, 0.0, 1.0);
  Fill(cr, {bar.x, bar.y, static_cast<int>(bar.w * f + 0.5), bar.h}, kProgressFill);
  // The corner above the row labels and left of the column labels.
  const int g = layout_.gutter;
  const Rect corner{g, g, std::max(layout_.prompts_on_rows ? layout_.prompt_labels[0].w : layout_.network_labels[0].w, 1),
                    layout_.label_font_px * 5 / 2};
  Fill(cr, corner, kBackground);
  TextStyle s{layout_.label_font_px * 0.8, kLabelText, false, HAlign::kLeft, VAlign::kTop, 2};
  text_.Draw(cr, corner_text, corner, s);
  cairo_surface_flush(frame_.get());
}

}  // namespace panic::exporting
