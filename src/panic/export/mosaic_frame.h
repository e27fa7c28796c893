// Composes the mosaic video's frames on a MosaicLayout: a static background (prompt and
// network labels), one cell per run (its latest image, its latest caption beneath, a
// "stopped" mark once it has ended), the step counter and the progress bar.
//
// Incremental: a cell is redrawn only when it changed since the last Compose, and each
// image is scaled to the cell once when it is set, so a frame costs the changed cells and
// the progress bar. The frame is an RGB24 cairo surface: bytes B, G, R, X per pixel.
//
// Thread safety: one thread at a time.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "panic/core/image.h"
#include "panic/export/cairo_image.h"
#include "panic/export/mosaic_layout.h"
#include "panic/export/text_renderer.h"

namespace panic::exporting {

struct MosaicLabels {
  std::vector<std::string> prompts;   // one per prompt group
  std::vector<std::string> networks;  // one per network group, e.g. "FluxSchnell → BLIP2"
};

class MosaicComposer {
 public:
  // InvalidArgument when the labels do not match the layout's groups.
  static Result<std::unique_ptr<MosaicComposer>> Create(const MosaicLayout& layout, const MosaicLabels& labels);

  // The cell's image (scaled to the cell now). InvalidArgument for a malformed image.
  Status SetImage(size_t cell, const RgbImage& image);
  // The scaling SetImage does, on its own: safe to call from several threads at once.
  Result<SurfacePtr> ScaleForCell(const RgbImage& image) const;
  // An image ScaleForCell made.
  void SetScaledImage(size_t cell, SurfacePtr image);
  void SetCaption(size_t cell, std::string caption);
  // Marks the run ended: the cell keeps its last image and caption under a "stopped" mark.
  void SetStopped(size_t cell, std::string reason);
  // A cell that holds a run (cells of groups with fewer runs stay empty background).
  void SetOccupied(size_t cell);

  // Redraws what changed, the corner text and the progress bar (fraction in [0, 1]).
  void Compose(double progress, const std::string& corner_text);

  cairo_surface_t* surface() const { return frame_.get(); }
  const MosaicLayout& layout() const { return layout_; }

 private:
  struct Cell {
    bool occupied = false;
    bool dirty = false;
    SurfacePtr image;  // cell × cell, or null before the first image
    std::string caption;
    std::string stopped;  // the stop reason once stopped
    bool is_stopped = false;
  };
  MosaicComposer(const MosaicLayout& layout, SurfacePtr frame);
  void DrawBackground(const MosaicLabels& labels);
  void DrawCell(size_t i);

  MosaicLayout layout_;
  SurfacePtr frame_;
  ContextPtr cr_;
  TextRenderer text_;
  std::vector<Cell> cells_;
};

}  // namespace panic::exporting
