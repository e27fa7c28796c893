// A cairo drawing that ends up in a file: PNG (an image surface written at Finish), SVG or
// PDF (vector surfaces streaming to the file; text stays text in PDF, where pdftotext
// reads it; cairo's SVG draws glyphs as outlines).
//
// Thread safety: one thread at a time.
#pragma once

#include <cairo.h>

#include <memory>
#include <string>

#include "panic/core/atomic_file.h"
#include "panic/core/status.h"
#include "panic/export/cairo_image.h"

namespace panic::exporting {

enum class DrawingFormat { kPng, kSvg, kPdf };
// "png" / "svg" / "pdf"; InvalidArgument otherwise.
Result<DrawingFormat> ParseDrawingFormat(const std::string& name);
// From the path's extension.
Result<DrawingFormat> DrawingFormatOfPath(const std::string& path);
const char* DrawingExtension(DrawingFormat format);

class DrawingFile {
 public:
  // A width × height drawing (pixels for PNG, points for SVG/PDF) with a white background.
  // IOError when the file cannot be created.
  static Result<std::unique_ptr<DrawingFile>> Create(const std::string& path, DrawingFormat format, int width,
                                                     int height);
  cairo_t* cr() const { return cr_.get(); }
  // Writes and closes the file, whole or not at all (core/atomic_file.h: until Finish the
  // drawing is in a temporary file beside it); IOError naming the path on failure.
  Status Finish();

 private:
  DrawingFile() = default;
  std::unique_ptr<AtomicFile> file_;
  std::string path_;
  DrawingFormat format_ = DrawingFormat::kPng;
  SurfacePtr surface_;
  ContextPtr cr_;
};

}  // namespace panic::exporting
