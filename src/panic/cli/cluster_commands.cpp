// `cluster points`: HDBSCAN* or OPTICS over any array of points, without a database, as
// `tda ph` does for diagrams.
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <nlohmann/json.hpp>
#include <ostream>
#include <sstream>

#include "panic/cli/command.h"
#include "panic/cli/output.h"
#include "panic/cli/tda_point_reader.h"
#include "panic/cluster/hdbscan.h"
#include "panic/cluster/optics.h"
#include "panic/core/parallel.h"
#include "panic/store/npy_codec.h"

namespace panic::cli {
namespace {

// What `cluster points` prints, for either algorithm.
struct PointLabels {
  std::string algorithm;  // "hdbscan" or "optics"
  std::string path;       // "exact" or "approximate"
  std::vector<int32_t> labels;
  std::vector<float> probabilities;
  std::vector<uint32_t> medoids;
  nlohmann::json parameters;
  nlohmann::json extra;  // OPTICS: ordering and reachability
  double seconds = 0;
};

std::string Format(double v) {
  if (std::isinf(v)) return "inf";
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.6g", v);
  return buf;
}

Result<size_t> PositiveSize(const ParsedArgs& args, const std::string& name, size_t fallback) {
  PANIC_ASSIGN_OR_RETURN(long long v, args.GetInt(name, static_cast<long long>(fallback)));
  if (v < 1) return Status::InvalidArgument("--" + name + ": " + std::to_string(v) + " must be ≥ 1");
  return static_cast<size_t>(v);
}

Result<int> Threads(const ParsedArgs& args) {
  PANIC_ASSIGN_OR_RETURN(long long t, args.GetInt("threads", DefaultThreads()));
  if (t < 1 || t > 1024) return Status::InvalidArgument("--threads: " + std::to_string(t) + " is outside 1..1024");
  return static_cast<int>(t);
}

Result<PointLabels> RunHdbscan(const ParsedArgs& args, const PointFile& points) {
  for (const char* other : {"max-eps", "xi"}) {
    if (args.Has(other)) return Status::InvalidArgument(std::string("--") + other + " applies only to --algorithm optics");
  }
  if (args.Has("exact") && args.Has("approximate")) {
    return Status::InvalidArgument("--exact and --approximate exclude each other");
  }
  cluster::HdbscanOptions o = cluster::ReferenceDefaults(points.n);
  PANIC_ASSIGN_OR_RETURN(o.min_cluster_size, PositiveSize(args, "min-cluster-size", o.min_cluster_size));
  PANIC_ASSIGN_OR_RETURN(o.min_samples, PositiveSize(args, "min-samples", o.min_cluster_size));
  PANIC_ASSIGN_OR_RETURN(o.cluster_selection_epsilon, args.GetDouble("epsilon", o.cluster_selection_epsilon));
  PANIC_ASSIGN_OR_RETURN(std::string selection, args.GetChoice("selection", {"eom", "leaf"}, "eom"));
  o.selection = selection == "leaf" ? cluster::ClusterSelection::kLeaf : cluster::ClusterSelection::kExcessOfMass;
  o.allow_single_cluster = !args.Has("no-single-cluster");
  o.path = args.Has("exact") ? cluster::HdbscanPath::kExact
           : args.Has("approximate") ? cluster::HdbscanPath::kApproximate
                                     : cluster::HdbscanPath::kAuto;
  PANIC_ASSIGN_OR_RETURN(long long seed, args.GetInt("seed", static_cast<long long>(o.seed)));
  o.seed = static_cast<uint64_t>(seed);
  PANIC_ASSIGN_OR_RETURN(o.threads, Threads(args));
  auto t0 = std::chrono::steady_clock::now();
  PANIC_ASSIGN_OR_RETURN(cluster::Clustering c, cluster::Hdbscan(points.values, points.n, points.dim, o));
  PointLabels out;
  out.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  out.algorithm = "hdbscan";
  out.path = c.exact ? "exact" : "approximate";
  out.parameters = {{"min_cluster_size", c.min_cluster_size},
                    {"min_samples", c.min_samples},
                    {"cluster_selection_epsilon", o.cluster_selection_epsilon},
                    {"selection", selection},
                    {"allow_single_cluster", o.allow_single_cluster},
                    {"path", out.path},
                    {"medoids_exact", c.medoids_exact}};
  if (!c.exact) {
    out.parameters["knn_neighbors"] = c.knn_neighbors;
    out.parameters["seed"] = o.seed;
  }
  out.labels = std::move(c.labels);
  out.probabilities = std::move(c.probabilities);
  out.medoids = std::move(c.medoids);
  return out;
}

Result<PointLabels> RunOptics(const ParsedArgs& args, const PointFile& points) {
  for (const char* other : {"epsilon", "exact", "approximate", "selection", "no-single-cluster", "seed"}) {
    if (args.Has(other)) return Status::InvalidArgument(std::string("--") + other + " applies only to --algorithm hdbscan");
  }
  cluster::OpticsOptions o;
  const size_t fallback = cluster::ReferenceDefaults(points.n).min_samples;
  PANIC_ASSIGN_OR_RETURN(o.min_samples, PositiveSize(args, "min-samples", fallback));
  PANIC_ASSIGN_OR_RETURN(o.min_cluster_size, PositiveSize(args, "min-cluster-size", o.min_samples));
  PANIC_ASSIGN_OR_RETURN(o.max_eps, args.GetDouble("max-eps", o.max_eps));
  PANIC_ASSIGN_OR_RETURN(o.xi, args.GetDouble("xi", o.xi));
  PANIC_ASSIGN_OR_RETURN(o.threads, Threads(args));
  auto t0 = std::chrono::steady_clock::now();
  PANIC_ASSIGN_OR_RETURN(cluster::OpticsResult r, cluster::Optics(points.values, points.n, points.dim, o));
  PointLabels out;
  out.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  out.algorithm = "optics";
  out.path = "exact";
  out.parameters = {{"min_samples", o.min_samples},
                    {"min_cluster_size", r.min_cluster_size},
                    {"max_eps", std::isinf(o.max_eps) ? nlohmann::json(nullptr) : nlohmann::json(o.max_eps)},
                    {"xi", o.xi}};
  nlohmann::json reach = nlohmann::json::array();
  for (float v : r.reachability) reach.push_back(std::isinf(v) ? nlohmann::json(nullptr) : nlohmann::json(v));
  out.extra = {{"ordering", r.ordering}, {"reachability", reach}};
  out.probabilities.resize(points.n);
  for (size_t i = 0; i < points.n; ++i) out.probabilities[i] = r.labels[i] >= 0 ? 1.0f : 0.0f;
  out.labels = std::move(r.labels);
  out.medoids = std::move(r.medoids);
  return out;
}

// The medoid row of each point's cluster, −1 for noise.
std::vector<int64_t> MedoidOfPoint(const PointLabels& p) {
  std::vector<int64_t> m(p.labels.size(), -1);
  for (size_t i = 0; i < p.labels.size(); ++i) {
    if (p.labels[i] >= 0) m[i] = p.medoids[static_cast<size_t>(p.labels[i])];
  }
  return m;
}

std::vector<size_t> ClusterSizes(const PointLabels& p, size_t* noise) {
  std::vector<size_t> sizes(p.medoids.size(), 0);
  *noise = 0;
  for (int32_t l : p.labels) {
    if (l < 0) ++*noise;
    else ++sizes[static_cast<size_t>(l)];
  }
  return sizes;
}

std::string AsText(const PointLabels& p, size_t dim) {
  size_t noise = 0;
  std::vector<size_t> sizes = ClusterSizes(p, &noise);
  std::ostringstream os;
  os << "# " << p.algorithm << " (" << p.path << "): " << p.labels.size() << " points of dimension " << dim << ", "
     << sizes.size() << " clusters, " << noise << " noise\n# parameters: " << p.parameters.dump() << "\n";
  for (size_t c = 0; c < sizes.size(); ++c) {
    os << "# cluster " << c << ": " << sizes[c] << " points, medoid " << p.medoids[c] << "\n";
  }
  os << "# label probability medoid (one line per point; medoid -1 for noise)\n";
  std::vector<int64_t> medoid = MedoidOfPoint(p);
  for (size_t i = 0; i < p.labels.size(); ++i) {
    os << p.labels[i] << " " << Format(p.probabilities[i]) << " " << medoid[i] << "\n";
  }
  return os.str();
}

std::string AsCsv(const PointLabels& p) {
  std::ostringstream os;
  os << "point,label,probability,medoid\n";
  std::vector<int64_t> medoid = MedoidOfPoint(p);
  for (size_t i = 0; i < p.labels.size(); ++i) {
    os << i << "," << p.labels[i] << "," << Format(p.probabilities[i]) << "," << medoid[i] << "\n";
  }
  return os.str();
}

std::string AsJson(const PointLabels& p, size_t dim) {
  size_t noise = 0;
  std::vector<size_t> sizes = ClusterSizes(p, &noise);
  nlohmann::json clusters = nlohmann::json::array();
  for (size_t c = 0; c < sizes.size(); ++c) {
    clusters.push_back({{"label", c}, {"size", sizes[c]}, {"medoid", p.medoids[c]}});
  }
  nlohmann::json out = {{"algorithm", p.algorithm}, {"path", p.path},
                        {"points", p.labels.size()}, {"dimension", dim},
                        {"parameters", p.parameters}, {"clusters", clusters},
                        {"noise", noise}, {"labels", p.labels},
                        {"probabilities", p.probabilities}, {"seconds", p.seconds}};
  for (auto& [key, value] : p.extra.items()) out[key] = value;
  return out.dump() + "\n";
}

// float64, shape (n, 3): label, probability, medoid row (−1 for noise).
std::string AsNpy(const PointLabels& p) {
  std::vector<int64_t> medoid = MedoidOfPoint(p);
  const size_t n = p.labels.size();
  std::vector<double> values(n * 3);
  for (size_t i = 0; i < n; ++i) {
    values[3 * i] = p.labels[i];
    values[3 * i + 1] = p.probabilities[i];
    values[3 * i + 2] = static_cast<double>(medoid[i]);
  }
  store::NpyArray a;
  a.dtype = store::NpyDtype::kFloat64;
  a.shape = {n, 3};
  a.data.resize(values.size() * sizeof(double));
  std::memcpy(a.data.data(), values.data(), a.data.size());  // x86 and ARM: little-endian
  return store::EncodeNpy(a);
}

int PointsCommand(const ParsedArgs& args, Context& ctx) {
  auto algorithm = args.GetChoice("algorithm", {"hdbscan", "optics"}, "hdbscan");
  if (!algorithm.ok()) return ReportError(algorithm.status(), ctx);
  auto format = args.GetChoice("format", {"text", "json", "csv", "npy"}, ctx.json ? "json" : "text");
  if (!format.ok()) return ReportError(format.status(), ctx);
  auto output = args.Get("output");
  if (*format == "npy" && !output) {
    return ReportError(Status::InvalidArgument("--format npy writes a binary array: give --output FILE"), ctx);
  }
  auto points = ReadPointFile(args.positional[0]);
  if (!points.ok()) return ReportError(points.status(), ctx);
  auto result = *algorithm == "optics" ? RunOptics(args, *points) : RunHdbscan(args, *points);
  if (!result.ok()) return ReportError(result.status().WithContext(args.positional[0]), ctx);
  std::string bytes = *format == "npy"    ? AsNpy(*result)
                      : *format == "json" ? AsJson(*result, points->dim)
                      : *format == "csv"  ? AsCsv(*result)
                                          : AsText(*result, points->dim);
  Status written = WriteCommandOutput(ctx, bytes, *format == "npy", *format, output);
  if (!written.ok()) return ReportError(written, ctx);
  return kExitOk;
}

}  // namespace

std::vector<CommandSpec> ClusterCommands() {
  CommandSpec points;
  points.noun = "cluster";
  points.verb = "points";
  points.summary = "HDBSCAN* or OPTICS labels, probabilities and medoids of a point array";
  points.arguments = "POINTS";
  points.min_positional = points.max_positional = 1;
  points.options = {
      {"algorithm", "A", "hdbscan (default) or optics"},
      {"min-cluster-size", "N", "smallest cluster (default max(2, ⌊0.001 n⌋))"},
      {"min-samples", "N", "neighbours for the core distance, counting the point (default: min-cluster-size)"},
      {"epsilon", "E", "hdbscan: cluster_selection_epsilon, ≥ 0 (default 0.4)"},
      {"selection", "S", "hdbscan: eom (default, excess of mass) or leaf"},
      {"no-single-cluster", "", "hdbscan: never return the whole set as one cluster"},
      {"exact", "", "hdbscan: the exact path (default up to 60 000 points)"},
      {"approximate", "", "hdbscan: the kNN-graph path (default past 60 000 points)"},
      {"seed", "N", "hdbscan: seed of the approximate path's graphs (default 42)"},
      {"max-eps", "X", "optics: largest neighbourhood radius (default inf)"},
      {"xi", "X", "optics: steepness for the ξ extraction, in (0, 1) (default 0.05)"},
      {"threads", "N", "worker threads (default: all cores); the result does not depend on it"},
      {"format", "F", "text (default), json, csv or npy"},
      {"output", "FILE", "write to FILE instead of standard output (required for npy)"},
  };
  points.details =
      "POINTS is a .npy array (float32 or float64, C order, shape points × coordinates) or a\n"
      "text/CSV file with one point per line. Rows are L2-normalised, so distances are chords\n"
      "of the cosine. Labels are 0.. per cluster, -1 for noise; a cluster's medoid is its\n"
      "member with the least summed distance to the others. text: a commented summary, then\n"
      "'label probability medoid' per point; csv: point,label,probability,medoid; npy: float64\n"
      "(n, 3) of the same three columns; json adds the parameters used, the path taken and, for\n"
      "optics, the ordering and reachability (null for inf). OPTICS has no membership\n"
      "probabilities: 1 for a cluster member, 0 for noise.";
  points.run = PointsCommand;
  return {points};
}

}  // namespace panic::cli
