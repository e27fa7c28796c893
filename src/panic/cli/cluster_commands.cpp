// `cluster points`: HDBSCAN* or OPTICS over any array of points, without a database, as
// `tda ph` does for diagrams; `cluster run|list|show|delete`: clustering the stored
// embeddings (engine/clustering_job.h) and the stored results (store/clustering_table.h).
#include <algorithm>
#include <chrono>
#include <cmath>
#include <csignal>
#include <limits>
#include <cstdio>
#include <nlohmann/json.hpp>
#include <ostream>
#include <sstream>

#include "panic/cli/cli_common.h"
#include "panic/cli/command.h"
#include "panic/cli/output.h"
#include "panic/cli/output_path.h"
#include "panic/cli/point_clustering_output.h"
#include "panic/cli/progress_printer.h"
#include "panic/cli/signals.h"
#include "panic/cli/tda_point_reader.h"
#include "panic/cluster/hdbscan.h"
#include "panic/core/parallel.h"
#include "panic/core/utf8.h"
#include "panic/engine/clustering_job.h"
#include "panic/engine/json_shapes.h"
#include "panic/store/clustering_table.h"
#include "panic/store/database.h"
#include "panic/store/experiments_table.h"

namespace panic::cli {
namespace {

constexpr long long kNoLimit = std::numeric_limits<long long>::max();

// A size option. A value below 1 is refused here, before the points are read, stating the
// option's own smallest value (`smallest`); 1 and up are checked against the number of points
// clustered (engine::CheckClusterParameters: "an integer 2..40: the 40 points clustered").
Result<std::optional<size_t>> OptionalSize(const ParsedArgs& args, const std::string& name, int smallest) {
  if (!args.Has(name)) return std::optional<size_t>();
  PANIC_ASSIGN_OR_RETURN(long long v, args.GetInt(name, 0));
  if (v < 1) return args.NotAllowed(name, "an integer ≥ " + std::to_string(smallest));
  return std::optional<size_t>(static_cast<size_t>(v));
}

// The algorithm options shared by `cluster points` and `cluster run`; the sizes left unset
// take the reference's defaults for the n clustered (engine::ClusterPoints). An option of
// the other algorithm is refused, naming it.
Result<engine::ClusterParameters> ParseClusterParameters(const ParsedArgs& args) {
  engine::ClusterParameters p;
  PANIC_ASSIGN_OR_RETURN(std::string algorithm, args.GetChoice("algorithm", {"hdbscan", "optics"}, "hdbscan"));
  if (algorithm == "optics") {
    p.algorithm = engine::ClusterAlgorithm::kOptics;
    for (const char* other : {"epsilon", "exact", "approximate", "selection", "no-single-cluster", "seed"}) {
      if (args.Has(other)) return Status::InvalidArgument(std::string("--") + other + " applies only to --algorithm hdbscan");
    }
    if (args.Has("max-eps")) {
      PANIC_ASSIGN_OR_RETURN(double max_eps, args.GetDouble("max-eps", 0));
      p.max_eps = max_eps;
    }
    if (args.Has("xi")) {
      PANIC_ASSIGN_OR_RETURN(double xi, args.GetDouble("xi", 0));
      p.xi = xi;
    }
  } else {
    for (const char* other : {"max-eps", "xi"}) {
      if (args.Has(other)) return Status::InvalidArgument(std::string("--") + other + " applies only to --algorithm optics");
    }
    if (args.Has("exact") && args.Has("approximate")) {
      return Status::InvalidArgument("--exact and --approximate exclude each other");
    }
    if (args.Has("epsilon")) {
      PANIC_ASSIGN_OR_RETURN(double epsilon, args.GetDouble("epsilon", 0));
      p.epsilon = epsilon;
    }
    PANIC_ASSIGN_OR_RETURN(std::string selection, args.GetChoice("selection", {"eom", "leaf"}, "eom"));
    p.selection = selection == "leaf" ? cluster::ClusterSelection::kLeaf : cluster::ClusterSelection::kExcessOfMass;
    p.allow_single_cluster = !args.Has("no-single-cluster");
    p.path = args.Has("exact") ? cluster::HdbscanPath::kExact
             : args.Has("approximate") ? cluster::HdbscanPath::kApproximate
                                       : cluster::HdbscanPath::kAuto;
    PANIC_ASSIGN_OR_RETURN(long long seed, args.GetIntIn("seed", static_cast<long long>(p.seed), 0, kNoLimit));
    p.seed = static_cast<uint64_t>(seed);
  }
  // HDBSCAN* counts the point itself among its min_samples neighbours; OPTICS needs another.
  PANIC_ASSIGN_OR_RETURN(p.min_cluster_size, OptionalSize(args, "min-cluster-size", 2));
  PANIC_ASSIGN_OR_RETURN(p.min_samples,
                         OptionalSize(args, "min-samples", p.algorithm == engine::ClusterAlgorithm::kOptics ? 2 : 1));
  PANIC_ASSIGN_OR_RETURN(p.threads, args.GetThreads(DefaultThreads()));
  return p;
}

int PointsCommand(const ParsedArgs& args, Context& ctx) {
  auto format = args.GetChoice("format", {"text", "json", "csv", "npy"}, ctx.json ? "json" : "text");
  if (!format.ok()) return ReportError(format.status(), ctx);
  auto output = args.Get("output");
  if (Status st = CheckExplicitFormat(args, ctx.json, *format); !st.ok()) return ReportError(st, ctx);  // before any work
  if (*format == "npy" && !output) {
    return ReportError(Status::InvalidArgument("--format npy writes a binary array: give --output FILE"), ctx);
  }
  auto parameters = ParseClusterParameters(args);
  if (!parameters.ok()) return ReportError(parameters.status(), ctx);
  auto points = ReadPointFile(args.positional[0]);
  if (!points.ok()) return ReportError(points.status(), ctx);
  auto result = engine::ClusterPoints(points->values, points->n, points->dim, *parameters);
  if (!result.ok()) return ReportError(result.status().WithContext(args.positional[0]), ctx);
  std::string bytes = *format == "npy"    ? PointClusteringNpy(*result)
                      : *format == "json" ? PointClusteringJson(*result, points->dim)
                      : *format == "csv"  ? PointClusteringCsv(*result)
                                          : PointClusteringText(*result, points->dim);
  Status written = WriteCommandOutput(ctx, bytes, *format == "npy", *format, output);
  if (!written.ok()) return ReportError(written, ctx);
  return kExitOk;
}


// ---- the database commands: cluster run | list | show | delete

std::string Seconds(const std::optional<double>& s) {
  if (!s) return "?";
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.2fs", *s);
  return buf;
}

std::string Percent(int64_t part, int64_t whole) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f%%", whole > 0 ? 100.0 * static_cast<double>(part) / static_cast<double>(whole) : 0.0);
  return buf;
}

std::string DescribeScope(const store::clustering::ResultRecord& r) {
  if (r.scope == store::clustering::kScopeAll) return "all experiments (" + Count(static_cast<int64_t>(r.experiment_ids.size()), "experiment") + " with embeddings)";
  std::string out = r.experiment_ids.size() == 1 ? "experiment " : "experiments ";
  for (size_t i = 0; i < r.experiment_ids.size(); ++i) out += (i ? ", " : "") + r.experiment_ids[i];
  return out;
}

// The experiments of `--experiment ID …` (ids, prefixes or latest; default latest).
Result<std::vector<std::string>> ResolveExperiments(store::Database& db, const ParsedArgs& args) {
  std::vector<std::string> given;
  if (auto it = args.values.find("experiment"); it != args.values.end()) given = it->second;
  if (given.empty()) given.push_back("latest");
  std::vector<std::string> ids;
  for (const std::string& g : given) {
    PANIC_ASSIGN_OR_RETURN(std::string id, db.Read([&](store::SqliteDb& c) { return store::experiments::ResolveId(c, g); }));
    if (std::find(ids.begin(), ids.end(), id) == ids.end()) ids.push_back(id);
  }
  return ids;
}

// Ctrl-C while reading or writing stops at the next page or chunk (the partial result is
// removed); during the algorithm, which cannot stop midway and has written nothing yet,
// SIGINT/SIGTERM end the process at once (the shell sees 130).
void FollowSignals(const engine::ProgressEvent& e) {
  if (e.stage != "cluster") return;
  if (e.finished) {
    InstallCancelHandlers();
  } else {
    std::signal(SIGINT, SIG_DFL);
    std::signal(SIGTERM, SIG_DFL);
  }
}

// For a result with no cluster, a hint at what to change: HDBSCAN*'s reference defaults
// (epsilon 0.4 with allow_single_cluster) find no cluster in diffuse data, which
// otherwise looks like a failure. Empty when the result has clusters.
std::string NoClusterNote(const store::clustering::ResultRecord& r) {
  if (r.cluster_count.value_or(0) != 0) return "";
  const int64_t n = r.point_count.value_or(0);
  const nlohmann::json p = nlohmann::json::parse(r.parameters_json, nullptr, false);
  auto number = [&p](const char* key) -> std::string {
    if (p.is_discarded() || !p.is_object() || !p.contains(key) || !p[key].is_number()) return "?";
    std::ostringstream os;
    os << p[key].get<double>();
    return os.str();
  };
  std::string note = "all " + std::to_string(n) + " points are outliers (no cluster) under ";
  if (r.algorithm == "hdbscan") {
    note += "epsilon " + number("cluster_selection_epsilon") + ", min_cluster_size " + number("min_cluster_size") +
            ", min_samples " + number("min_samples") +
            "; diffuse data gives this with the reference defaults (epsilon 0.4, a single cluster "
            "allowed): try --epsilon 0, or a smaller --min-cluster-size / --min-samples";
  } else {
    note += "min_samples " + number("min_samples") + ", xi " + number("xi") +
            "; try a smaller --min-samples or --xi";
  }
  return note;
}

int RunClusterCommand(const ParsedArgs& args, Context& ctx) {
  // Every option is checked before the database is opened.
  auto parameters = ParseClusterParameters(args);
  if (!parameters.ok()) return ReportError(parameters.status(), ctx);
  engine::ClusteringJob job;
  job.parameters = *parameters;
  job.all_experiments = args.Has("all");
  if (job.all_experiments && args.Has("experiment")) {
    return ReportError(Status::InvalidArgument("--all and --experiment exclude each other"), ctx);
  }
  if (auto model = args.Get("model"); model && *model != "all") job.model = *model;
  job.include_images = args.Has("include-images");
  auto downsample = args.GetIntIn("downsample", 1, 1, kNoLimit, "keep every N-th output of each run");
  if (!downsample.ok()) return ReportError(downsample.status(), ctx);
  job.downsample = *downsample;
  auto db = OpenDatabase(ctx, store::OpenMode::kWrite);
  if (!db.ok()) return ReportError(db.status(), ctx);
  if (!job.all_experiments) {
    auto ids = ResolveExperiments(**db, args);
    if (!ids.ok()) return ReportError(ids.status(), ctx);
    job.experiment_ids = *ids;
  }
  ProgressPrinter printer(ctx.err, ctx.stderr_is_tty);
  job.progress = [&printer](const engine::ProgressEvent& e) {
    FollowSignals(e);
    printer(e);
  };
  job.cancel = &InstallCancelHandlers();
  auto results = engine::RunClusteringJob(**db, job);
  if (!results.ok()) {
    if (results.status().code() == StatusCode::kCancelled) {
      ctx.err << "\ninterrupted: " << results.status().message() << "\n";
      return kExitInterrupted;
    }
    return ReportError(results.status(), ctx);
  }
  if (ctx.json) {
    nlohmann::json list = nlohmann::json::array();
    for (const auto& r : *results) {
      list.push_back(engine::ClusteringResultToJson(r));
      if (std::string note = NoClusterNote(r); !note.empty()) list.back()["note"] = note;
    }
    PrintJson(ctx, list);
    return kExitOk;
  }
  for (const auto& r : *results) {
    const int64_t n = r.point_count.value_or(0);
    ctx.out << "clustering result " << r.id << ": " << r.embedding_model << ", " << r.algorithm << " ("
            << r.path.value_or("?") << "), " << Count(n, "point") << " of " << DescribeScope(r) << "\n  "
            << Count(r.cluster_count.value_or(0), "cluster") << ", outliers " << r.outlier_count.value_or(0) << " ("
            << Percent(r.outlier_count.value_or(0), n) << "); read " << Seconds(r.read_seconds) << ", cluster "
            << Seconds(r.cluster_seconds) << ", write " << Seconds(r.write_seconds);
    if (auto outside = engine::OutsideShare(r)) ctx.out << " (" << Percent(std::llround(*outside * 1000), 1000) << " outside the algorithm)";
    ctx.out << "\n";
    if (std::string note = NoClusterNote(r); !note.empty()) ctx.out << "  note: " << note << "\n";
  }
  ctx.out << "show with: panic-tda --db " << ctx.db_path << " cluster show " << results->back().id << "\n";
  return kExitOk;
}

int ListClusterCommand(const ParsedArgs&, Context& ctx) {
  auto db = OpenDatabase(ctx, store::OpenMode::kReadOnly);
  if (!db.ok()) return ReportError(db.status(), ctx);
  auto results = (*db)->Read([](store::SqliteDb& c) { return store::clustering::List(c); });
  if (!results.ok()) return ReportError(results.status(), ctx);
  if (ctx.json) {
    nlohmann::json list = nlohmann::json::array();
    for (const auto& r : *results) list.push_back(engine::ClusteringResultToJson(r));
    PrintJson(ctx, list);
    return kExitOk;
  }
  if (results->empty()) {
    ctx.out << "no clustering results in " << ctx.db_path << " (`panic-tda cluster run` makes one)\n";
    return kExitOk;
  }
  std::vector<std::vector<std::string>> rows;
  for (const auto& r : *results) {
    const int64_t n = r.point_count.value_or(0);
    std::string scope = r.scope == store::clustering::kScopeAll
                            ? "all (" + std::to_string(r.experiment_ids.size()) + ")"
                            : (r.experiment_ids.size() == 1 ? r.experiment_ids[0]
                                                            : std::to_string(r.experiment_ids.size()) + " experiments");
    rows.push_back({r.id, r.started_at.substr(0, 19), r.embedding_model, r.algorithm, r.path.value_or("?"),
                    std::to_string(n), std::to_string(r.cluster_count.value_or(0)),
                    Percent(r.outlier_count.value_or(0), n), scope});
  }
  PrintTable(ctx.out, {"ID", "CREATED", "MODEL", "ALGORITHM", "PATH", "POINTS", "CLUSTERS", "OUTLIERS", "SCOPE"}, rows);
  return kExitOk;
}

// At most `max` code points of the first line of `text`, with "…" when cut.
std::string Excerpt(const std::string& text, size_t max) {
  std::u32string s = DecodeUtf8(text);
  bool cut = false;
  if (auto nl = s.find_first_of(U"\r\n"); nl != std::u32string::npos) {
    s.resize(nl);
    cut = true;
  }
  if (s.size() > max) {
    s.resize(max);
    cut = true;
  }
  return EncodeUtf8(s) + (cut ? "…" : "");
}

int ShowClusterCommand(const ParsedArgs& args, Context& ctx) {
  auto limit = args.GetIntIn("limit", 20, 0, kNoLimit, "0 shows every cluster");
  if (!limit.ok()) return ReportError(limit.status(), ctx);
  auto db = OpenDatabase(ctx, store::OpenMode::kReadOnly);
  if (!db.ok()) return ReportError(db.status(), ctx);
  const std::string wanted = args.positional.empty() ? "latest" : args.positional[0];
  struct Shown {
    store::clustering::ResultRecord result;
    std::vector<store::clustering::ClusterSummary> clusters;
  };
  auto shown = (*db)->Read([&](store::SqliteDb& c) -> Result<Shown> {
    PANIC_ASSIGN_OR_RETURN(std::string id, store::clustering::ResolveId(c, wanted));
    Shown s;
    PANIC_ASSIGN_OR_RETURN(s.result, store::clustering::Get(c, id));
    PANIC_ASSIGN_OR_RETURN(s.clusters, store::clustering::Clusters(c, id, *limit == 0 ? -1 : *limit));
    return s;
  });
  if (!shown.ok()) return ReportError(shown.status(), ctx);
  const auto& r = shown->result;
  const int64_t n = r.point_count.value_or(0);
  if (ctx.json) {
    nlohmann::json j = engine::ClusteringResultToJson(r);
    nlohmann::json clusters = nlohmann::json::array();
    for (const auto& c : shown->clusters) {
      clusters.push_back({{"label", c.label},
                          {"size", c.size},
                          {"share", n > 0 ? static_cast<double>(c.size) / static_cast<double>(n) : 0.0},
                          {"run_count", c.run_count},
                          {"medoid_embedding_id", c.medoid_embedding_id ? nlohmann::json(*c.medoid_embedding_id) : nlohmann::json(nullptr)},
                          {"medoid_invocation_id", c.medoid_type ? nlohmann::json(c.medoid_invocation_id) : nlohmann::json(nullptr)},
                          {"medoid_type", c.medoid_type ? nlohmann::json(*c.medoid_type) : nlohmann::json(nullptr)},
                          {"medoid_text", c.medoid_type && *c.medoid_type == "text" ? nlohmann::json(c.medoid_text) : nlohmann::json(nullptr)}});
    }
    j["clusters"] = clusters;
    PrintJson(ctx, j);
    return kExitOk;
  }
  ctx.out << "clustering result " << r.id << "\n"
          << "model        " << r.embedding_model << "\n"
          << "algorithm    " << r.algorithm << " (" << r.path.value_or("?") << ")\n"
          << "scope        " << DescribeScope(r) << "\n"
          << "points       " << n << (r.dimension ? " of dimension " + std::to_string(*r.dimension) : "") << "\n"
          << "clusters     " << r.cluster_count.value_or(0) << "\n"
          << "outliers     " << r.outlier_count.value_or(0) << " (" << Percent(r.outlier_count.value_or(0), n) << ")\n"
          << "parameters   " << r.parameters_json << "\n"
          << "time         read " << Seconds(r.read_seconds) << ", cluster " << Seconds(r.cluster_seconds) << ", write "
          << Seconds(r.write_seconds) << "\n"
          << "created      " << r.started_at << "\n";
  if (shown->clusters.empty()) {
    ctx.out << "\nno clusters: every point is an outlier\n";
    return kExitOk;
  }
  std::vector<std::vector<std::string>> rows;
  for (const auto& c : shown->clusters) {
    std::string medoid = !c.medoid_type           ? "(medoid deleted)"
                         : *c.medoid_type == "text" ? Excerpt(c.medoid_text, 72)
                                                    : "[image, invocation " + c.medoid_invocation_id + "]";
    rows.push_back({std::to_string(c.label), std::to_string(c.size), Percent(c.size, n), std::to_string(c.run_count),
                    medoid});
  }
  ctx.out << "\n";
  PrintTable(ctx.out, {"LABEL", "SIZE", "SHARE", "RUNS", "MEDOID"}, rows);
  const int64_t total = r.cluster_count.value_or(0);
  if (static_cast<int64_t>(shown->clusters.size()) < total) {
    ctx.out << "(the " << shown->clusters.size() << " largest of " << total << " clusters; --limit 0 shows all)\n";
  }
  return kExitOk;
}

int DeleteClusterCommand(const ParsedArgs& args, Context& ctx) {
  auto db = OpenDatabase(ctx, store::OpenMode::kWrite);
  if (!db.ok()) return ReportError(db.status(), ctx);
  const std::string& target = args.positional[0];
  const bool all = target == "all";
  std::string id;
  if (!all) {
    auto resolved = (*db)->Read([&](store::SqliteDb& c) -> Result<std::string> {
      PANIC_ASSIGN_OR_RETURN(std::string full, store::clustering::ResolveId(c, target));
      PANIC_RETURN_IF_ERROR(store::clustering::Get(c, full).status());
      return full;
    });
    if (!resolved.ok()) return ReportError(resolved.status(), ctx);
    id = *resolved;
  }
  if (auto exit = ConfirmDeletion(args, ctx, all ? "delete every clustering result" : "delete clustering result " + id)) {
    return *exit;
  }
  auto deleted = (*db)->Write([&](store::SqliteDb& c) -> Result<int64_t> {
    if (all) return store::clustering::DeleteAll(c);
    PANIC_RETURN_IF_ERROR(store::clustering::Delete(c, id));
    PANIC_ASSIGN_OR_RETURN(int64_t abandoned, store::clustering::DeleteAbandoned(c));
    (void)abandoned;
    return int64_t{1};
  });
  if (!deleted.ok()) return ReportError(deleted.status(), ctx);
  if (ctx.json) {
    PrintJson(ctx, all ? nlohmann::json{{"deleted", *deleted}} : nlohmann::json{{"deleted", id}});
  } else if (all) {
    ctx.out << "deleted " << Count(*deleted, "clustering result") << "\n";
  } else {
    ctx.out << "deleted clustering result " << id << "\n";
  }
  return kExitOk;
}

// The options of the algorithms, shared by `cluster points` and `cluster run`.
std::vector<OptionSpec> AlgorithmOptions() {
  return {
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
  };
}

}  // namespace

std::vector<CommandSpec> ClusterCommands() {
  std::vector<OptionSpec> points_options = AlgorithmOptions();
  points_options.push_back({"format", "F", "text (default), json, csv or npy"});
  points_options.push_back({"output", "FILE", "write to FILE instead of standard output (required for npy)"});
  std::vector<OptionSpec> run_options = {
      {"experiment", "ID", "an experiment to cluster (id, prefix or latest; repeatable; default latest)", true},
      {"all", "", "cluster every experiment of the database together"},
      {"model", "M", "the embedding model whose vectors to cluster, or all (default: all, one result each)"},
      {"include-images", "", "also cluster the image outputs' embeddings (default: text outputs only)"},
      {"downsample", "N", "keep every N-th selected output of each run (default 1: all)"},
  };
  for (auto& o : AlgorithmOptions()) run_options.push_back(o);
  return {
      {"cluster", "points", "HDBSCAN* or OPTICS labels, probabilities and medoids of a point array", "POINTS", 1, 1,
       points_options,
       "POINTS is a .npy array (float32 or float64, C order, shape points × coordinates) or a\n"
       "text/CSV file with one point per line. Rows are L2-normalised, so distances are chords\n"
       "of the cosine. Labels are 0.. per cluster, -1 for noise; a cluster's medoid is its\n"
       "member with the least summed distance to the others. text: a commented summary, then\n"
       "'label probability medoid' per point; csv: point,label,probability,medoid; npy: float64\n"
       "(n, 3) of the same three columns; json adds the parameters used, the path taken and, for\n"
       "optics, the ordering and reachability (null for inf). OPTICS has no membership\n"
       "probabilities: 1 for a cluster member, 0 for noise.",
       PointsCommand},
      {"cluster", "run", "cluster the stored embeddings of experiments and keep the result", "", 0, 0, run_options,
       "Reads the selected vectors (L2-normalised by the algorithm), clusters them and stores the\n"
       "result as a new snapshot: its scope, every parameter used, the path taken, labels,\n"
       "membership probabilities and medoids, and the time spent reading, clustering and\n"
       "writing. Nothing earlier is replaced. The result is written in chunks and becomes\n"
       "visible only when complete: Ctrl-C or a kill leaves nothing of it. Deleting an\n"
       "experiment deletes every result whose scope includes it. Exit 2 when the selection is\n"
       "empty, the model is not present (the models present are listed) or there are fewer\n"
       "points than min_cluster_size.",
       RunClusterCommand},
      {"cluster", "list", "the stored clustering results, newest first", "", 0, 0, {}, "", ListClusterCommand},
      {"cluster", "show", "a clustering result: its clusters by size with their medoids' text, and its parameters",
       "[ID|latest]", 0, 1, {{"limit", "N", "show the N largest clusters (default 20; 0: all)"}},
       "Each cluster: its label, size, share of the points, the number of runs it has members\n"
       "in, and its medoid's text (an image medoid is named by its invocation). Then the\n"
       "outlier share and the parameters used. ID is a result id, a unique prefix or latest\n"
       "(the default).",
       ShowClusterCommand},
      {"cluster", "delete", "delete a clustering result, or all of them", "ID|all", 1, 1,
       {{"yes", "", "do not ask for confirmation"}}, "", DeleteClusterCommand},
  };
}

}  // namespace panic::cli
