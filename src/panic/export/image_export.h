// Exporting stored images (issue 14, "Images"):
//   ExportExperimentImages  the tree <network>/<prompt-slug>/run_<n>/<seq>.<ext>, each file
//                           with its provenance (image_metadata.h);
//   ExportInvocationImage   one invocation's image;
//   RenderTimeline          one strip per run: evenly chosen image steps with their captions;
//   RenderImageGrid         a run's images in a grid whose shape suits their aspect
//                           (RenderTileGrid: any images; export/cluster_grid.h uses it
//                           for a cluster's members).
// Timelines and grids are drawn on cairo and written as PNG, SVG or PDF (by extension).
//
// Thread safety: each call uses its Database from the calling thread only.
#pragma once

#include <atomic>
#include <functional>
#include <string>
#include <vector>

#include "panic/export/drawing_file.h"
#include "panic/export/image_metadata.h"
#include "panic/export/mosaic_layout.h"
#include "panic/store/database.h"
#include "panic/store/records.h"

namespace panic::exporting {

// A file-name slug of a prompt: lower-case ASCII letters and digits, runs of anything
// else as one '-', at most 48 characters, no leading or trailing '-'; "prompt" if empty.
std::string Slug(const std::string& text);

// The provenance fields of an image invocation: Prompt, Input (the text it was drawn
// from), Model, Seed, SequenceNumber, RunId, ExperimentId, InvocationId, Network, RunNumber.
ImageMetadata InvocationMetadata(const store::ExperimentRecord& experiment, const store::RunRecord& run,
                                 const store::InvocationRecord& invocation, const std::string& input_text);

struct ImagesSummary {
  int64_t files = 0;
  int64_t runs = 0;
};
// Writes every image of the experiment under `dir` (created). Prompts whose slugs collide
// get a short hash of the prompt appended. `progress` gets (runs done, runs). A run's images
// appear together when the run is done (core/atomic_file.h); Cancelled when *cancel turns
// true, checked between images: the runs done are kept, nothing of the run in hand.
Result<ImagesSummary> ExportExperimentImages(store::Database& db, const std::string& experiment_id,
                                             const std::string& dir, ImageFileFormat format,
                                             const std::function<void(int64_t, int64_t)>& progress = {},
                                             const std::atomic<bool>* cancel = nullptr);

// Writes one invocation's image, the format from the output's extension. InvalidArgument
// when the invocation is text or the extension is not png/jpg/jpeg/webp.
Status ExportInvocationImage(store::Database& db, const std::string& invocation_id, const std::string& output);

// One strip per run: `steps` image steps chosen evenly from first to last (all when the
// run has fewer), each with its step number and the caption made from it. Cancelled when
// *cancel turns true (checked per image and before the file is committed: nothing written).
Status RenderTimeline(store::Database& db, const std::vector<std::string>& run_ids, int steps,
                      const std::string& output, const std::atomic<bool>* cancel = nullptr);

// The run's images (at most `max_images`, evenly chosen) in a grid: the column count is
// the one that brings the whole grid closest to 16:9 given the images' aspect. Cancelled as
// RenderTileGrid is.
Status RenderImageGrid(store::Database& db, const std::string& run_id, int max_images, const std::string& output,
                       const std::atomic<bool>* cancel = nullptr);

// The geometry of an image grid (pure): a title band, then `rows` × `cols` tiles, each an
// image box of tile_w × tile_h with a text band of label_h beneath, all gutters kGap.
struct GridLayout {
  static constexpr int kGap = 8, kMargin = 12, kTitleH = 28, kLineH = 14;
  int n = 0, cols = 1, rows = 1, tile_w = 0, tile_h = 0, label_h = 0, width = 0, height = 0;
  Rect Image(int k) const;  // the image box of tile k (row-major)
  Rect Label(int k) const;  // the text band beneath it
};
// n ≥ 1 tiles of aspect (width / height) `tile_aspect`, columns by GridColumns toward 16:9,
// tile width 2048 / cols clamped to 96..320, `text_lines` lines of text under each image.
GridLayout ComputeGridLayout(int n, double tile_aspect, int text_lines);

// One tile of a grid: the image of `image_invocation_id`, a bold label and a caption
// (empty: none) beneath it.
struct GridTile {
  std::string image_invocation_id;
  std::string label;
  std::string caption;
};
// Draws the tiles under `title` into `output` (PNG, SVG or PDF by extension), laid out by
// ComputeGridLayout with the first image's aspect; one text line under each image, three
// when any tile has a caption. REQUIRES: !tiles.empty(). Cancelled when *cancel turns true
// (checked per tile and before the file is committed: nothing written).
Status RenderTileGrid(store::Database& db, const std::string& title, const std::vector<GridTile>& tiles,
                      const std::string& output, const std::atomic<bool>* cancel = nullptr);

// The column count for n tiles of aspect (width / height) `tile_aspect`, with gutters
// ignored, whose grid is closest to `target_aspect` (ratios compared in log space).
int GridColumns(int n, double tile_aspect, double target_aspect);

// Indices 0..n−1 evenly chosen, k of them, first and last included (all when n ≤ k).
std::vector<size_t> EvenlyChosen(size_t n, size_t k);

}  // namespace panic::exporting
