#include "panic/export/image_export.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <map>

#include "panic/core/atomic_file.h"
#include "panic/core/sha256.h"
#include "panic/export/cancel.h"
#include "panic/export/text_renderer.h"
#include "panic/store/experiments_table.h"
#include "panic/store/image_codec.h"
#include "panic/store/invocations_table.h"
#include "panic/store/runs_table.h"

namespace panic::exporting {
namespace {

namespace fs = std::filesystem;

std::string ShortHash(const std::string& text) {
  return Sha256Hex(text).substr(0, 8);
}

// For the image at index i of `steps`: the caption made from it (the next step's text).
Result<std::string> CaptionAfter(store::Database& db, const std::vector<store::InvocationRecord>& steps, size_t i) {
  if (i + 1 < steps.size() && steps[i + 1].type == store::OutputType::kText) {
    PANIC_ASSIGN_OR_RETURN(auto next, store::invocations::Get(db.connection(), steps[i + 1].id));
    return next.output_text;
  }
  return std::string();
}

Result<RgbImage> LoadImage(store::Database& db, const std::string& invocation_id) {
  PANIC_ASSIGN_OR_RETURN(auto inv, store::invocations::Get(db.connection(), invocation_id));
  if (inv.type != store::OutputType::kImage) {
    return Status::InvalidArgument("invocation " + invocation_id + " (" + inv.model + ", step " +
                                   std::to_string(inv.sequence_number) + ") is text, not an image");
  }
  auto image = store::DecodeImage(inv.output_image);
  if (!image.ok()) return Status::Corruption("invocation " + invocation_id + ": " + image.status().message());
  return image;
}

std::vector<size_t> ImageIndices(const std::vector<store::InvocationRecord>& steps) {
  std::vector<size_t> out;
  for (size_t i = 0; i < steps.size(); ++i) {
    if (steps[i].type == store::OutputType::kImage) out.push_back(i);
  }
  return out;
}

std::string NetworkText(const std::vector<std::string>& network) {
  std::string out;
  for (const auto& m : network) out += (out.empty() ? "" : " → ") + m;
  return out;
}

constexpr Rgba kInk{0.1, 0.1, 0.12, 1};
constexpr Rgba kMuted{0.35, 0.35, 0.4, 1};

}  // namespace

std::string Slug(const std::string& text) {
  std::string out;
  bool dash = false;
  for (unsigned char c : text) {
    if (std::isalnum(c) && c < 0x80) {
      if (dash && !out.empty()) out.push_back('-');
      dash = false;
      out.push_back(static_cast<char>(std::tolower(c)));
      if (out.size() >= 48) break;
    } else {
      dash = true;
    }
  }
  while (!out.empty() && out.back() == '-') out.pop_back();
  return out.empty() ? "prompt" : out;
}

std::vector<size_t> EvenlyChosen(size_t n, size_t k) {
  std::vector<size_t> out;
  if (n == 0 || k == 0) return out;
  if (n <= k) {
    for (size_t i = 0; i < n; ++i) out.push_back(i);
    return out;
  }
  if (k == 1) return {0};
  for (size_t j = 0; j < k; ++j) out.push_back((j * (n - 1) + (k - 1) / 2) / (k - 1));  // rounded j·(n−1)/(k−1)
  return out;
}

int GridColumns(int n, double tile_aspect, double target_aspect) {
  int best = 1;
  double best_err = 1e300;
  for (int cols = 1; cols <= std::max(1, n); ++cols) {
    const int rows = (n + cols - 1) / cols;
    const double aspect = cols * tile_aspect / rows;
    const double err = std::abs(std::log(aspect / target_aspect));
    if (err < best_err - 1e-12) {
      best_err = err;
      best = cols;
    }
  }
  return best;
}

ImageMetadata InvocationMetadata(const store::ExperimentRecord& experiment, const store::RunRecord& run,
                                 const store::InvocationRecord& invocation, const std::string& input_text) {
  return {{"Prompt", run.initial_prompt},
          {"Input", input_text},
          {"Model", invocation.model},
          {"Seed", std::to_string(invocation.seed)},
          {"SequenceNumber", std::to_string(invocation.sequence_number)},
          {"RunNumber", std::to_string(run.run_number)},
          {"RunId", run.id},
          {"ExperimentId", experiment.id},
          {"InvocationId", invocation.id},
          {"Network", NetworkText(run.network)},
          {"CreatedAt", invocation.completed_at}};
}

Result<ImagesSummary> ExportExperimentImages(store::Database& db, const std::string& experiment_id,
                                             const std::string& dir, ImageFileFormat format,
                                             const std::function<void(int64_t, int64_t)>& progress,
                                             const std::atomic<bool>* cancel) {
  PANIC_ASSIGN_OR_RETURN(auto experiment, store::experiments::Get(db.connection(), experiment_id));
  PANIC_ASSIGN_OR_RETURN(auto runs, store::runs::List(db.connection(), experiment.id));
  // Slugs, made unique per experiment.
  std::map<std::string, std::vector<std::string>> by_slug;
  for (const auto& p : experiment.prompts) {
    auto& v = by_slug[Slug(p)];
    if (std::find(v.begin(), v.end(), p) == v.end()) v.push_back(p);
  }
  auto prompt_dir = [&](const std::string& prompt) {
    std::string slug = Slug(prompt);
    auto it = by_slug.find(slug);
    return it != by_slug.end() && it->second.size() == 1 ? slug : slug + "-" + ShortHash(prompt);
  };
  const int digits = std::max<int>(4, static_cast<int>(std::to_string(std::max<int64_t>(experiment.max_length, 1) - 1).size()));
  ImagesSummary summary;
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) return Status::IOError("cannot create '" + dir + "': " + ec.message());
  for (size_t r = 0; r < runs.size(); ++r) {
    const auto& run = runs[r];
    PANIC_ASSIGN_OR_RETURN(
        auto steps, db.Read([&](store::SqliteDb& c) { return store::invocations::ListForRun(c, run.id, false); }));
    std::string network_dir;
    for (const auto& m : run.network) network_dir += (network_dir.empty() ? "" : "-") + Slug(m);
    const fs::path run_dir = fs::path(dir) / network_dir / prompt_dir(run.initial_prompt) /
                             ("run_" + std::to_string(run.run_number));
    std::string input = run.initial_prompt;  // the text the next image is drawn from
    bool made_dir = false;
    AtomicFileBatch files;  // the run's images appear when the run is done (core/atomic_file.h)
    for (const auto& step : steps) {
      if (cancel && cancel->load()) {
        return Status::Cancelled("image export cancelled after " + std::to_string(summary.runs) + " runs");
      }
      PANIC_ASSIGN_OR_RETURN(auto inv, store::invocations::Get(db.connection(), step.id));
      if (inv.type == store::OutputType::kText) {
        input = inv.output_text;
        continue;
      }
      auto image = store::DecodeImage(inv.output_image);
      if (!image.ok()) return Status::Corruption("invocation " + inv.id + ": " + image.status().message());
      PANIC_ASSIGN_OR_RETURN(std::string bytes,
                             EncodeImageFile(*image, format, InvocationMetadata(experiment, run, inv, input)));
      if (!made_dir) {
        fs::create_directories(run_dir, ec);
        if (ec) return Status::IOError("cannot create '" + run_dir.string() + "': " + ec.message());
        made_dir = true;
      }
      char name[48];
      std::snprintf(name, sizeof name, "%0*lld.%s", digits, static_cast<long long>(inv.sequence_number),
                    ImageFileExtension(format));
      PANIC_RETURN_IF_ERROR(files.Write((run_dir / name).string(), bytes));
      ++summary.files;
    }
    PANIC_RETURN_IF_ERROR(files.Commit());
    ++summary.runs;
    if (progress) progress(static_cast<int64_t>(r + 1), static_cast<int64_t>(runs.size()));
  }
  return summary;
}

Status ExportInvocationImage(store::Database& db, const std::string& invocation_id, const std::string& output) {
  PANIC_ASSIGN_OR_RETURN(ImageFileFormat format, ParseImageFileFormat(fs::path(output).extension().string()));
  PANIC_ASSIGN_OR_RETURN(auto inv, store::invocations::Get(db.connection(), invocation_id));
  PANIC_ASSIGN_OR_RETURN(RgbImage image, LoadImage(db, inv.id));
  PANIC_ASSIGN_OR_RETURN(auto run, store::runs::Get(db.connection(), inv.run_id));
  PANIC_ASSIGN_OR_RETURN(auto experiment, store::experiments::Get(db.connection(), run.experiment_id));
  std::string input = run.initial_prompt;
  if (inv.input_invocation_id) {
    PANIC_ASSIGN_OR_RETURN(auto in, store::invocations::Get(db.connection(), *inv.input_invocation_id));
    if (in.type == store::OutputType::kText) input = in.output_text;
  }
  PANIC_ASSIGN_OR_RETURN(std::string bytes, EncodeImageFile(image, format, InvocationMetadata(experiment, run, inv, input)));
  return WriteFileAtomically(output, bytes);
}

Status RenderTimeline(store::Database& db, const std::vector<std::string>& run_ids, int steps,
                      const std::string& output, const std::atomic<bool>* cancel) {
  if (run_ids.empty()) return Status::InvalidArgument("no run given for the timeline");
  if (steps < 1 || steps > 64) return Status::InvalidArgument("--steps " + std::to_string(steps) + " is not in 1..64");
  PANIC_ASSIGN_OR_RETURN(DrawingFormat format, DrawingFormatOfPath(output));
  struct Strip {
    store::RunRecord run;
    std::vector<store::InvocationRecord> steps;
    std::vector<size_t> chosen;  // indices into steps
  };
  std::vector<Strip> strips;
  size_t columns = 1;
  for (const auto& id : run_ids) {
    PANIC_RETURN_IF_ERROR(CheckCancel(cancel, "timeline"));
    Strip s;
    PANIC_ASSIGN_OR_RETURN(s.run, store::runs::Get(db.connection(), id));
    PANIC_ASSIGN_OR_RETURN(s.steps,
                           db.Read([&](store::SqliteDb& c) { return store::invocations::ListForRun(c, id, false); }));
    auto images = ImageIndices(s.steps);
    for (size_t k : EvenlyChosen(images.size(), static_cast<size_t>(steps))) s.chosen.push_back(images[k]);
    if (s.chosen.empty()) {
      return Status::InvalidArgument("run " + id + " (" + NetworkText(s.run.network) + ") has no images for a timeline");
    }
    columns = std::max(columns, s.chosen.size());
    strips.push_back(std::move(s));
  }
  constexpr int kTile = 192, kGap = 12, kLabelW = 240, kCaptionH = 64, kMargin = 16;
  const int width = 2 * kMargin + kLabelW + static_cast<int>(columns) * (kTile + kGap);
  const int row_h = kTile + kCaptionH + kGap;
  const int height = 2 * kMargin + static_cast<int>(strips.size()) * row_h;
  PANIC_ASSIGN_OR_RETURN(auto file, DrawingFile::Create(output, format, width, height));
  cairo_t* cr = file->cr();
  TextRenderer text;
  for (size_t r = 0; r < strips.size(); ++r) {
    const Strip& s = strips[r];
    const int y = kMargin + static_cast<int>(r) * row_h;
    std::string label = s.run.initial_prompt;
    text.Draw(cr, label, {kMargin, y, kLabelW - kGap, kTile * 2 / 3}, {14, kInk, true, HAlign::kLeft, VAlign::kTop});
    std::string info = NetworkText(s.run.network) + "\nseed " + std::to_string(s.run.seed) + " · run " +
                       std::to_string(s.run.run_number) + "\n" +
                       (s.run.stop_reason ? "stopped: " + *s.run.stop_reason : std::string("running")) + " · " +
                       std::to_string(s.steps.size()) + " steps";
    text.Draw(cr, info, {kMargin, y + kTile * 2 / 3, kLabelW - kGap, kTile / 3 + kCaptionH},
              {11, kMuted, false, HAlign::kLeft, VAlign::kTop});
    for (size_t c = 0; c < s.chosen.size(); ++c) {
      const size_t i = s.chosen[c];
      const int x = kMargin + kLabelW + static_cast<int>(c) * (kTile + kGap);
      PANIC_RETURN_IF_ERROR(CheckCancel(cancel, "timeline"));
      PANIC_ASSIGN_OR_RETURN(RgbImage image, LoadImage(db, s.steps[i].id));
      PANIC_ASSIGN_OR_RETURN(SurfacePtr surface, SurfaceFromRgb(image));
      DrawImageFit(cr, surface.get(), {x, y, kTile, kTile});
      PANIC_ASSIGN_OR_RETURN(std::string caption, CaptionAfter(db, s.steps, i));
      text.Draw(cr, "step " + std::to_string(s.steps[i].sequence_number), {x, y + kTile + 2, kTile, 14},
                {11, kMuted, true, HAlign::kLeft, VAlign::kTop});
      text.Draw(cr, caption, {x, y + kTile + 16, kTile, kCaptionH - 18}, {11, kInk, false, HAlign::kLeft, VAlign::kTop, 3});
    }
  }
  return file->Finish();
}

GridLayout ComputeGridLayout(int n, double tile_aspect, int text_lines) {
  GridLayout g;
  g.n = std::max(1, n);
  g.cols = GridColumns(g.n, tile_aspect, 16.0 / 9.0);
  g.rows = (g.n + g.cols - 1) / g.cols;
  g.tile_w = std::clamp(2048 / g.cols, 96, 320);
  g.tile_h = std::max(1, static_cast<int>(std::lround(g.tile_w / tile_aspect)));
  g.label_h = 2 + GridLayout::kLineH * std::max(1, text_lines);
  g.width = 2 * GridLayout::kMargin + g.cols * g.tile_w + (g.cols - 1) * GridLayout::kGap;
  g.height = 2 * GridLayout::kMargin + GridLayout::kTitleH + g.rows * (g.tile_h + g.label_h + GridLayout::kGap) - GridLayout::kGap;
  return g;
}

Rect GridLayout::Image(int k) const {
  return {kMargin + (k % cols) * (tile_w + kGap), kMargin + kTitleH + (k / cols) * (tile_h + label_h + kGap), tile_w, tile_h};
}

Rect GridLayout::Label(int k) const {
  const Rect image = Image(k);
  return {image.x, image.y + image.h + 1, image.w, label_h - 1};
}

Status RenderTileGrid(store::Database& db, const std::string& title, const std::vector<GridTile>& tiles,
                      const std::string& output, const std::atomic<bool>* cancel) {
  if (tiles.empty()) return Status::InvalidArgument("no images for a grid");
  PANIC_RETURN_IF_ERROR(CheckCancel(cancel, "grid"));
  PANIC_ASSIGN_OR_RETURN(DrawingFormat format, DrawingFormatOfPath(output));
  PANIC_ASSIGN_OR_RETURN(RgbImage first, LoadImage(db, tiles[0].image_invocation_id));
  const bool captions = std::any_of(tiles.begin(), tiles.end(), [](const GridTile& t) { return !t.caption.empty(); });
  const GridLayout g = ComputeGridLayout(static_cast<int>(tiles.size()), static_cast<double>(first.width) / first.height,
                                         captions ? 3 : 1);
  PANIC_ASSIGN_OR_RETURN(auto file, DrawingFile::Create(output, format, g.width, g.height));
  cairo_t* cr = file->cr();
  TextRenderer text;
  text.Draw(cr, title, {GridLayout::kMargin, GridLayout::kMargin, g.width - 2 * GridLayout::kMargin, GridLayout::kTitleH - 4},
            {14, kInk, true, HAlign::kLeft, VAlign::kTop, 1});
  for (int k = 0; k < static_cast<int>(tiles.size()); ++k) {
    PANIC_RETURN_IF_ERROR(CheckCancel(cancel, "grid"));
    PANIC_ASSIGN_OR_RETURN(RgbImage image, LoadImage(db, tiles[k].image_invocation_id));
    PANIC_ASSIGN_OR_RETURN(SurfacePtr surface, SurfaceFromRgb(image));
    DrawImageFit(cr, surface.get(), g.Image(k));
    const Rect band = g.Label(k);
    text.Draw(cr, tiles[k].label, {band.x, band.y, band.w, GridLayout::kLineH},
              {11, kMuted, !tiles[k].caption.empty(), HAlign::kLeft, VAlign::kTop, 1});
    if (!tiles[k].caption.empty()) {
      text.Draw(cr, tiles[k].caption, {band.x, band.y + GridLayout::kLineH, band.w, band.h - GridLayout::kLineH},
                {11, kInk, false, HAlign::kLeft, VAlign::kTop, 2});
    }
  }
  PANIC_RETURN_IF_ERROR(CheckCancel(cancel, "grid"));
  return file->Finish();
}

Status RenderImageGrid(store::Database& db, const std::string& run_id, int max_images, const std::string& output,
                       const std::atomic<bool>* cancel) {
  if (max_images < 1 || max_images > 4096) {
    return Status::InvalidArgument("--max-images " + std::to_string(max_images) + " is not in 1..4096");
  }
  PANIC_ASSIGN_OR_RETURN(auto run, store::runs::Get(db.connection(), run_id));
  PANIC_ASSIGN_OR_RETURN(auto steps,
                         db.Read([&](store::SqliteDb& c) { return store::invocations::ListForRun(c, run.id, false); }));
  auto images = ImageIndices(steps);
  std::vector<GridTile> tiles;
  for (size_t k : EvenlyChosen(images.size(), static_cast<size_t>(max_images))) {
    const auto& inv = steps[images[k]];
    tiles.push_back({inv.id, "step " + std::to_string(inv.sequence_number), ""});
  }
  if (tiles.empty()) return Status::InvalidArgument("run " + run.id + " has no images for a grid");
  return RenderTileGrid(db, run.initial_prompt + "  ·  " + NetworkText(run.network) + "  ·  seed " + std::to_string(run.seed),
                        tiles, output, cancel);
}

}  // namespace panic::exporting
