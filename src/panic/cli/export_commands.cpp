// `export …`: pictures, videos, charts and reports of stored experiments. Each command
// parses, opens the database read-only, resolves ids, calls export/ and prints where the
// files went.
#include <algorithm>
#include <filesystem>
#include <iostream>

#include "panic/cli/cli_common.h"
#include "panic/cli/command.h"
#include "panic/cli/output_path.h"
#include "panic/cli/progress_printer.h"
#include "panic/cli/run_reference.h"
#include "panic/cli/signals.h"
#include "panic/core/parallel.h"
#include "panic/export/cluster_grid.h"
#include "panic/export/experiment_charts.h"
#include "panic/export/html_report.h"
#include "panic/export/image_export.h"
#include "panic/export/mosaic_video.h"
#include "panic/store/experiments_table.h"
#include "panic/store/invocations_table.h"

namespace panic::cli {
namespace {

// Ctrl-C / SIGTERM seen by an export (export/cancel.h): it wrote nothing it had in hand,
// and returning closes the database, so the folder of a database we only read is as it was.
int Interrupted(Context& ctx, const std::string& what) {
  ctx.err << "\ninterrupted; " << what << "\n";
  return kExitInterrupted;
}

// The experiments named by the arguments (ids, prefixes or "latest"), in one store.
Result<std::vector<std::string>> ResolveExperiments(store::Database& db, const std::vector<std::string>& args) {
  std::vector<std::string> ids;
  for (const auto& a : args) {
    PANIC_ASSIGN_OR_RETURN(std::string id, store::experiments::ResolveId(db.connection(), a));
    ids.push_back(id);
  }
  return ids;
}

// Progress of an export on stderr, through the engine's printer (a bar on a terminal).
exporting::ExportProgressFn ProgressTo(ProgressPrinter& printer, const std::string& stage, const std::string& unit) {
  return [&printer, stage, unit](int64_t done, int64_t total) { printer.Count(stage, unit, done, total); };
}

// --output of a command that writes one file of a kind its extension names: checked before
// the database is opened ("--output: 'v.avi' is not allowed (…)").
Status CheckOutputExtension(const std::string& output, const std::vector<std::string>& extensions,
                            const std::string& what) {
  std::string ext = std::filesystem::path(output).extension().string();
  std::transform(ext.begin(), ext.end(), ext.begin(), [](unsigned char c) { return std::tolower(c); });
  for (const auto& e : extensions) {
    if (ext == e) return Status::Ok();
  }
  std::string allowed;
  for (size_t i = 0; i < extensions.size(); ++i) {
    allowed += (i == 0 ? "" : i + 1 == extensions.size() ? " or " : ", ") + extensions[i];
  }
  return Status::InvalidArgument("--output: '" + output + "' is not allowed (a file ending in " + allowed + ": " +
                                 what + ")");
}

int ExportVideo(const ParsedArgs& args, Context& ctx) {
  exporting::VideoOptions options;
  auto fps = args.GetDouble("fps", 2);
  if (!fps.ok()) return ReportError(fps.status(), ctx);
  if (!(*fps > 0 && *fps <= 240)) return ReportError(args.NotAllowed("fps", "a number in (0, 240]"), ctx);
  options.fps = *fps;
  auto resolution = args.GetChoice("resolution", {"hd", "4k", "8k"}, "hd");
  if (!resolution.ok()) return ReportError(resolution.status(), ctx);
  options.resolution = *resolution;
  auto codec = args.GetChoice("codec", {"h264", "h265", "av1"}, "h264");
  if (!codec.ok()) return ReportError(codec.status(), ctx);
  options.codec = *codec;
  options.output = args.Get("output").value_or("mosaic.mp4");
  // ffmpeg writes MP4 whatever the name: a v.avi would be an MP4 file under a false name.
  if (Status st = CheckOutputExtension(options.output, {".mp4"}, "the video is MP4"); !st.ok()) {
    return ReportError(st, ctx);
  }
  if (Status st = CheckOutputFile(options.output); !st.ok()) return ReportError(st, ctx);
  auto threads = args.GetThreads(DefaultThreads());
  if (!threads.ok()) return ReportError(threads.status(), ctx);
  options.threads = *threads;

  const engine::CancelFlag& cancel = InstallCancelHandlers();  // before the database opens
  auto db = OpenDatabase(ctx, store::OpenMode::kReadOnly);
  if (!db.ok()) return ReportError(db.status(), ctx);
  auto ids = ResolveExperiments(**db, args.positional);
  if (!ids.ok()) return ReportError(ids.status(), ctx);
  ProgressPrinter printer(ctx.err, ctx.stderr_is_tty);
  auto summary = exporting::ExportMosaicVideo(**db, *ids, options, ProgressTo(printer, "video", "frames"),
                                              &cancel);
  if (!summary.ok()) {
    if (summary.status().code() == StatusCode::kCancelled) {
      ctx.err << "\ninterrupted; no video written\n";
      return kExitInterrupted;
    }
    return ReportError(OutputError(summary.status(), options.output), ctx);
  }
  if (ctx.json) {
    PrintJson(ctx, {{"output", options.output},
                    {"frames", summary->frames},
                    {"runs", summary->runs},
                    {"width", summary->width},
                    {"height", summary->height},
                    {"cell", summary->cell},
                    {"encoder", summary->encoder}});
  } else {
    ctx.out << "wrote " << options.output << ": " << summary->frames << " frames of " << summary->runs << " runs, "
            << summary->width << "×" << summary->height << " (cells " << summary->cell << " px), " << summary->encoder
            << "\n";
  }
  return kExitOk;
}

int ExportImages(const ParsedArgs& args, Context& ctx) {
  const std::string format_name = args.Get("format").value_or("png");
  auto format = exporting::ParseImageFileFormat(format_name);
  if (!format.ok()) return ReportError(format.status().WithContext("--format"), ctx);
  if (Status st = CheckExplicitFormat(args, false, format_name); !st.ok()) return ReportError(st, ctx);
  const std::string dir = args.Get("output").value_or("images");
  if (Status st = CheckOutputFolder(dir); !st.ok()) return ReportError(st, ctx);
  const engine::CancelFlag& cancel = InstallCancelHandlers();  // before the database opens
  auto opened = OpenExperiment(ctx, args.positional[0], store::OpenMode::kReadOnly);
  if (!opened.ok()) return ReportError(opened.status(), ctx);
  ProgressPrinter printer(ctx.err, ctx.stderr_is_tty);
  auto summary = exporting::ExportExperimentImages(*opened->db, opened->id, dir, *format,
                                                   ProgressTo(printer, "images", "runs"), &cancel);
  if (!summary.ok()) {
    if (summary.status().code() == StatusCode::kCancelled) {
      ctx.err << "\ninterrupted; the images of the runs already done are kept\n";
      return kExitInterrupted;
    }
    return ReportError(OutputError(summary.status(), dir), ctx);
  }
  if (ctx.json) {
    PrintJson(ctx, {{"output", dir}, {"files", summary->files}, {"runs", summary->runs}});
  } else {
    ctx.out << "wrote " << summary->files << " images of " << summary->runs << " runs under " << dir << "\n";
  }
  return kExitOk;
}

int ExportImage(const ParsedArgs& args, Context& ctx) {
  const std::string output = args.Get("output").value_or(args.positional[0] + ".png");
  if (Status st = CheckOutputExtension(output, {".png", ".jpg", ".jpeg", ".webp"}, "the image's format"); !st.ok()) {
    return ReportError(st, ctx);
  }
  if (Status st = CheckOutputFile(output); !st.ok()) return ReportError(st, ctx);
  auto db = OpenDatabase(ctx, store::OpenMode::kReadOnly);
  if (!db.ok()) return ReportError(db.status(), ctx);
  auto id = store::invocations::ResolveId((*db)->connection(), args.positional[0]);
  if (!id.ok()) return ReportError(id.status(), ctx);
  Status st = exporting::ExportInvocationImage(**db, *id, output);
  if (!st.ok()) return ReportError(OutputError(st, output), ctx);
  ctx.out << "wrote " << output << "\n";
  return kExitOk;
}

// Resolves runs named as every command names them (id, prefix, EXP#N, latest).
Result<std::vector<std::string>> ResolveRuns(store::Database& db, const std::vector<std::string>& args) {
  std::vector<std::string> ids;
  for (const auto& a : args) {
    PANIC_ASSIGN_OR_RETURN(std::string id, ResolveRunReference(db, a));
    ids.push_back(id);
  }
  return ids;
}

int ExportTimeline(const ParsedArgs& args, Context& ctx) {
  auto steps = args.GetIntIn("steps", 8, 1, 64);
  if (!steps.ok()) return ReportError(steps.status(), ctx);
  const std::string output = args.Get("output").value_or("timeline.png");
  if (Status st = CheckOutputExtension(output, {".png", ".svg", ".pdf"}, "the drawing's format"); !st.ok()) {
    return ReportError(st, ctx);
  }
  if (Status st = CheckOutputFile(output); !st.ok()) return ReportError(st, ctx);
  const engine::CancelFlag& cancel = InstallCancelHandlers();  // before the database opens
  auto db = OpenDatabase(ctx, store::OpenMode::kReadOnly);
  if (!db.ok()) return ReportError(db.status(), ctx);
  auto ids = ResolveRuns(**db, args.positional);
  if (!ids.ok()) return ReportError(ids.status(), ctx);
  Status st = exporting::RenderTimeline(**db, *ids, static_cast<int>(*steps), output, &cancel);
  if (st.code() == StatusCode::kCancelled) return Interrupted(ctx, "no timeline written");
  if (!st.ok()) return ReportError(OutputError(st, output), ctx);
  ctx.out << "wrote " << output << "\n";
  return kExitOk;
}

// "RESULT:LABEL" of --cluster: a clustering result (id, prefix or latest) and a cluster label
// (−1: the outliers). The label is split off at the last ':'.
Result<std::pair<std::string, int64_t>> ParseClusterSelector(const std::string& text) {
  const auto bad = [&] {
    return Status::InvalidArgument("--cluster: '" + text +
                                   "' is not RESULT:LABEL (a clustering result id, prefix or latest, a colon, and a "
                                   "cluster label as `cluster show` lists it, or -1 for the outliers; e.g. latest:3)");
  };
  const size_t colon = text.rfind(':');
  if (colon == std::string::npos || colon == 0 || colon + 1 == text.size()) return bad();
  const std::string number = text.substr(colon + 1);
  size_t used = 0;
  long long label = 0;
  try {
    label = std::stoll(number, &used);
  } catch (const std::exception&) {
    return bad();
  }
  if (used != number.size() || label < -1) return bad();
  return std::pair<std::string, int64_t>{text.substr(0, colon), static_cast<int64_t>(label)};
}

int ExportGrid(const ParsedArgs& args, Context& ctx) {
  auto max_images = args.GetIntIn("max-images", 64, 1, 4096);
  if (!max_images.ok()) return ReportError(max_images.status(), ctx);
  const auto cluster = args.Get("cluster");
  if (cluster.has_value() == !args.positional.empty()) {
    return ReportError(Status::InvalidArgument(cluster ? "export grid: give a RUN or --cluster RESULT:LABEL, not both"
                                                       : "export grid: give a RUN or --cluster RESULT:LABEL"),
                       ctx);
  }
  const std::string output = args.Get("output").value_or("grid.png");
  if (Status st = CheckOutputExtension(output, {".png", ".svg", ".pdf"}, "the drawing's format"); !st.ok()) {
    return ReportError(st, ctx);
  }
  std::pair<std::string, int64_t> selector;
  if (cluster) {
    auto parsed = ParseClusterSelector(*cluster);
    if (!parsed.ok()) return ReportError(parsed.status(), ctx);
    selector = *parsed;
  }
  if (Status st = CheckOutputFile(output); !st.ok()) return ReportError(st, ctx);
  const engine::CancelFlag& cancel = InstallCancelHandlers();  // before the database opens
  auto db = OpenDatabase(ctx, store::OpenMode::kReadOnly);
  if (!db.ok()) return ReportError(db.status(), ctx);
  if (cluster) {
    auto summary = exporting::RenderClusterGrid(**db, selector.first, selector.second, static_cast<int>(*max_images),
                                                output, &cancel);
    if (summary.status().code() == StatusCode::kCancelled) return Interrupted(ctx, "no grid written");
    if (!summary.ok()) return ReportError(OutputError(summary.status(), output), ctx);
    if (ctx.json) {
      PrintJson(ctx, {{"output", output},
                      {"clustering", summary->result_id},
                      {"cluster", summary->label},
                      {"members", summary->members},
                      {"with_image", summary->with_image},
                      {"shown", summary->shown}});
    } else {
      ctx.out << "wrote " << output << ": " << summary->shown << " of " << summary->members << " members of cluster "
              << summary->label << " (clustering " << summary->result_id << ")";
      if (summary->without_image > 0) ctx.out << "; " << summary->without_image << " captions made from text have no image";
      ctx.out << "\n";
    }
    return kExitOk;
  }
  auto id = ResolveRunReference(**db, args.positional[0]);
  if (!id.ok()) return ReportError(id.status(), ctx);
  Status st = exporting::RenderImageGrid(**db, *id, static_cast<int>(*max_images), output, &cancel);
  if (st.code() == StatusCode::kCancelled) return Interrupted(ctx, "no grid written");
  if (!st.ok()) return ReportError(OutputError(st, output), ctx);
  ctx.out << "wrote " << output << "\n";
  return kExitOk;
}

int ExportCharts(const ParsedArgs& args, Context& ctx) {
  const std::string format_name = args.Get("format").value_or("pdf");
  auto format = exporting::ParseDrawingFormat(format_name);
  if (!format.ok()) return ReportError(format.status().WithContext("--format"), ctx);
  if (Status st = CheckExplicitFormat(args, false, format_name); !st.ok()) return ReportError(st, ctx);
  const std::string dir = args.Get("output").value_or("charts");
  if (Status st = CheckOutputFolder(dir); !st.ok()) return ReportError(st, ctx);
  const engine::CancelFlag& cancel = InstallCancelHandlers();  // before the database opens
  auto db = OpenDatabase(ctx, store::OpenMode::kReadOnly);
  if (!db.ok()) return ReportError(db.status(), ctx);
  auto ids = ResolveExperiments(**db, args.positional);
  if (!ids.ok()) return ReportError(ids.status(), ctx);
  ProgressPrinter printer(ctx.err, ctx.stderr_is_tty);
  auto summary = exporting::ExportCharts(**db, *ids, dir, *format, ProgressTo(printer, "charts", "runs"), &cancel);
  if (summary.status().code() == StatusCode::kCancelled) {
    return Interrupted(ctx, "the charts written before it are whole; the one in hand was not written");
  }
  if (!summary.ok()) return ReportError(OutputError(summary.status(), dir), ctx);
  if (ctx.json) {
    nlohmann::json skipped = nlohmann::json::object();
    for (const auto& [name, why] : summary->skipped) skipped[name] = why;
    PrintJson(ctx, {{"written", summary->written}, {"skipped", skipped}});
  } else {
    for (const auto& f : summary->written) ctx.out << "wrote " << f << "\n";
    for (const auto& [name, why] : summary->skipped) ctx.out << "skipped " << name << ": " << why << "\n";
  }
  return kExitOk;
}

int ExportReport(const ParsedArgs& args, Context& ctx) {
  const std::string output = args.Get("output").value_or("report.html");
  if (Status st = CheckOutputExtension(output, {".html", ".htm"}, "the report is HTML"); !st.ok()) {
    return ReportError(st, ctx);
  }
  if (Status st = CheckOutputFile(output); !st.ok()) return ReportError(st, ctx);
  const engine::CancelFlag& cancel = InstallCancelHandlers();  // before the database opens
  auto opened = OpenExperiment(ctx, args.positional[0], store::OpenMode::kReadOnly);
  if (!opened.ok()) return ReportError(opened.status(), ctx);
  Status st = exporting::WriteHtmlReport(*opened->db, opened->id, output, {}, &cancel);
  if (st.code() == StatusCode::kCancelled) return Interrupted(ctx, "no report written");
  if (!st.ok()) return ReportError(OutputError(st, output), ctx);
  ctx.out << "wrote " << output << "\n";
  return kExitOk;
}

}  // namespace

std::vector<CommandSpec> ExportCommands() {
  std::vector<CommandSpec> cmds;
  cmds.push_back(
      {"export", "video", "a mosaic video of every run of the experiments evolving side by side", "EXPERIMENT…", 1,
       SIZE_MAX,
       {{"fps", "N", "frames (steps) per second (default 2)"},
        {"resolution", "R", "hd (1920×1080, default), 4k (3840×2160) or 8k (7680×4320)"},
        {"codec", "C", "h264 (default), h265 or av1 (libx264 / libx265 / libsvtav1 through ffmpeg)"},
        {"output", "FILE", "the .mp4 to write (default mosaic.mp4)"},
        {"threads", "N", "threads decoding and scaling images (default: all cores)"}},
       "Runs are laid out as prompts × networks × runs, square cells with equal gutters, filling the 16:9 frame.\n"
       "Frame n shows each run's latest image at step n with its latest caption beneath; a run that stopped\n"
       "holds its last frame, marked stopped. Frames are piped raw to Debian's ffmpeg (yuv420p, BT.709,\n"
       "faststart). Cells under 40 px are refused with the number of runs that fit.",
       ExportVideo});
  cmds.push_back({"export", "images", "every image of an experiment as files with their provenance", "EXPERIMENT", 1, 1,
                  {{"output", "DIR", "the folder to write (default images)"},
                   {"format", "F", "png (default), jpg or webp"}},
                  "Writes <network>/<prompt-slug>/run_<n>/<step>.<ext>. Each file carries the prompt, the input text,\n"
                  "the model, the seed, the step and the run and experiment ids as metadata that exiftool reads\n"
                  "(PNG iTXt chunks and XMP; XMP in JPEG and WEBP).",
                  ExportImages});
  cmds.push_back({"export", "image", "one invocation's image as a file with its provenance", "INVOCATION", 1, 1,
                  {{"output", "FILE", "x.png, x.jpg or x.webp (default INVOCATION.png)"}},
                  "INVOCATION is an id or a unique prefix of one (`run show RUN --json` lists a run's).", ExportImage});
  cmds.push_back({"export", "timeline", "one strip per run: evenly chosen steps with images and captions", "RUN…", 1,
                  SIZE_MAX,
                  {{"output", "FILE", "timeline.png (default), .svg or .pdf"},
                   {"steps", "N", "image steps per run (default 8)"}},
                  "", ExportTimeline});
  cmds.push_back({"export", "grid", "the images of a run or of a cluster's members in a grid shaped for their aspect",
                  "[RUN]", 0, 1,
                  {{"cluster", "RESULT:LABEL",
                    "instead of a RUN: the members of cluster LABEL (-1: the outliers) of a clustering result "
                    "(id, prefix or latest), e.g. latest:3"},
                   {"output", "FILE", "grid.png (default), .svg or .pdf"},
                   {"max-images", "N", "at most this many images, evenly chosen, 1..4096 (default 64)"}},
                  "A run's grid shows its images with their steps. A cluster's grid shows each member's image: an\n"
                  "image output itself, or for a caption the image it was made from, with the caption beneath;\n"
                  "the medoid comes first. Labels are those of `cluster show` (the charts' \"c\" numbers).",
                  ExportGrid});
  cmds.push_back({"export", "charts",
                  "publication charts: persistence diagrams, entropy, drift, run lengths, clusters, Lyapunov",
                  "EXPERIMENT…", 1, SIZE_MAX,
                  {{"output", "DIR", "the folder to write (default charts)"},
                   {"format", "F", "pdf (default), svg or png"}},
                  "The cluster charts read the newest `cluster run` result covering the experiments; the Lyapunov\n"
                  "divergence curves and FTLE heat map read the lyapunov stage's results. A chart without its data\n"
                  "is listed as skipped, saying how to make it. Drift is measured from the stored prompt embedding\n"
                  "(text models) or the run's first vector (image models: its first image).",
                  ExportCharts});
  cmds.push_back({"export", "report", "a self-contained HTML report of an experiment", "EXPERIMENT", 1, 1,
                  {{"output", "FILE", "the .html (or .htm) to write (default report.html)"}},
                  "One file that works offline: config, progress and stop reasons, sample timelines, charts.",
                  ExportReport});
  return cmds;
}

}  // namespace panic::cli
