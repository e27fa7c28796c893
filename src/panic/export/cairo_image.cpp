#include "panic/export/cairo_image.h"

#include <algorithm>
#include <cstring>

namespace panic::exporting {

Result<SurfacePtr> NewRgbSurface(int width, int height) {
  SurfacePtr s(cairo_image_surface_create(CAIRO_FORMAT_RGB24, width, height));
  if (cairo_surface_status(s.get()) != CAIRO_STATUS_SUCCESS) {
    return Status::Internal("cairo cannot create a " + std::to_string(width) + "×" + std::to_string(height) +
                            " surface: " + cairo_status_to_string(cairo_surface_status(s.get())));
  }
  return s;
}

Result<SurfacePtr> SurfaceFromRgb(const RgbImage& image) {
  if (image.width <= 0 || image.height <= 0 ||
      image.pixels.size() != static_cast<size_t>(image.width) * image.height * 3) {
    return Status::InvalidArgument("malformed image: " + std::to_string(image.width) + "×" +
                                   std::to_string(image.height) + " with " + std::to_string(image.pixels.size()) +
                                   " bytes");
  }
  PANIC_ASSIGN_OR_RETURN(SurfacePtr s, NewRgbSurface(image.width, image.height));
  cairo_surface_flush(s.get());
  unsigned char* data = cairo_image_surface_get_data(s.get());
  const int stride = cairo_image_surface_get_stride(s.get());
  const uint8_t* src = image.pixels.data();
  for (int y = 0; y < image.height; ++y) {
    auto* row = reinterpret_cast<uint32_t*>(data + static_cast<size_t>(y) * stride);
    for (int x = 0; x < image.width; ++x, src += 3) {
      row[x] = 0xFF000000u | (uint32_t{src[0]} << 16) | (uint32_t{src[1]} << 8) | src[2];
    }
  }
  cairo_surface_mark_dirty(s.get());
  return s;
}

RgbImage RgbFromSurface(cairo_surface_t* surface) {
  cairo_surface_flush(surface);
  RgbImage img;
  img.width = cairo_image_surface_get_width(surface);
  img.height = cairo_image_surface_get_height(surface);
  img.pixels.resize(static_cast<size_t>(img.width) * img.height * 3);
  const unsigned char* data = cairo_image_surface_get_data(surface);
  const int stride = cairo_image_surface_get_stride(surface);
  uint8_t* dst = img.pixels.data();
  for (int y = 0; y < img.height; ++y) {
    const auto* row = reinterpret_cast<const uint32_t*>(data + static_cast<size_t>(y) * stride);
    for (int x = 0; x < img.width; ++x, dst += 3) {
      dst[0] = static_cast<uint8_t>(row[x] >> 16);
      dst[1] = static_cast<uint8_t>(row[x] >> 8);
      dst[2] = static_cast<uint8_t>(row[x]);
    }
  }
  return img;
}

void DrawImageFit(cairo_t* cr, cairo_surface_t* image, const Rect& box) {
  const int iw = cairo_image_surface_get_width(image);
  const int ih = cairo_image_surface_get_height(image);
  if (iw <= 0 || ih <= 0 || box.w <= 0 || box.h <= 0) return;
  const double scale = std::min(static_cast<double>(box.w) / iw, static_cast<double>(box.h) / ih);
  const double dw = iw * scale, dh = ih * scale;
  cairo_save(cr);
  cairo_rectangle(cr, box.x, box.y, box.w, box.h);
  cairo_clip(cr);
  cairo_translate(cr, box.x + (box.w - dw) / 2, box.y + (box.h - dh) / 2);
  cairo_scale(cr, scale, scale);
  cairo_set_source_surface(cr, image, 0, 0);
  // GOOD averages over the source footprint when shrinking (pixman's box/separable filter).
  cairo_pattern_set_filter(cairo_get_source(cr), scale < 1 ? CAIRO_FILTER_GOOD : CAIRO_FILTER_BILINEAR);
  cairo_pattern_set_extend(cairo_get_source(cr), CAIRO_EXTEND_PAD);
  cairo_rectangle(cr, 0, 0, iw, ih);
  cairo_fill(cr);
  cairo_restore(cr);
}

Result<SurfacePtr> ScaledSquare(const RgbImage& image, int side, double r, double g, double b) {
  PANIC_ASSIGN_OR_RETURN(SurfacePtr src, SurfaceFromRgb(image));
  PANIC_ASSIGN_OR_RETURN(SurfacePtr out, NewRgbSurface(side, side));
  ContextPtr cr(cairo_create(out.get()));
  cairo_set_source_rgb(cr.get(), r, g, b);
  cairo_paint(cr.get());
  DrawImageFit(cr.get(), src.get(), {0, 0, side, side});
  cairo_surface_flush(out.get());
  return out;
}

}  // namespace panic::exporting
