#include "panic/engine/clustering_job.h"

#include <unistd.h>

#include <algorithm>
#include <charconv>
#include <chrono>
#include <cmath>
#include <cstring>
#include <map>
#include <set>

#include "panic/cluster/optics.h"
#include "panic/core/time.h"
#include "panic/core/uuid.h"
#include "panic/store/database.h"
#include "panic/store/experiments_table.h"
#include "panic/store/writer_lease.h"

namespace panic::engine {
namespace {

namespace clustering = store::clustering;
using Clock = std::chrono::steady_clock;

double Since(Clock::time_point t0) { return std::chrono::duration<double>(Clock::now() - t0).count(); }

struct ResolvedSizes {
  size_t min_cluster_size = 0;
  size_t min_samples = 0;
};

ResolvedSizes Sizes(size_t n, const ClusterParameters& p) {
  const cluster::HdbscanOptions defaults = cluster::ReferenceDefaults(n);
  ResolvedSizes s;
  if (p.algorithm == ClusterAlgorithm::kOptics) {
    // OPTICS is parameterised by min_samples; its smallest cluster defaults to it.
    s.min_samples = p.min_samples.value_or(defaults.min_samples);
    s.min_cluster_size = p.min_cluster_size.value_or(s.min_samples);
  } else {
    s.min_cluster_size = p.min_cluster_size.value_or(defaults.min_cluster_size);
    s.min_samples = p.min_samples.value_or(s.min_cluster_size);
  }
  return s;
}

// "experiment 0192…", "experiments A, B", "all 3 experiments", with the outputs selected.
std::string DescribeSelection(const ClusteringJob& job) {
  std::string out;
  if (job.all_experiments) {
    out = "all " + std::to_string(job.experiment_ids.size()) + " experiments";
  } else {
    out = job.experiment_ids.size() == 1 ? "experiment " : "experiments ";
    for (size_t i = 0; i < job.experiment_ids.size(); ++i) out += (i ? ", " : "") + job.experiment_ids[i];
  }
  out += job.include_images ? " (text and image outputs" : " (text outputs";
  if (job.downsample > 1) out += ", every " + std::to_string(job.downsample) + "th of each run";
  return out + ")";
}

std::string DescribeModels(const std::vector<clustering::ModelCount>& counts) {
  if (counts.empty()) return "none";
  std::string out;
  for (size_t i = 0; i < counts.size(); ++i) {
    out += (i ? ", " : "") + counts[i].model + " (" + std::to_string(counts[i].points) + " points)";
  }
  return out;
}

void Report(const ClusteringJob& job, const std::string& stage, const std::string& unit, int64_t done,
            int64_t total, bool finished, double elapsed) {
  if (!job.progress) return;
  ProgressEvent e;
  e.stage = stage;
  e.unit = unit;
  e.done = e.done_this_session = done;
  e.total = total;
  e.finished = finished;
  e.rate = elapsed > 0 ? done / elapsed : 0;
  e.eta_s = e.rate > 0 ? (total - done) / e.rate : -1;
  job.progress(e);
}

bool Cancelled(const ClusteringJob& job) { return job.cancel && job.cancel->load(); }

// The selected vectors of one model, row-major, with each row's embedding and run.
struct ReadSet {
  std::vector<float> points;
  std::vector<std::string> embedding_ids;
  std::vector<uint32_t> run_of_row;  // index into the distinct runs, for run counts
  size_t runs = 0;
  size_t n = 0;
  size_t dim = 0;
};

Result<ReadSet> ReadVectors(store::Database& db, const ClusteringJob& job, const clustering::Selection& selection,
                            const clustering::ModelCount& count) {
  ReadSet set;
  set.dim = static_cast<size_t>(count.dimension);
  const size_t expected = static_cast<size_t>(count.points);
  set.points.reserve(expected * set.dim);
  set.embedding_ids.reserve(expected);
  set.run_of_row.reserve(expected);
  const size_t bytes = set.dim * sizeof(float);
  std::string last_run;
  const auto t0 = Clock::now();
  Status scanned = db.Read([&](store::SqliteDb& c) {
    return clustering::ScanSelection(
        c, selection, count.model, job.read_page_rows, [&](const clustering::ScannedEmbedding& e) -> Status {
          if (e.vector.size() != bytes) {
            return Status::Corruption("embedding " + std::string(e.embedding_id) + " under " + count.model + " has " +
                                      std::to_string(e.vector.size()) + " bytes; its model's vectors have " +
                                      std::to_string(bytes));
          }
          const size_t at = set.points.size();
          set.points.resize(at + set.dim);
          std::memcpy(set.points.data() + at, e.vector.data(), bytes);  // stored little-endian: vector_codec.h
          for (size_t j = at; j < at + set.dim; ++j) {
            if (!std::isfinite(set.points[j])) {
              return Status::Corruption("embedding " + std::string(e.embedding_id) + " under " + count.model +
                                        " has a non-finite value at coordinate " + std::to_string(j - at));
            }
          }
          set.embedding_ids.emplace_back(e.embedding_id);
          // Rows come run by run, so a run's rows are contiguous.
          if (set.runs == 0 || e.run_id != last_run) {
            last_run.assign(e.run_id);
            ++set.runs;
          }
          set.run_of_row.push_back(static_cast<uint32_t>(set.runs - 1));
          ++set.n;
          if (set.n % 4096 == 0) {
            if (Cancelled(job)) return Status::Cancelled("clustering interrupted while reading vectors");
            Report(job, "read", "vectors", static_cast<int64_t>(set.n), std::max<int64_t>(count.points, set.n), false,
                   Since(t0));
          }
          return Status::Ok();
        });
  });
  PANIC_RETURN_IF_ERROR(scanned);
  Report(job, "read", "vectors", static_cast<int64_t>(set.n), static_cast<int64_t>(set.n), true, Since(t0));
  return set;
}

std::vector<clustering::ClusterSummary> Summaries(const ReadSet& set, const PointClustering& c) {
  std::vector<clustering::ClusterSummary> out(c.medoids.size());
  std::vector<std::set<uint32_t>> runs(c.medoids.size());
  for (size_t i = 0; i < set.n; ++i) {
    if (c.labels[i] < 0) continue;
    const auto label = static_cast<size_t>(c.labels[i]);
    ++out[label].size;
    runs[label].insert(set.run_of_row[i]);
  }
  for (size_t l = 0; l < out.size(); ++l) {
    out[l].label = static_cast<int64_t>(l);
    out[l].run_count = static_cast<int64_t>(runs[l].size());
    out[l].medoid_embedding_id = set.embedding_ids[c.medoids[l]];
  }
  return out;
}

// Writes one result: Begin, the assignments in chunks, Complete; on any failure (or a
// cancel between chunks) the partial result is deleted before the error is returned.
Status WriteResult(store::Database& db, const ClusteringJob& job, clustering::ResultRecord& record,
                   const ReadSet& set, const PointClustering& c) {
  const auto t0 = Clock::now();
  const std::string host = store::LocalHostName();
  PANIC_RETURN_IF_ERROR(db.Write([&](store::SqliteDb& w) -> Status {
    const Status abandoned_deleted = clustering::DeleteAbandoned(w).status();
    if (!abandoned_deleted.ok()) return abandoned_deleted;
    return clustering::Begin(w, record, ::getpid(), host);
  }));
  clustering::Assignments a{set.embedding_ids, c.labels, c.probabilities, c.medoids};
  const size_t chunk = std::max<size_t>(1, job.write_chunk_rows);
  Status written;
  for (size_t begin = 0; begin < set.n && written.ok(); begin += chunk) {
    if (Cancelled(job)) {
      written = Status::Cancelled("clustering interrupted while writing its result; nothing of it was kept");
      break;
    }
    const size_t end = std::min(set.n, begin + chunk);
    written = db.Write([&](store::SqliteDb& w) { return clustering::AppendAssignments(w, record.id, a, begin, end); });
    if (end < set.n) Report(job, "write", "rows", static_cast<int64_t>(end), static_cast<int64_t>(set.n), false, Since(t0));
  }
  if (written.ok()) {
    record.completed_at = NowIso();
    record.write_seconds = Since(t0);
    written = db.Write([&](store::SqliteDb& w) { return clustering::Complete(w, record, Summaries(set, c)); });
  }
  if (!written.ok()) {
    // Best effort: if this fails too, the next `cluster run` finds the result abandoned.
    (void)db.Write([&](store::SqliteDb& w) -> Status {
      Status s = clustering::Delete(w, record.id);
      return s.code() == StatusCode::kNotFound ? Status::Ok() : s;
    });
    return written;
  }
  Report(job, "write", "rows", static_cast<int64_t>(set.n), static_cast<int64_t>(set.n), true, Since(t0));
  return Status::Ok();
}

// The shortest text that reads back as v (0.1, not 0.100000).
std::string Number(double v) {
  char buf[32];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v);
  return ec == std::errc() ? std::string(buf, end) : std::to_string(v);
}

// `from`: when the user did not give the option, the option its default comes from.
Status SizeNotAllowed(const std::string& option, size_t value, const std::string& from, size_t lo, size_t n) {
  return Status::InvalidArgument(option + ": " + std::to_string(value) +
                                 (from.empty() ? "" : " (its default: the value of " + from + ")") +
                                 " is not allowed (an integer " + std::to_string(lo) + ".." + std::to_string(n) +
                                 ": the " + std::to_string(n) + " points clustered)");
}

}  // namespace

Status CheckClusterParameters(size_t n, const ClusterParameters& p) {
  if (p.epsilon && !(std::isfinite(*p.epsilon) && *p.epsilon >= 0)) {
    return Status::InvalidArgument("--epsilon: " + Number(*p.epsilon) + " is not allowed (a finite number ≥ 0)");
  }
  if (p.xi && !(*p.xi > 0 && *p.xi < 1)) {
    return Status::InvalidArgument("--xi: " + Number(*p.xi) + " is not allowed (a number in (0, 1))");
  }
  if (p.max_eps && !(*p.max_eps > 0)) {
    return Status::InvalidArgument("--max-eps: " + Number(*p.max_eps) + " is not allowed (a number > 0, or inf)");
  }
  if (n < 2) {
    return Status::InvalidArgument(std::to_string(n) + (n == 1 ? " point is" : " points are") +
                                   " too few to cluster (at least 2 are needed)");
  }
  const ResolvedSizes s = Sizes(n, p);
  // The size the other defaults to is checked first (Sizes): HDBSCAN*'s min_samples defaults
  // to min_cluster_size, OPTICS's min_cluster_size to min_samples. HDBSCAN* counts the point
  // itself among its min_samples neighbours (1 is allowed); OPTICS needs another point.
  const bool optics = p.algorithm == ClusterAlgorithm::kOptics;
  auto check_cluster_size = [&]() -> Status {
    if (s.min_cluster_size >= 2 && s.min_cluster_size <= n) return Status::Ok();
    const bool derived = !p.min_cluster_size && optics;
    return SizeNotAllowed("--min-cluster-size", s.min_cluster_size, derived ? "--min-samples" : "", 2, n);
  };
  auto check_samples = [&]() -> Status {
    const size_t lo = optics ? 2 : 1;
    if (s.min_samples >= lo && s.min_samples <= n) return Status::Ok();
    const bool derived = !p.min_samples && !optics;
    return SizeNotAllowed("--min-samples", s.min_samples, derived ? "--min-cluster-size" : "", lo, n);
  };
  PANIC_RETURN_IF_ERROR(optics ? check_samples() : check_cluster_size());
  PANIC_RETURN_IF_ERROR(optics ? check_cluster_size() : check_samples());
  return Status::Ok();
}

Result<PointClustering> ClusterPoints(std::span<const float> points, size_t n, size_t dim, const ClusterParameters& p) {
  PANIC_RETURN_IF_ERROR(CheckClusterParameters(n, p));
  const ResolvedSizes sizes = Sizes(n, p);
  PointClustering out;
  const auto t0 = Clock::now();
  if (p.algorithm == ClusterAlgorithm::kOptics) {
    cluster::OpticsOptions o;
    o.min_samples = sizes.min_samples;
    o.min_cluster_size = sizes.min_cluster_size;
    if (p.max_eps) o.max_eps = *p.max_eps;
    if (p.xi) o.xi = *p.xi;
    o.threads = p.threads;
    PANIC_ASSIGN_OR_RETURN(cluster::OpticsResult r, cluster::Optics(points, n, dim, o));
    out.seconds = Since(t0);
    out.algorithm = "optics";
    out.path = "exact";
    out.parameters = {{"n", n},
                      {"min_samples", o.min_samples},
                      {"min_cluster_size", r.min_cluster_size},
                      {"max_eps", std::isinf(o.max_eps) ? nlohmann::json(nullptr) : nlohmann::json(o.max_eps)},
                      {"xi", o.xi},
                      {"path", out.path}};
    nlohmann::json reach = nlohmann::json::array();
    for (float v : r.reachability) reach.push_back(std::isinf(v) ? nlohmann::json(nullptr) : nlohmann::json(v));
    out.extra = {{"ordering", r.ordering}, {"reachability", reach}};
    out.probabilities.resize(n);
    for (size_t i = 0; i < n; ++i) out.probabilities[i] = r.labels[i] >= 0 ? 1.0f : 0.0f;
    out.labels = std::move(r.labels);
    out.medoids = std::move(r.medoids);
    return out;
  }
  cluster::HdbscanOptions o = cluster::ReferenceDefaults(n);
  o.min_cluster_size = sizes.min_cluster_size;
  o.min_samples = sizes.min_samples;
  if (p.epsilon) o.cluster_selection_epsilon = *p.epsilon;
  o.selection = p.selection;
  o.allow_single_cluster = p.allow_single_cluster;
  o.path = p.path;
  o.seed = p.seed;
  o.threads = p.threads;
  PANIC_ASSIGN_OR_RETURN(cluster::Clustering c, cluster::Hdbscan(points, n, dim, o));
  out.seconds = Since(t0);
  out.algorithm = "hdbscan";
  out.path = c.exact ? "exact" : "approximate";
  out.parameters = {{"n", n},
                    {"min_cluster_size", c.min_cluster_size},
                    {"min_samples", c.min_samples},
                    {"cluster_selection_epsilon", o.cluster_selection_epsilon},
                    {"selection", o.selection == cluster::ClusterSelection::kLeaf ? "leaf" : "eom"},
                    {"allow_single_cluster", o.allow_single_cluster},
                    {"path", out.path},
                    {"medoids_exact", c.medoids_exact}};
  if (!c.exact) {
    out.parameters["knn_neighbors"] = c.knn_neighbors;
    out.parameters["core_sample_stride"] = c.core_sample_stride;
    out.parameters["seed"] = o.seed;
  }
  out.labels = std::move(c.labels);
  out.probabilities = std::move(c.probabilities);
  out.medoids = std::move(c.medoids);
  return out;
}

Result<std::vector<clustering::ResultRecord>> RunClusteringJob(store::Database& db, const ClusteringJob& input) {
  ClusteringJob job = input;
  if (job.downsample < 1) {
    return Status::InvalidArgument("--downsample: " + std::to_string(job.downsample) + " must be ≥ 1");
  }
  const auto count_start = Clock::now();
  if (job.all_experiments) {
    PANIC_ASSIGN_OR_RETURN(auto experiments, db.Read([](store::SqliteDb& c) { return store::experiments::List(c); }));
    job.experiment_ids.clear();
    // Oldest first, so rows keep the order in which the experiments were made.
    for (auto it = experiments.rbegin(); it != experiments.rend(); ++it) job.experiment_ids.push_back(it->id);
  }
  clustering::Selection selection{job.experiment_ids, job.include_images, job.downsample};
  PANIC_ASSIGN_OR_RETURN(std::vector<clustering::ModelCount> counts,
                         db.Read([&](store::SqliteDb& c) { return clustering::CountSelection(c, selection); }));
  std::sort(counts.begin(), counts.end(), [](const auto& a, const auto& b) { return a.model < b.model; });
  // Everything the user can get wrong is found here, before anything is read or written.
  if (counts.empty()) {
    return Status::InvalidArgument(DescribeSelection(job) + " has no embeddings to cluster" +
                                   (job.include_images ? "" : " (--include-images adds the image outputs)"));
  }
  std::vector<clustering::ModelCount> todo;
  if (job.model) {
    auto it = std::find_if(counts.begin(), counts.end(), [&](const auto& m) { return m.model == *job.model; });
    if (it == counts.end()) {
      return Status::InvalidArgument("--model: " + DescribeSelection(job) + " has no embeddings under '" + *job.model +
                                     "'; the models present: " + DescribeModels(counts));
    }
    todo.push_back(*it);
  } else {
    todo = counts;
  }
  for (const auto& m : todo) {
    Status enough = CheckClusterParameters(static_cast<size_t>(m.points), job.parameters);
    if (!enough.ok()) return enough.WithContext(DescribeSelection(job) + " under " + m.model);
  }
  double count_seconds = Since(count_start);

  std::vector<clustering::ResultRecord> results;
  for (const auto& m : todo) {
    const auto read_start = Clock::now();
    const std::string started_at = NowIso();
    PANIC_ASSIGN_OR_RETURN(ReadSet set, ReadVectors(db, job, selection, m));
    const double read_seconds = Since(read_start) + count_seconds;
    count_seconds = 0;  // counted once, with the first model
    // The experiments may have grown since they were counted: check again with what was read.
    Status enough = CheckClusterParameters(set.n, job.parameters);
    if (!enough.ok()) return enough.WithContext(DescribeSelection(job) + " under " + m.model);
    if (Cancelled(job)) return Status::Cancelled("clustering interrupted before the algorithm ran");

    Report(job, "cluster", "points", 0, static_cast<int64_t>(set.n), false, 0);
    PANIC_ASSIGN_OR_RETURN(PointClustering c, ClusterPoints(set.points, set.n, set.dim, job.parameters));
    Report(job, "cluster", "points", static_cast<int64_t>(set.n), static_cast<int64_t>(set.n), true, c.seconds);
    if (Cancelled(job)) return Status::Cancelled("clustering interrupted; its result was not written");

    clustering::ResultRecord record;
    record.id = NewUuidV7();
    record.embedding_model = m.model;
    record.algorithm = c.algorithm;
    c.parameters["downsample"] = job.downsample;
    c.parameters["include_images"] = job.include_images;
    c.parameters["normalized"] = true;  // rows are L2-normalised by the algorithms
    record.parameters_json = c.parameters.dump();
    record.scope = job.all_experiments ? clustering::kScopeAll : clustering::kScopeExperiments;
    // The declared experiments, or (for all) those that gave points.
    std::vector<std::string> scope = job.all_experiments ? m.experiment_ids : job.experiment_ids;
    std::sort(scope.begin(), scope.end());
    scope.erase(std::unique(scope.begin(), scope.end()), scope.end());
    record.experiment_ids = scope;
    record.path = c.path;
    record.point_count = static_cast<int64_t>(set.n);
    record.dimension = static_cast<int64_t>(set.dim);
    record.cluster_count = static_cast<int64_t>(c.medoids.size());
    record.outlier_count = std::count(c.labels.begin(), c.labels.end(), -1);
    record.read_seconds = read_seconds;
    record.cluster_seconds = c.seconds;
    record.started_at = started_at;
    set.points = {};  // release the vectors before writing
    PANIC_RETURN_IF_ERROR(WriteResult(db, job, record, set, c));
    results.push_back(std::move(record));
  }
  return results;
}

}  // namespace panic::engine
