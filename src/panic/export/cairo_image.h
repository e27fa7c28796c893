// Cairo surfaces and panic's RgbImage: conversions, owning handles and fitted drawing.
//
// Cairo's RGB24/ARGB32 pixels are 32-bit words, native-endian 0xAARRGGBB; on the
// little-endian machines we run on that is the byte order B, G, R, X — what ffmpeg calls
// `bgr0`, so a frame goes to the encoder without conversion.
//
// Thread safety: free functions; a surface belongs to one thread at a time.
#pragma once

#include <cairo.h>

#include <memory>

#include "panic/core/image.h"
#include "panic/core/status.h"
#include "panic/export/mosaic_layout.h"

namespace panic::exporting {

struct SurfaceDeleter {
  void operator()(cairo_surface_t* s) const { cairo_surface_destroy(s); }
};
struct ContextDeleter {
  void operator()(cairo_t* c) const { cairo_destroy(c); }
};
using SurfacePtr = std::unique_ptr<cairo_surface_t, SurfaceDeleter>;
using ContextPtr = std::unique_ptr<cairo_t, ContextDeleter>;

// A new RGB24 image surface; Internal when cairo cannot allocate it.
Result<SurfacePtr> NewRgbSurface(int width, int height);
// The image as an RGB24 surface. REQUIRES: image.pixels.size() == width * height * 3.
Result<SurfacePtr> SurfaceFromRgb(const RgbImage& image);
// An image surface's pixels (alpha dropped) as an RgbImage.
RgbImage RgbFromSurface(cairo_surface_t* surface);

// Draws `image` scaled to fit inside `box` (aspect kept, centred; the rest untouched),
// with a box filter when shrinking.
void DrawImageFit(cairo_t* cr, cairo_surface_t* image, const Rect& box);

// A new side × side surface holding `image` fitted on `background` (r, g, b in [0, 1]).
Result<SurfacePtr> ScaledSquare(const RgbImage& image, int side, double r, double g, double b);

}  // namespace panic::exporting
