#include "panic/export/drawing_file.h"

#include <cerrno>
#include <cstring>

#include <cairo-pdf.h>
#include <cairo-svg.h>

#include <algorithm>
#include <filesystem>

namespace panic::exporting {

Result<DrawingFormat> ParseDrawingFormat(const std::string& name) {
  std::string n = name;
  std::transform(n.begin(), n.end(), n.begin(), [](unsigned char c) { return std::tolower(c); });
  if (n == "png") return DrawingFormat::kPng;
  if (n == "svg") return DrawingFormat::kSvg;
  if (n == "pdf") return DrawingFormat::kPdf;
  return Status::InvalidArgument("drawing format '" + name + "' is not one of png, svg, pdf");
}

Result<DrawingFormat> DrawingFormatOfPath(const std::string& path) {
  std::string ext = std::filesystem::path(path).extension().string();
  if (ext.empty()) return Status::InvalidArgument("output '" + path + "' has no extension (.png, .svg or .pdf)");
  return ParseDrawingFormat(ext.substr(1));
}

const char* DrawingExtension(DrawingFormat format) {
  switch (format) {
    case DrawingFormat::kPng: return "png";
    case DrawingFormat::kSvg: return "svg";
    case DrawingFormat::kPdf: return "pdf";
  }
  return "png";
}

Result<std::unique_ptr<DrawingFile>> DrawingFile::Create(const std::string& path, DrawingFormat format, int width,
                                                         int height) {
  if (width <= 0 || height <= 0 || width > 32767 || height > 32767) {
    return Status::InvalidArgument("drawing size " + std::to_string(width) + "×" + std::to_string(height) +
                                   " is outside 1..32767");
  }
  std::unique_ptr<DrawingFile> f(new DrawingFile());
  PANIC_ASSIGN_OR_RETURN(f->file_, AtomicFile::Create(path));
  f->path_ = path;
  f->format_ = format;
  // Cairo writes the temporary file; Finish renames it over `path` (core/atomic_file.h).
  const std::string& temp = f->file_->temp_path();
  switch (format) {
    case DrawingFormat::kPng: f->surface_.reset(cairo_image_surface_create(CAIRO_FORMAT_RGB24, width, height)); break;
    case DrawingFormat::kSvg:
      f->surface_.reset(cairo_svg_surface_create(temp.c_str(), width, height));
      cairo_svg_surface_set_document_unit(f->surface_.get(), CAIRO_SVG_UNIT_PX);
      break;
    case DrawingFormat::kPdf: f->surface_.reset(cairo_pdf_surface_create(temp.c_str(), width, height)); break;
  }
  if (cairo_surface_status(f->surface_.get()) != CAIRO_STATUS_SUCCESS) {
    return Status::IOError("cannot create '" + path + "': " + cairo_status_to_string(cairo_surface_status(f->surface_.get())));
  }
  f->cr_.reset(cairo_create(f->surface_.get()));
  cairo_set_source_rgb(f->cr_.get(), 1, 1, 1);
  cairo_paint(f->cr_.get());
  return f;
}

Status DrawingFile::Finish() {
  cairo_status_t st = cairo_status(cr_.get());
  cr_.reset();
  // Cairo's write error is only "error while writing to output stream"; the failed write's
  // errno says why (ENOSPC on a full disk).
  int err = 0;
  if (st == CAIRO_STATUS_SUCCESS && format_ == DrawingFormat::kPng) {
    errno = 0;
    st = cairo_surface_write_to_png(surface_.get(), file_->temp_path().c_str());
    err = errno;
  }
  errno = 0;
  cairo_surface_finish(surface_.get());
  if (err == 0) err = errno;
  if (st == CAIRO_STATUS_SUCCESS) st = cairo_surface_status(surface_.get());
  surface_.reset();
  if (st != CAIRO_STATUS_SUCCESS) {
    const bool why = st == CAIRO_STATUS_WRITE_ERROR && err != 0;
    return Status::IOError("cannot write '" + path_ + "': " + cairo_status_to_string(st) +
                           (why ? std::string(" (") + std::strerror(err) + ")" : ""));
  }
  return file_->Commit();
}

}  // namespace panic::exporting
