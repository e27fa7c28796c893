// `tda ph` (persistence diagram of a point cloud) and `tda distance` (between two
// diagrams stored as NPZ).
#include <cmath>
#include <cstdio>
#include <fstream>
#include <limits>
#include <nlohmann/json.hpp>
#include <ostream>
#include <sstream>

#include "panic/cli/command.h"
#include "panic/cli/diagram_output.h"
#include "panic/cli/output.h"
#include "panic/cli/tda_point_reader.h"
#include "panic/store/npz_codec.h"
#include "panic/tda/diagram_distance.h"
#include "panic/tda/persistent_entropy.h"
#include "panic/tda/rips.h"

namespace panic::cli {
namespace {

Result<tda::RipsOptions> RipsOptionsFrom(const ParsedArgs& args) {
  tda::RipsOptions o;
  PANIC_ASSIGN_OR_RETURN(long long maxdim, args.GetInt("maxdim", 2));
  if (maxdim < 0 || maxdim > 3) {
    return Status::InvalidArgument("--maxdim: " + std::to_string(maxdim) + " is outside 0..3");
  }
  o.maxdim = static_cast<int>(maxdim);
  PANIC_ASSIGN_OR_RETURN(std::string metric, args.GetChoice("metric", {"euclidean", "cosine"}, "euclidean"));
  o.metric = metric == "cosine" ? tda::Metric::kCosine : tda::Metric::kEuclidean;
  if (args.Has("threshold")) {
    PANIC_ASSIGN_OR_RETURN(double t, args.GetDouble("threshold", 0));
    if (!(t >= 0)) return Status::InvalidArgument("--threshold: must be a number ≥ 0");
    o.threshold = static_cast<float>(t);
  }
  PANIC_ASSIGN_OR_RETURN(long long threads, args.GetInt("threads", 1));
  if (threads < 1 || threads > 1024) {
    return Status::InvalidArgument("--threads: " + std::to_string(threads) + " is outside 1..1024");
  }
  o.threads = static_cast<int>(threads);
  PANIC_ASSIGN_OR_RETURN(long long modulus, args.GetInt("modulus", 2));
  o.modulus = static_cast<int>(modulus);
  if (args.Has("memory-limit")) {
    PANIC_ASSIGN_OR_RETURN(double gib, args.GetDouble("memory-limit", 16));
    if (!(gib > 0 && gib <= 1 << 20)) {
      return Status::InvalidArgument("--memory-limit: must be a number of GiB in (0, 1048576]");
    }
    o.memory_limit_bytes = static_cast<size_t>(gib * double(size_t{1} << 30));
  }
  return o;
}

int PhCommand(const ParsedArgs& args, Context& ctx) {
  auto options = RipsOptionsFrom(args);
  if (!options.ok()) return ReportError(options.status(), ctx);
  auto format = args.GetChoice("format", {"text", "json", "npz"}, ctx.json ? "json" : "text");
  if (!format.ok()) return ReportError(format.status(), ctx);
  auto output = args.Get("output");
  if (*format == "npz" && !output && ctx.stdout_is_tty) {  // before the (maybe long) computation
    return ReportError(WriteCommandOutput(ctx, "", true, *format, output), ctx);
  }
  double epsilon = 0;
  if (args.Has("approximate")) {
    auto eps = args.GetDouble("approximate", 0);
    if (!eps.ok()) return ReportError(eps.status(), ctx);
    if (!(*eps > 0 && *eps <= 10)) {
      return ReportError(Status::InvalidArgument("--approximate: must be a number in (0, 10]"), ctx);
    }
    epsilon = *eps;
  }
  auto points = ReadPointFile(args.positional[0]);
  if (!points.ok()) return ReportError(points.status(), ctx);
  Result<tda::Diagram> diagram = Status::Internal("not computed");
  if (epsilon > 0) {
    auto approx = tda::ComputeApproximateRips(points->values, points->n, points->dim, *options, epsilon);
    if (!approx.ok()) return ReportError(approx.status().WithContext(args.positional[0]), ctx);
    diagram = std::move(approx->diagram);
  } else {
    diagram = tda::ComputeRips(points->values, points->n, points->dim, *options);
  }
  if (!diagram.ok()) return ReportError(diagram.status().WithContext(args.positional[0]), ctx);
  std::vector<float> entropy = tda::PersistentEntropy(*diagram);
  std::string bytes;
  if (*format == "npz") {
    bytes = store::EncodeDiagramNpz(*diagram, entropy);
  } else if (*format == "json") {
    nlohmann::json j = {{"points", points->n}, {"dimension", points->dim}};
    j.update(DiagramJson(*diagram, entropy));
    // null: exact; a number: the ε of an approximate diagram (--approximate).
    j["approximation_epsilon"] = epsilon > 0 ? nlohmann::json(epsilon) : nlohmann::json(nullptr);
    bytes = j.dump() + "\n";
  } else {
    bytes = DiagramText(*diagram, entropy);
    if (epsilon > 0) {
      bytes = "# approximate: sparse Rips, epsilon " + FormatValue(static_cast<float>(epsilon)) +
              " (each bar within a factor 1+epsilon of the exact diagram's)\n" + bytes;
    }
  }
  Status written = WriteCommandOutput(ctx, bytes, *format == "npz", *format, output);
  return written.ok() ? kExitOk : ReportError(written, ctx);
}

// A diagram file larger than this is refused unread (store::DecodeNpz caps the inflated
// size as well; docs/DECODERS.md).
constexpr uint64_t kMaxDiagramFileBytes = uint64_t{1} << 30;

Result<store::DiagramWithEntropy> ReadDiagram(const std::string& path) {
  PANIC_ASSIGN_OR_RETURN(std::string bytes, ReadWholeFile(path, kMaxDiagramFileBytes));
  auto d = store::DecodeDiagramNpz(bytes);
  if (!d.ok()) return Status::InvalidArgument(path + ": " + d.status().message());
  return d;
}

int DistanceCommand(const ParsedArgs& args, Context& ctx) {
  auto dim = args.GetInt("dim", 1);
  if (!dim.ok()) return ReportError(dim.status(), ctx);
  if (*dim < 0) return ReportError(Status::InvalidArgument("--dim: must be ≥ 0"), ctx);
  auto metric = args.GetChoice("metric", {"bottleneck", "wasserstein", "sorted-l1"}, "bottleneck");
  if (!metric.ok()) return ReportError(metric.status(), ctx);
  auto p = args.GetDouble("p", 2.0);
  if (!p.ok()) return ReportError(p.status(), ctx);
  if (args.Has("p") && *metric != "wasserstein") {
    return ReportError(Status::InvalidArgument("--p applies only to --metric wasserstein"), ctx);
  }
  auto a = ReadDiagram(args.positional[0]);
  if (!a.ok()) return ReportError(a.status(), ctx);
  auto b = ReadDiagram(args.positional[1]);
  if (!b.ok()) return ReportError(b.status(), ctx);
  size_t d = static_cast<size_t>(*dim);
  for (const auto* x : {&*a, &*b}) {
    if (d >= x->diagram.num_dimensions()) {
      const std::string& path = args.positional[x == &*a ? 0 : 1];
      return ReportError(Status::InvalidArgument("--dim: " + path + " has dimensions 0.." +
                                                 std::to_string(static_cast<long>(x->diagram.num_dimensions()) - 1)),
                         ctx);
    }
  }
  double value = 0;
  if (*metric == "bottleneck") {
    value = tda::BottleneckDistance(a->diagram.bars(d), b->diagram.bars(d));
  } else if (*metric == "wasserstein") {
    auto w = tda::WassersteinDistance(a->diagram.bars(d), b->diagram.bars(d), *p);
    if (!w.ok()) return ReportError(Status::InvalidArgument("--" + w.status().message()), ctx);
    value = *w;
  } else {
    value = tda::SortedPersistenceL1(a->diagram.bars(d), b->diagram.bars(d));
  }
  if (ctx.json) {
    nlohmann::json out = {{"metric", *metric}, {"dim", d},
                          {"distance", std::isinf(value) ? nlohmann::json(nullptr) : nlohmann::json(value)}};
    if (*metric == "wasserstein") out["p"] = *p;
    ctx.out << out.dump() << "\n";
  } else {
    ctx.out << FormatValue(value) << "\n";
  }
  return kExitOk;
}

}  // namespace

std::vector<CommandSpec> TdaCommands() {
  CommandSpec ph;
  ph.noun = "tda";
  ph.verb = "ph";
  ph.summary = "Vietoris–Rips persistence diagram (H0..Hmaxdim) and entropy of a point cloud";
  ph.arguments = "POINTS";
  ph.min_positional = ph.max_positional = 1;
  ph.options = {
      {"maxdim", "K", "highest homology dimension, 0..3 (default 2)"},
      {"metric", "M", "euclidean (default) or cosine (1 − cos)"},
      {"threshold", "X", "largest simplex diameter (default: the enclosing radius)"},
      {"threads", "N", "worker threads (default 1); the result does not depend on it"},
      {"modulus", "P", "coefficients in Z/P, P a prime < 256 (default 2)"},
      {"approximate", "EPS", "sparse Rips: every bar within a factor 1+EPS of the exact one, 0 < EPS ≤ 10"},
      {"memory-limit", "GIB", "refuse inputs whose distance matrix and edge table need more (default 16)"},
      {"format", "F", "text (default), json or npz"},
      {"output", "FILE", "write to FILE instead of standard output (npz: needed on a terminal)"},
  };
  ph.details =
      "POINTS is a .npy array (float32 or float64, C order, shape points × coordinates) or a\n"
      "text/CSV file with one point per line. Text output: '# H<d>: <n> bars, entropy <e>' per\n"
      "dimension, then '<d> <birth> <death>' per bar, death 'inf' for an essential class (as\n"
      "`run diagram` prints). JSON: {\"points\", \"dimension\", \"dimensions\": [{\"dim\", \"bars\":\n"
      "[[birth, death or null]], \"entropy\"}]}. The npz format is the database's diagram blob\n"
      "(dgms_0.., dgms_count, entropy; numpy.load reads it), also what `run diagram --format npz` writes.\n"
      "--approximate EPS computes a sparse Rips filtration (Sheehy; Cavanna-Jahanseir-Sheehy):\n"
      "on a log scale its diagram is within bottleneck distance ln(1+EPS) of the exact one\n"
      "(docs/TDA.md). It saves time on clouds of low intrinsic dimension; the text output then\n"
      "starts with a '# approximate' line and the JSON has approximation_epsilon.";
  ph.run = PhCommand;

  CommandSpec distance;
  distance.noun = "tda";
  distance.verb = "distance";
  distance.summary = "distance between one dimension of two persistence diagrams (NPZ files)";
  distance.arguments = "A.npz B.npz";
  distance.min_positional = distance.max_positional = 2;
  distance.options = {
      {"dim", "D", "homology dimension (default 1)"},
      {"metric", "M", "bottleneck (default), wasserstein or sorted-l1"},
      {"p", "P", "order of the Wasserstein distance, ≥ 1 (default 2)"},
  };
  distance.details =
      "Bottleneck and Wasserstein use the L∞ ground metric with diagonal matching, computed\n"
      "exactly; sorted-l1 is the Python reference's L1 distance of the descending sorted\n"
      "persistences (zero-padded). Essential bars match only essential bars.";
  distance.run = DistanceCommand;
  return {ph, distance};
}

}  // namespace panic::cli
