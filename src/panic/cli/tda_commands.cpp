// `tda ph` (persistence diagram of a point cloud) and `tda distance` (between two
// diagrams stored as NPZ).
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <cstdio>
#include <fstream>
#include <limits>
#include <nlohmann/json.hpp>
#include <ostream>
#include <sstream>
#include <string_view>

#include "panic/analysis/diagram_distance_matrix.h"
#include "panic/cli/command.h"
#include "panic/cli/diagram_distance_options.h"
#include "panic/cli/diagram_output.h"
#include "panic/cli/output.h"
#include "panic/cli/output_path.h"
#include "panic/cli/signals.h"
#include "panic/cli/tda_point_reader.h"
#include "panic/store/npz_codec.h"
#include "panic/tda/diagram_distance.h"
#include "panic/tda/exact_wasserstein.h"
#include "panic/tda/persistent_entropy.h"
#include "panic/tda/rips.h"

namespace panic::cli {
namespace {

// A distance for CSV: "inf" when infinite (pandas and numpy read it), else %.17g so that
// the double reads back exactly.
std::string FormatDistance(double v) {
  if (std::isinf(v)) return "inf";
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.17g", v);
  return buf;
}

Result<tda::RipsOptions> RipsOptionsFrom(const ParsedArgs& args) {
  tda::RipsOptions o;
  PANIC_ASSIGN_OR_RETURN(long long maxdim, args.GetIntIn("maxdim", 2, 0, 3));
  o.maxdim = static_cast<int>(maxdim);
  PANIC_ASSIGN_OR_RETURN(std::string metric, args.GetChoice("metric", {"euclidean", "cosine"}, "euclidean"));
  o.metric = metric == "cosine" ? tda::Metric::kCosine : tda::Metric::kEuclidean;
  if (args.Has("threshold")) {
    PANIC_ASSIGN_OR_RETURN(double t, args.GetDouble("threshold", 0));
    if (!(t >= 0)) return args.NotAllowed("threshold", "a number ≥ 0");
    o.threshold = static_cast<float>(t);
  }
  PANIC_ASSIGN_OR_RETURN(o.threads, args.GetThreads(1));
  // The range here keeps a huge value from wrapping into a small prime; the kernel checks
  // that it is a prime.
  PANIC_ASSIGN_OR_RETURN(long long modulus, args.GetIntIn("modulus", 2, 2, 255, "a prime"));
  o.modulus = static_cast<int>(modulus);
  if (args.Has("memory-limit")) {
    PANIC_ASSIGN_OR_RETURN(double gib, args.GetDouble("memory-limit", 16));
    if (!(gib > 0 && gib <= 1 << 20)) {
      return args.NotAllowed("memory-limit", "a number of GiB in (0, 1048576]");
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
  if (Status st = CheckExplicitFormat(args, ctx.json, *format); !st.ok()) return ReportError(st, ctx);  // before any work
  if (*format == "npz" && !output && ctx.stdout_is_tty) {  // before the (maybe long) computation
    return ReportError(WriteCommandOutput(ctx, "", true, *format, output), ctx);
  }
  double epsilon = 0;
  if (args.Has("approximate")) {
    auto eps = args.GetDouble("approximate", 0);
    if (!eps.ok()) return ReportError(eps.status(), ctx);
    if (!(*eps > 0 && *eps <= 10)) {
      return ReportError(args.NotAllowed("approximate", "a number in (0, 10]"), ctx);
    }
    epsilon = *eps;
  }
  auto points = ReadPointFile(args.positional[0]);
  if (!points.ok()) return ReportError(points.status(), ctx);
  if (args.Has("progress")) {
    // One line a phase as it ends (RipsOptions::on_phase), with the time since here.
    options->on_phase = [&ctx, start = std::chrono::steady_clock::now()](std::string_view phase) {
      const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
      char at[32];
      std::snprintf(at, sizeof at, "%.1f", s);
      ctx.err << "tda ph: " << phase << " (" << at << " s)\n" << std::flush;
    };
  }
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
    bytes = store::EncodeDiagramNpz(*diagram, entropy, epsilon > 0 ? std::optional<double>(epsilon) : std::nullopt);
  } else if (*format == "json") {
    nlohmann::json j = {{"points", points->n}, {"dimension", points->dim}};
    j.update(DiagramJson(*diagram, entropy));
    // null: exact; a number: the ε of an approximate diagram (--approximate).
    j["approximation_epsilon"] = epsilon > 0 ? nlohmann::json(epsilon) : nlohmann::json(nullptr);
    bytes = j.dump() + "\n";
  } else {
    bytes = DiagramText(*diagram, entropy);
    if (epsilon > 0) {
      bytes = "# approximate: sparse Rips, epsilon " + FormatValue(epsilon) +
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
  auto choice = ParseDiagramDistance(args, "bottleneck", std::numeric_limits<long long>::max());
  if (!choice.ok()) return ReportError(choice.status(), ctx);
  const std::string& metric = choice->metric;
  const analysis::DiagramDistanceOptions& w = choice->options;
  const bool exact = w.solver == analysis::WassersteinSolver::kExact;
  auto a = ReadDiagram(args.positional[0]);
  if (!a.ok()) return ReportError(a.status(), ctx);
  auto b = ReadDiagram(args.positional[1]);
  if (!b.ok()) return ReportError(b.status(), ctx);
  const size_t d = choice->dim;
  for (const auto* x : {&*a, &*b}) {
    if (d >= x->diagram.num_dimensions()) {
      const std::string& path = args.positional[x == &*a ? 0 : 1];
      return ReportError(Status::InvalidArgument("--dim: " + path + " has dimensions 0.." +
                                                 std::to_string(static_cast<long>(x->diagram.num_dimensions()) - 1)),
                         ctx);
    }
  }
  // A malformed bar is the file's fault: name the file.
  auto prepare = [&](const store::DiagramWithEntropy& x, const std::string& path) -> Result<tda::PreparedBars> {
    auto prepared = tda::PrepareBars(x.diagram.bars(d));
    if (!prepared.ok()) return Status::InvalidArgument(path + ": H" + std::to_string(d) + " " + prepared.status().message());
    return prepared;
  };
  auto pa = prepare(*a, args.positional[0]);
  if (!pa.ok()) return ReportError(pa.status(), ctx);
  auto pb = prepare(*b, args.positional[1]);
  if (!pb.ok()) return ReportError(pb.status(), ctx);
  double value = 0;
  if (metric == "bottleneck") {
    value = tda::BottleneckDistance(*pa, *pb);
  } else if (metric == "wasserstein") {
    auto d_w = exact ? tda::ExactWassersteinDistance(*pa, *pb, w.order)
                     : tda::WassersteinDistance(*pa, *pb, w.order, w.delta);
    if (!d_w.ok()) return ReportError(d_w.status(), ctx);
    value = *d_w;
  } else {
    value = tda::SortedPersistenceL1(*pa, *pb);
  }
  if (ctx.json) {
    nlohmann::json out = {{"metric", metric}, {"dim", d},
                          {"distance", std::isinf(value) ? nlohmann::json(nullptr) : nlohmann::json(value)}};
    if (metric == "wasserstein") {
      out["order"] = w.order;
      out["solver"] = exact ? "exact" : "auction";
      if (!exact) out["delta"] = w.delta;
    }
    ctx.out << out.dump() << "\n";
  } else {
    ctx.out << FormatValue(value) << "\n";
  }
  return kExitOk;
}

// A CSV field, quoted (RFC 4180) when it holds a comma, quote or line break.
std::string CsvField(const std::string& s) {
  if (s.find_first_of(",\"\r\n") == std::string::npos) return s;
  std::string out = "\"";
  for (char c : s) out += c == '"' ? std::string("\"\"") : std::string(1, c);
  return out + "\"";
}

std::string MatrixCsv(const analysis::DiagramDistanceMatrix& m, const std::vector<std::string>& names) {
  std::ostringstream os;
  os << "diagram";
  for (const std::string& name : names) os << "," << CsvField(name);
  os << "\n";
  for (size_t i = 0; i < m.n; ++i) {
    os << CsvField(names[i]);
    for (size_t j = 0; j < m.n; ++j) os << "," << FormatDistance(m(i, j));
    os << "\n";
  }
  return os.str();
}

std::string MatrixNpy(const analysis::DiagramDistanceMatrix& m) {
  store::NpyArray a;
  a.dtype = store::NpyDtype::kFloat64;
  a.shape = {m.n, m.n};
  a.data.resize(m.values.size() * sizeof(double));
  static_assert(sizeof(double) == 8);
  std::memcpy(a.data.data(), m.values.data(), a.data.size());  // x86-64 and aarch64: little-endian
  return store::EncodeNpy(a);
}

std::string MatrixJson(const analysis::DiagramDistanceMatrix& m, const std::vector<std::string>& names,
                       const analysis::DiagramDistanceOptions& options, size_t dim) {
  nlohmann::json rows = nlohmann::json::array();
  for (size_t i = 0; i < m.n; ++i) {
    nlohmann::json row = nlohmann::json::array();
    for (size_t j = 0; j < m.n; ++j) {
      row.push_back(std::isinf(m(i, j)) ? nlohmann::json(nullptr) : nlohmann::json(m(i, j)));
    }
    rows.push_back(std::move(row));
  }
  nlohmann::json out = {{"metric", analysis::DiagramMetricName(options)}, {"dim", dim},
                        {"diagrams", names}, {"distances", rows}};
  if (options.metric == analysis::DiagramMetric::kWasserstein) {
    out["order"] = options.order;
    const bool exact = options.solver == analysis::WassersteinSolver::kExact;
    out["solver"] = exact ? "exact" : "auction";
    if (!exact) out["delta"] = options.delta;
  }
  return out.dump() + "\n";
}

int DistanceMatrixCommand(const ParsedArgs& args, Context& ctx) {
  auto choice = ParseDiagramDistance(args, "wasserstein", std::numeric_limits<long long>::max());
  if (!choice.ok()) return ReportError(choice.status(), ctx);
  analysis::DiagramDistanceOptions options = choice->options;
  auto threads = args.GetThreads(1);
  if (!threads.ok()) return ReportError(threads.status(), ctx);
  options.threads = *threads;
  // "text" is the CSV: every command takes --format text|json.
  auto format = args.GetChoice("format", {"csv", "text", "json", "npy"}, ctx.json ? "json" : "csv");
  if (!format.ok()) return ReportError(format.status(), ctx);
  auto output = args.Get("output");
  if (Status st = CheckExplicitFormat(args, ctx.json, *format); !st.ok()) return ReportError(st, ctx);  // before any work
  if (*format == "npy" && !output && ctx.stdout_is_tty) {  // before the (maybe long) computation
    return ReportError(WriteCommandOutput(ctx, "", true, *format, output), ctx);
  }
  if (args.positional.size() > analysis::kMaxDiagramsPerMatrix) {
    return ReportError(Status::InvalidArgument(std::to_string(args.positional.size()) + " diagrams: at most " +
                                               std::to_string(analysis::kMaxDiagramsPerMatrix) + " fit one matrix"),
                       ctx);
  }
  const size_t d = choice->dim;
  std::vector<tda::Bars> bars;
  bars.reserve(args.positional.size());
  for (const std::string& path : args.positional) {
    auto diagram = ReadDiagram(path);
    if (!diagram.ok()) return ReportError(diagram.status(), ctx);
    if (d >= diagram->diagram.num_dimensions()) {
      return ReportError(Status::InvalidArgument("--dim: " + path + " has dimensions 0.." +
                                                 std::to_string(static_cast<long>(diagram->diagram.num_dimensions()) - 1)),
                         ctx);
    }
    // Checked here as well so that a malformed bar names its file.
    if (auto ok = tda::PrepareBars(diagram->diagram.bars(d)); !ok.ok()) {
      return ReportError(Status::InvalidArgument(path + ": H" + std::to_string(d) + " " + ok.status().message()), ctx);
    }
    bars.push_back(diagram->diagram.bars(d));
  }
  options.cancel = &InstallCancelHandlers();
  auto matrix = analysis::ComputeDiagramDistanceMatrix(bars, options);
  if (!matrix.ok()) {
    if (matrix.status().code() == StatusCode::kCancelled) {
      ctx.err << "interrupted\n";
      return kExitInterrupted;
    }
    return ReportError(matrix.status(), ctx);
  }
  std::string bytes = *format == "npy"    ? MatrixNpy(*matrix)
                      : *format == "json" ? MatrixJson(*matrix, args.positional, options, d)
                                          : MatrixCsv(*matrix, args.positional);
  Status written = WriteCommandOutput(ctx, bytes, *format == "npy", *format, output);
  if (!written.ok()) return ReportError(written, ctx);
  return kExitOk;
}

}  // namespace

std::vector<CommandSpec> TdaCommands() {
  // The Wasserstein options of `tda distance` and `tda distance-matrix` (ParseDiagramDistance).
  const std::vector<OptionSpec> wasserstein = {
      {"order", "P", "order of the Wasserstein distance, ≥ 1 (default 1, as GUDHI and Hera); --p is an alias"},
      {"p", "P", "the older name of --order"},
      {"solver", "S", "Wasserstein's solver: exact (default; sparse, exact) or auction (Hera's, within --delta)"},
      {"delta", "D", "with --solver auction: its relative error bound, in (0, 1] (default 0.01)"},
  };
  std::vector<OptionSpec> distance_options = {{"dim", "D", "homology dimension (default 1)"},
                                              {"metric", "M", "bottleneck (default), wasserstein or sorted-l1"}};
  distance_options.insert(distance_options.end(), wasserstein.begin(), wasserstein.end());
  std::vector<OptionSpec> matrix_options = {{"dim", "D", "homology dimension (default 1)"},
                                            {"metric", "M", "wasserstein (default), bottleneck or sorted-l1"}};
  matrix_options.insert(matrix_options.end(), wasserstein.begin(), wasserstein.end());
  matrix_options.insert(
      matrix_options.end(),
      {{"threads", "N", "worker threads (default 1); the matrix does not depend on it"},
       {"format", "F", "csv (default; text is the same), json or npy"},
       {"output", "FILE", "write to FILE instead of standard output (npy: needed on a terminal)"}});
  return {
      {"tda", "ph", "Vietoris–Rips persistence diagram (H0..Hmaxdim) and entropy of a point cloud", "POINTS", 1, 1,
       {{"maxdim", "K", "highest homology dimension, 0..3 (default 2)"},
        {"metric", "M", "euclidean (default) or cosine (1 − cos)"},
        {"threshold", "X", "largest simplex diameter (default: the enclosing radius)"},
        {"threads", "N", "worker threads (default 1); the result does not depend on it"},
        {"modulus", "P", "coefficients in Z/P, P a prime < 256 (default 2)"},
        {"approximate", "EPS", "sparse Rips: every bar within a factor 1+EPS of the exact one, 0 < EPS ≤ 10"},
        {"memory-limit", "GIB",
         "refuse inputs whose distance matrix and edge table need more (default 16); with --approximate, "
         "the kept edges are counted first and the whole need (lists, cofacets, blocks, sorted edges) must fit"},
        {"format", "F", "text (default), json or npz"},
        {"output", "FILE", "write to FILE instead of standard output (npz: needed on a terminal)"},
        {"progress", "",
         "print each phase of an exact computation to standard error as it ends, with the seconds "
         "since the points were read (distances, rank keys, ..., dimension K reduced, dimension K bars)"}},
       "POINTS is a .npy array (float32 or float64, C order, shape points × coordinates) or a\n"
       "text/CSV file with one point per line. Text output: '# H<d>: <n> bars, entropy <e>' per\n"
       "dimension, then '<d> <birth> <death>' per bar, death 'inf' for an essential class (as\n"
       "`run diagram` prints). JSON: {\"points\", \"dimension\", \"dimensions\": [{\"dim\", \"bars\":\n"
       "[[birth, death or null]], \"entropy\"}]}. The npz format is the database's diagram blob\n"
       "(dgms_0.., dgms_count, entropy; numpy.load reads it), also what `run diagram --format npz` writes.\n"
       "--approximate EPS computes a sparse Rips filtration (Sheehy; Cavanna-Jahanseir-Sheehy):\n"
       "on a log scale its diagram is within bottleneck distance ln(1+EPS) of the exact one\n"
       "(docs/TDA.md). It saves time on clouds of low intrinsic dimension; with --maxdim 2 and at\n"
       "most half of the pairs kept, or when the distance matrix exceeds --memory-limit, it is\n"
       "reduced over the kept edges' neighbour lists (no n x n memory). The text output then\n"
       "starts with a '# approximate' line and the JSON has approximation_epsilon.",
       PhCommand},
      {"tda", "distance", "distance between one dimension of two persistence diagrams (NPZ files)", "A.npz B.npz", 2,
       2, distance_options,
       "Bottleneck and Wasserstein use the L∞ ground metric with diagonal matching. The\n"
       "bottleneck distance is exact (Hera's). The Wasserstein distance is exact by default (a\n"
       "sparse assignment: pairs costlier than sending both bars to the diagonal are never\n"
       "edges); --solver auction uses Hera's auction, within --delta (W ≤ result ≤ (1 + delta)·W).\n"
       "sorted-l1 is the Python reference's L1\n"
       "distance of the descending sorted finite persistences (zero-padded). Essential bars\n"
       "match only essential bars (different counts: the distance is inf, null in JSON).",
       DistanceCommand},
      {"tda", "distance-matrix", "all pairwise distances between one dimension of persistence diagrams (NPZ files)",
       "A.npz B.npz ...", 1, SIZE_MAX, matrix_options,
       "The metrics are those of `tda distance`. csv: a header 'diagram,<file>,...' then one row\n"
       "per file, infinite distances written inf (pandas: read_csv(F, index_col=0)). npy: an\n"
       "n × n float64 array in the order of the files. json: {metric, dim, diagrams, distances}\n"
       "with null for an infinite distance. Each pair is computed once; Ctrl-C stops (exit 130).",
       DistanceMatrixCommand},
  };
}

}  // namespace panic::cli
