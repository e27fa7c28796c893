// Exporting stored images (issue 14, "Images"):
//   ExportExperimentImages  the tree <network>/<prompt-slug>/run_<n>/<seq>.<ext>, each file
//                           with its provenance (image_metadata.h);
//   ExportInvocationImage   one invocation's image;
//   RenderTimeline          one strip per run: evenly chosen image steps with their captions;
//   RenderImageGrid         a run's images in a grid whose shape suits their aspect.
// Timelines and grids are drawn on cairo and written as PNG, SVG or PDF (by extension).
//
// Thread safety: each call uses its Database from the calling thread only.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "panic/export/drawing_file.h"
#include "panic/export/image_metadata.h"
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
// get a short hash of the prompt appended. `progress` gets (runs done, runs).
Result<ImagesSummary> ExportExperimentImages(store::Database& db, const std::string& experiment_id,
                                             const std::string& dir, ImageFileFormat format,
                                             const std::function<void(int64_t, int64_t)>& progress = {});

// Writes one invocation's image, the format from the output's extension. InvalidArgument
// when the invocation is text or the extension is not png/jpg/jpeg/webp.
Status ExportInvocationImage(store::Database& db, const std::string& invocation_id, const std::string& output);

// One strip per run: `steps` image steps chosen evenly from first to last (all when the
// run has fewer), each with its step number and the caption made from it.
Status RenderTimeline(store::Database& db, const std::vector<std::string>& run_ids, int steps,
                      const std::string& output);

// The run's images (at most `max_images`, evenly chosen) in a grid: the column count is
// the one that brings the whole grid closest to 16:9 given the images' aspect.
Status RenderImageGrid(store::Database& db, const std::string& run_id, int max_images, const std::string& output);

// The column count for n tiles of aspect (width / height) `tile_aspect`, with gutters
// ignored, whose grid is closest to `target_aspect` (ratios compared in log space).
int GridColumns(int n, double tile_aspect, double target_aspect);

// Indices 0..n−1 evenly chosen, k of them, first and last included (all when n ≤ k).
std::vector<size_t> EvenlyChosen(size_t n, size_t k);

}  // namespace panic::exporting
