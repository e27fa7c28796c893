// The mosaic video's frame layout: a grid of prompts × networks × runs that fills a
// 16:9 frame best (issue 14, "Layout").
//
// Geometry, all in pixels, with one gutter g everywhere (outer margin, between cells,
// between labels and cells, around the progress bar):
//
//   g | row labels (label_width) | g | cells, g apart | g
//   top: g, column labels (label_height), g; bottom: g, progress bar, g
//
// A cell is a square image of side `cell` with its caption band (caption_height) right
// beneath it. Runs of one (prompt, network) group fill a group_rows × group_cols
// sub-grid in run order, row by row. Prompts go on the rows and networks on the columns,
// or the other way round, whichever gives the larger cell; the cell block is centred in
// the space the labels leave.
//
// Pure: no I/O. Thread safety: free functions; call from any thread.
#pragma once

#include <string>
#include <vector>

#include "panic/core/status.h"

namespace panic::exporting {

struct Rect {
  int x = 0;
  int y = 0;
  int w = 0;
  int h = 0;
  bool operator==(const Rect&) const = default;
};

// The smallest readable cell (issue 14: "under 40 px at 4K" is not readable).
inline constexpr int kMinCellPx = 40;

struct Resolution {
  int width = 0;
  int height = 0;
};
// "hd" 1920×1080, "4k" 3840×2160, "8k" 7680×4320; InvalidArgument otherwise.
Result<Resolution> ParseResolution(const std::string& name);

// What the grid holds: prompt groups × network groups × up to runs_per_group runs.
struct MosaicShape {
  int prompts = 0;
  int networks = 0;
  int runs_per_group = 0;
};

struct MosaicLayout {
  int width = 0;
  int height = 0;
  int gutter = 0;
  int cell = 0;            // side of each square image
  int caption_height = 0;  // the caption band beneath each image
  bool prompts_on_rows = true;
  int group_rows = 0;  // the sub-grid of one (prompt, network) group
  int group_cols = 0;
  int label_font_px = 0;
  int caption_font_px = 0;
  // Indexed by (prompt * networks + network) * runs_per_group + run.
  std::vector<Rect> images;
  std::vector<Rect> captions;
  std::vector<Rect> prompt_labels;   // one per prompt, beside (rows) or above (columns) its group
  std::vector<Rect> network_labels;  // one per network
  Rect progress_bar;
};

// The best layout of `shape` in a width × height frame. InvalidArgument when a count is
// not positive, or when the cell would be under kMinCellPx; that message says how many
// runs fit at this resolution at most.
Result<MosaicLayout> ComputeMosaicLayout(const MosaicShape& shape, int width, int height);

}  // namespace panic::exporting
