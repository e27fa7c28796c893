#include "panic/export/mosaic_video.h"

#include <algorithm>
#include <map>

#include "panic/core/atomic_file.h"
#include "panic/core/parallel.h"
#include "panic/store/experiments_table.h"
#include "panic/store/image_codec.h"
#include "panic/store/invocations_table.h"
#include "panic/store/runs_table.h"

namespace panic::exporting {

std::string NetworkLabel(const std::vector<std::string>& network) {
  std::string out;
  for (const auto& m : network) out += (out.empty() ? "" : " → ") + m;
  return out;
}

Result<std::unique_ptr<MosaicFrames>> MosaicFrames::Open(store::Database& db,
                                                         const std::vector<std::string>& experiment_ids, int width,
                                                         int height, int threads) {
  if (experiment_ids.empty()) return Status::InvalidArgument("no experiment given for the mosaic");
  // Groups in order of first appearance: prompts, networks; runs by experiment, run number.
  std::vector<std::string> prompts;
  std::vector<std::vector<std::string>> networks;
  std::map<std::pair<size_t, size_t>, std::vector<store::RunRecord>> groups;
  for (const auto& id : experiment_ids) {
    PANIC_ASSIGN_OR_RETURN(store::ExperimentRecord experiment, store::experiments::Get(db.connection(), id));
    PANIC_ASSIGN_OR_RETURN(std::vector<store::RunRecord> runs, store::runs::List(db.connection(), experiment.id));
    for (auto& run : runs) {
      auto p = std::find(prompts.begin(), prompts.end(), run.initial_prompt);
      if (p == prompts.end()) p = prompts.insert(prompts.end(), run.initial_prompt);
      auto n = std::find(networks.begin(), networks.end(), run.network);
      if (n == networks.end()) n = networks.insert(networks.end(), run.network);
      groups[{static_cast<size_t>(p - prompts.begin()), static_cast<size_t>(n - networks.begin())}].push_back(
          std::move(run));
    }
  }
  size_t per_group = 0;
  for (const auto& [key, runs] : groups) per_group = std::max(per_group, runs.size());
  if (per_group == 0) return Status::InvalidArgument("the experiments have no runs to show");
  MosaicShape shape{static_cast<int>(prompts.size()), static_cast<int>(networks.size()), static_cast<int>(per_group)};
  PANIC_ASSIGN_OR_RETURN(MosaicLayout layout, ComputeMosaicLayout(shape, width, height));
  MosaicLabels labels{prompts, {}};
  for (const auto& n : networks) labels.networks.push_back(NetworkLabel(n));
  PANIC_ASSIGN_OR_RETURN(auto composer, MosaicComposer::Create(layout, labels));

  std::unique_ptr<MosaicFrames> out(new MosaicFrames());
  out->db_ = &db;
  out->threads_ = std::max(1, threads);
  out->composer_ = std::move(composer);
  bool any_image = false;
  for (const auto& [key, runs] : groups) {
    for (size_t r = 0; r < runs.size(); ++r) {
      const store::RunRecord& run = runs[r];
      RunTrack track;
      track.cell = (key.first * networks.size() + key.second) * per_group + r;
      track.initial_prompt = run.initial_prompt;
      track.ended = run.stop_reason.has_value();
      if (run.stop_reason) {
        track.stop_reason = *run.stop_reason;
        if (run.loop_length) track.stop_reason += " (loop " + std::to_string(*run.loop_length) + ")";
      }
      PANIC_ASSIGN_OR_RETURN(auto invocations, db.Read([&](store::SqliteDb& c) {
        return store::invocations::ListForRun(c, run.id, false);
      }));
      for (auto& inv : invocations) {
        const bool image = inv.type == store::OutputType::kImage;
        any_image = any_image || image;
        track.steps.push_back({inv.sequence_number, image, std::move(inv.id)});
      }
      if (!track.steps.empty()) out->frames_ = std::max(out->frames_, track.steps.back().sequence_number + 1);
      out->composer_->SetCaption(track.cell, track.initial_prompt);
      out->runs_.push_back(std::move(track));
    }
  }
  if (!any_image) {
    std::string names;
    for (const auto& n : labels.networks) names += (names.empty() ? "" : "; ") + n;
    return Status::InvalidArgument("no images to show: the runs of these experiments have no image outputs (networks: " +
                                   names + "); a video needs a text-to-image model in the network");
  }
  return out;
}

Status MosaicFrames::Next() {
  const int64_t t = frame_++;
  struct ImageJob {
    size_t cell;
    std::string bytes;
    std::string invocation_id;
    SurfacePtr scaled;
    Status status;
  };
  std::vector<ImageJob> jobs;
  for (RunTrack& run : runs_) {
    // The latest image and the latest text at or before step t.
    const Step* image = nullptr;
    const Step* text = nullptr;
    for (; run.next < run.steps.size() && run.steps[run.next].sequence_number <= t; ++run.next) {
      (run.steps[run.next].image ? image : text) = &run.steps[run.next];
    }
    if (image) {
      PANIC_ASSIGN_OR_RETURN(store::InvocationRecord inv,
                             store::invocations::Get(db_->connection(), image->invocation_id));
      jobs.push_back({run.cell, std::move(inv.output_image), inv.id, nullptr, Status::Ok()});
    }
    if (text) {
      PANIC_ASSIGN_OR_RETURN(store::InvocationRecord inv,
                             store::invocations::Get(db_->connection(), text->invocation_id));
      composer_->SetCaption(run.cell, std::move(inv.output_text));
    }
    const int64_t last = run.steps.empty() ? -1 : run.steps.back().sequence_number;
    if (run.ended && t > last) composer_->SetStopped(run.cell, run.stop_reason);
  }
  ParallelFor(jobs.size(), threads_, [&](size_t i) {
    auto decoded = store::DecodeImage(jobs[i].bytes);
    if (!decoded.ok()) {
      jobs[i].status = Status::Corruption("invocation " + jobs[i].invocation_id + ": " + decoded.status().message());
      return;
    }
    auto scaled = composer_->ScaleForCell(*decoded);
    if (!scaled.ok()) {
      jobs[i].status = scaled.status();
      return;
    }
    jobs[i].scaled = std::move(*scaled);
  });
  for (auto& job : jobs) {
    PANIC_RETURN_IF_ERROR(job.status);
    composer_->SetScaledImage(job.cell, std::move(job.scaled));
  }
  const double progress = frames_ > 1 ? static_cast<double>(t) / (frames_ - 1) : 1.0;
  composer_->Compose(progress, "step " + std::to_string(t) + " / " + std::to_string(frames_ - 1));
  return Status::Ok();
}

Result<VideoSummary> ExportMosaicVideo(store::Database& db, const std::vector<std::string>& experiment_ids,
                                       const VideoOptions& options, const ExportProgressFn& progress,
                                       const std::atomic<bool>* cancel) {
  PANIC_ASSIGN_OR_RETURN(Resolution res, ParseResolution(options.resolution));
  PANIC_RETURN_IF_ERROR(ValidateCodec(options.codec));
  if (!(options.fps > 0 && options.fps <= 240)) {
    return Status::InvalidArgument("--fps " + std::to_string(options.fps) + " is not in (0, 240]");
  }
  PANIC_ASSIGN_OR_RETURN(auto frames, MosaicFrames::Open(db, experiment_ids, res.width, res.height, options.threads));
  // ffmpeg writes a temporary file beside the output, renamed over it once ffmpeg finished
  // (core/atomic_file.h): a failure, Ctrl-C or kill leaves the previous video as it was.
  PANIC_ASSIGN_OR_RETURN(auto file, AtomicFile::Create(options.output));
  EncoderSettings settings{options.codec, res.width, res.height, options.fps, file->temp_path(), options.ffmpeg};
  // Declared after `file`: on every return ffmpeg is stopped before the temporary file goes.
  PANIC_ASSIGN_OR_RETURN(auto encoder, FfmpegEncoder::Start(settings));
  for (int64_t f = 0; f < frames->frame_count(); ++f) {
    if (cancel && cancel->load()) {
      return Status::Cancelled("video export cancelled after " + std::to_string(f) + " frames");
    }
    Status st = frames->Next();
    if (st.ok()) {
      cairo_surface_t* s = frames->surface();
      st = encoder->WriteFrame(cairo_image_surface_get_data(s), cairo_image_surface_get_stride(s));
    }
    if (!st.ok()) return st;
    if (progress) progress(f + 1, frames->frame_count());
  }
  PANIC_RETURN_IF_ERROR(encoder->Finish());
  PANIC_RETURN_IF_ERROR(file->Commit());
  return VideoSummary{frames->frame_count(), frames->runs(), res.width, res.height, frames->layout().cell,
                      encoder->encoder()};
}

}  // namespace panic::exporting
