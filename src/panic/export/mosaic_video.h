// The mosaic video of one or more experiments (issue 14, "Video"): every run side by side
// on a MosaicLayout, one frame per step. Frame t shows each run's latest image at or
// before step t with its latest text beneath it (the initial prompt until the first
// caption), so text steps are never blank; a run that ended before t holds its last frame
// under a "stopped" mark.
//
// Streaming: only the step metadata of each run is read up front; each frame reads just
// the invocations of that step (invocations::Get) and keeps one scaled image per run.
//
// Thread safety: a MosaicFrames uses its Database from the calling thread only; decoding and
// scaling run on `threads` helper threads.
#pragma once

#include <atomic>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "panic/export/ffmpeg_encoder.h"
#include "panic/export/mosaic_frame.h"
#include "panic/store/database.h"
#include "panic/store/records.h"

namespace panic::exporting {

// (done, total) after each unit of work.
using ExportProgressFn = std::function<void(int64_t done, int64_t total)>;

// "FluxSchnell → BLIP2"
std::string NetworkLabel(const std::vector<std::string>& network);

class MosaicFrames {
 public:
  // Plans the mosaic of the experiments' runs in a width × height frame. NotFound for an
  // unknown experiment; InvalidArgument when the runs have no image at all, or when the
  // grid cannot give a readable cell (the message says how many runs fit).
  static Result<std::unique_ptr<MosaicFrames>> Open(store::Database& db, const std::vector<std::string>& experiment_ids,
                                                    int width, int height, int threads = 1);

  int64_t frame_count() const { return frames_; }
  int64_t runs() const { return static_cast<int64_t>(runs_.size()); }
  const MosaicLayout& layout() const { return composer_->layout(); }
  // Reads step `next frame` and composes it; Corruption for an undecodable stored image.
  // REQUIRES: fewer than frame_count() calls so far.
  Status Next();
  cairo_surface_t* surface() const { return composer_->surface(); }

 private:
  struct Step {
    int64_t sequence_number;
    bool image;
    std::string invocation_id;
  };
  struct RunTrack {
    size_t cell = 0;
    std::string initial_prompt;
    std::string stop_reason;  // empty while running (or failed without a reason)
    bool ended = false;       // stopped by length, duplicate or failure
    std::vector<Step> steps;  // by sequence number
    size_t next = 0;          // the first step not shown yet
  };
  MosaicFrames() = default;

  store::Database* db_ = nullptr;
  int threads_ = 1;
  std::unique_ptr<MosaicComposer> composer_;
  std::vector<RunTrack> runs_;
  int64_t frames_ = 0;
  int64_t frame_ = 0;  // the next frame
};

struct VideoOptions {
  double fps = 2;
  std::string resolution = "hd";  // hd | 4k | 8k
  std::string codec = "h264";     // h264 | h265 | av1
  std::string output = "mosaic.mp4";
  std::string ffmpeg = "ffmpeg";
  int threads = 1;
};

struct VideoSummary {
  int64_t frames = 0;
  int64_t runs = 0;
  int width = 0;
  int height = 0;
  int cell = 0;
  std::string encoder;
};

// Writes the mosaic video. Validation errors (codec, resolution, fps, no images, cells too
// small) come before ffmpeg starts; Cancelled when *cancel turns true. The output appears
// only when complete (core/atomic_file.h): a cancel or failure leaves the previous file, if
// any, as it was. `progress` gets (frames written, frames).
Result<VideoSummary> ExportMosaicVideo(store::Database& db, const std::vector<std::string>& experiment_ids,
                                       const VideoOptions& options, const ExportProgressFn& progress = {},
                                       const std::atomic<bool>* cancel = nullptr);

}  // namespace panic::exporting
