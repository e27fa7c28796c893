#include "panic/export/mosaic_layout.h"

#include <algorithm>
#include <cmath>

namespace panic::exporting {
namespace {

// Proportions of the frame, chosen so that HD gets 4 px gutters, 20 px labels and a
// 9 px progress bar, and 4K/8K scale them up.
int GutterFor(int height) { return std::max(2, height / 270); }
int LabelFontFor(int height) { return std::max(10, height / 54); }
int LabelWidthFor(int width) { return width * 11 / 100; }
int LabelHeightFor(int label_font) { return label_font * 5 / 2; }  // two lines
int ProgressHeightFor(int height) { return std::max(4, height / 120); }
// The caption band: two lines of a font ~8.5 % of the cell.
int CaptionHeightFor(int cell) { return (cell * 22 + 50) / 100; }
int CaptionFontFor(int cell) { return std::max(5, (cell * 85 + 500) / 1000); }

struct Frame {
  int width, height, gutter, label_w, label_h, progress_h;
  int AreaWidth() const { return width - label_w - 3 * gutter; }                 // for the cells
  int AreaHeight() const { return height - label_h - progress_h - 4 * gutter; }  // idem
};

Frame FrameFor(int width, int height) {
  Frame f{width, height, GutterFor(height), LabelWidthFor(width), 0, ProgressHeightFor(height)};
  f.label_h = LabelHeightFor(LabelFontFor(height));
  return f;
}

// The largest square side for rows × cols cells in the frame's cell area (0 if none).
int CellSideFor(const Frame& f, int rows, int cols) {
  int by_width = (f.AreaWidth() - (cols - 1) * f.gutter) / cols;
  int avail_h = f.AreaHeight() - (rows - 1) * f.gutter;
  int side = std::max(0, std::min(by_width, static_cast<int>(avail_h / (rows * 1.22))));
  while (side > 0 && rows * (side + CaptionHeightFor(side)) > avail_h) --side;  // rounding
  return side;
}

}  // namespace

Result<Resolution> ParseResolution(const std::string& name) {
  if (name == "hd") return Resolution{1920, 1080};
  if (name == "4k") return Resolution{3840, 2160};
  if (name == "8k") return Resolution{7680, 4320};
  return Status::InvalidArgument("resolution '" + name + "' is not one of hd (1920×1080), 4k (3840×2160), 8k (7680×4320)");
}

Result<MosaicLayout> ComputeMosaicLayout(const MosaicShape& shape, int width, int height) {
  if (shape.prompts <= 0 || shape.networks <= 0 || shape.runs_per_group <= 0) {
    return Status::InvalidArgument("a mosaic needs at least one prompt, network and run (got " +
                                   std::to_string(shape.prompts) + " × " + std::to_string(shape.networks) + " × " +
                                   std::to_string(shape.runs_per_group) + ")");
  }
  if (width < 160 || height < 90) {
    return Status::InvalidArgument("frame " + std::to_string(width) + "×" + std::to_string(height) +
                                   " is too small (at least 160×90)");
  }
  const Frame f = FrameFor(width, height);
  const int k = shape.runs_per_group;
  // Search both orientations and every sub-grid shape; keep the largest cell, then the
  // fewest empty cells, then prompts on rows.
  struct Choice {
    int side = -1, empty = 0;
    bool prompts_on_rows = true;
    int sub_rows = 0, sub_cols = 0;
  } best;
  for (bool prompts_on_rows : {true, false}) {
    const int row_groups = prompts_on_rows ? shape.prompts : shape.networks;
    const int col_groups = prompts_on_rows ? shape.networks : shape.prompts;
    for (int sub_rows = 1; sub_rows <= k; ++sub_rows) {
      const int sub_cols = (k + sub_rows - 1) / sub_rows;
      if ((k + sub_cols - 1) / sub_cols != sub_rows) continue;  // a full row would be empty
      const long long rows = static_cast<long long>(row_groups) * sub_rows;
      const long long cols = static_cast<long long>(col_groups) * sub_cols;
      if (rows > height || cols > width) continue;
      const int side = CellSideFor(f, static_cast<int>(rows), static_cast<int>(cols));
      const int empty = static_cast<int>(rows * cols - static_cast<long long>(row_groups) * col_groups * k);
      if (side > best.side || (side == best.side && empty < best.empty)) {
        best = {side, empty, prompts_on_rows, sub_rows, sub_cols};
      }
    }
  }
  if (best.side < kMinCellPx) {
    // The most runs any grid holds with kMinCellPx cells: a plain grid without groups.
    const int max_cols = (f.AreaWidth() + f.gutter) / (kMinCellPx + f.gutter);
    const int max_rows = (f.AreaHeight() + f.gutter) / (kMinCellPx + CaptionHeightFor(kMinCellPx) + f.gutter);
    const long long total = static_cast<long long>(shape.prompts) * shape.networks * k;
    return Status::InvalidArgument(
        "the mosaic of " + std::to_string(total) + " runs (" + std::to_string(shape.prompts) + " prompts × " +
        std::to_string(shape.networks) + " networks × " + std::to_string(k) + " runs) would have cells of " +
        std::to_string(std::max(best.side, 0)) + " px at " + std::to_string(width) + "×" + std::to_string(height) +
        "; a readable cell needs at least " + std::to_string(kMinCellPx) + " px, so at most " +
        std::to_string(std::max(0, max_cols * max_rows)) +
        " runs fit at this resolution: choose a larger --resolution or fewer experiments");
  }

  MosaicLayout out;
  out.width = width;
  out.height = height;
  out.gutter = f.gutter;
  out.cell = best.side;
  out.caption_height = CaptionHeightFor(best.side);
  out.prompts_on_rows = best.prompts_on_rows;
  out.group_rows = best.sub_rows;
  out.group_cols = best.sub_cols;
  out.label_font_px = LabelFontFor(height);
  out.caption_font_px = CaptionFontFor(best.side);

  const int row_groups = best.prompts_on_rows ? shape.prompts : shape.networks;
  const int col_groups = best.prompts_on_rows ? shape.networks : shape.prompts;
  const int rows = row_groups * best.sub_rows;
  const int cols = col_groups * best.sub_cols;
  const int g = f.gutter;
  const int pitch_x = best.side + g;
  const int pitch_y = best.side + out.caption_height + g;
  const int block_w = cols * pitch_x - g;
  const int block_h = rows * pitch_y - g;
  // Centre the block in the cell area; the labels hug it.
  const int x0 = g + f.label_w + g + (f.AreaWidth() - block_w) / 2;
  const int y0 = g + f.label_h + g + (f.AreaHeight() - block_h) / 2;

  const size_t cells = static_cast<size_t>(shape.prompts) * shape.networks * k;
  out.images.resize(cells);
  out.captions.resize(cells);
  for (int p = 0; p < shape.prompts; ++p) {
    for (int n = 0; n < shape.networks; ++n) {
      const int row_group = best.prompts_on_rows ? p : n;
      const int col_group = best.prompts_on_rows ? n : p;
      for (int r = 0; r < k; ++r) {
        const int row = row_group * best.sub_rows + r / best.sub_cols;
        const int col = col_group * best.sub_cols + r % best.sub_cols;
        const size_t i = (static_cast<size_t>(p) * shape.networks + n) * k + r;
        out.images[i] = {x0 + col * pitch_x, y0 + row * pitch_y, best.side, best.side};
        out.captions[i] = {x0 + col * pitch_x, y0 + row * pitch_y + best.side, best.side, out.caption_height};
      }
    }
  }
  // Row labels left of each row group, column labels above each column group.
  std::vector<Rect> row_labels(row_groups), col_labels(col_groups);
  for (int r = 0; r < row_groups; ++r) {
    row_labels[r] = {g, y0 + r * best.sub_rows * pitch_y, x0 - 2 * g, best.sub_rows * pitch_y - g};
  }
  for (int c = 0; c < col_groups; ++c) {
    col_labels[c] = {x0 + c * best.sub_cols * pitch_x, y0 - g - f.label_h, best.sub_cols * pitch_x - g, f.label_h};
  }
  out.prompt_labels = best.prompts_on_rows ? row_labels : col_labels;
  out.network_labels = best.prompts_on_rows ? col_labels : row_labels;
  out.progress_bar = {g, height - g - f.progress_h, width - 2 * g, f.progress_h};
  return out;
}

}  // namespace panic::exporting
