// `cluster run` over a database of stored text embeddings (issue 11: ≤ 10 % of the time
// outside the algorithm at 200 000). Builds the database once (caption-like vectors: D = 768,
// 40 clusters on the sphere, 45 % uniform noise, spread over runs of consecutive steps), then
// runs the job the CLI runs (engine::RunClusteringJob) and prints the split of its time.
//
//   ninja -C build bench_cluster_run
//   ./build/bench/bench_cluster_run 200000 --db /tmp/bench200k.db [--threads 2] [--runs 200]
//       [--dim 768] [--exact|--approximate] [--downsample N]
//
// An existing --db is reused as it is (its vectors are not rebuilt). Output (stdout), one
// line: "n path read_s cluster_s write_s total_s outside_share cpu_read cpu_cluster
// cpu_write peak_rss_mib clusters outliers load1", where *_s are wall seconds, cpu_* the
// process CPU seconds (all threads) of each phase and load1 the 1-minute load average at
// the start (the machine is shared: wall times are pessimistic).
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "../tests/cluster/caption_like_data.h"
#include "panic/core/parallel.h"
#include "panic/core/time.h"
#include "panic/core/uuid.h"
#include "panic/engine/clustering_job.h"
#include "panic/store/database.h"
#include "panic/store/embeddings_table.h"
#include "panic/store/experiments_table.h"
#include "panic/store/invocations_table.h"

#include "bench_clock.h"

namespace {

using panic::bench::CpuSeconds;

double PeakRssMib() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return static_cast<double>(u.ru_maxrss) / 1024.0;
}

std::string LoadAverage() {
  std::ifstream in("/proc/loadavg");
  std::string one;
  in >> one;
  return one;
}

// One experiment of `runs` runs; the cloud's rows in order, run by run.
void BuildDatabase(const std::string& path, size_t n, size_t dim, size_t runs) {
  const auto t0 = std::chrono::steady_clock::now();
  const auto cloud = panic::testing::CaptionLikeCloud(n, dim, 40, 0.45, 0.6, 1);
  auto db = std::move(panic::store::Database::Open(path, panic::store::OpenMode::kCreate,
                                                   panic::store::Durability::kNormal)).value();
  const std::string now = panic::NowIso();
  panic::store::ExperimentRecord e;
  e.id = panic::NewUuidV7();
  e.networks = {{"DummyT2I", "DummyI2T"}};
  e.seeds = {1};
  e.prompts = {"p"};
  e.embedding_models = {"DummyText"};
  e.max_length = static_cast<int64_t>(n / runs + 1);
  e.created_at = e.updated_at = now;
  std::vector<panic::store::RunRecord> run_records(runs);
  for (size_t r = 0; r < runs; ++r) {
    run_records[r].id = panic::NewUuidV7();
    run_records[r].experiment_id = e.id;
    run_records[r].run_number = static_cast<int64_t>(r);
    run_records[r].network = e.networks[0];
    run_records[r].seed = static_cast<int64_t>(r);
    run_records[r].max_length = e.max_length;
    run_records[r].initial_prompt = "p";
  }
  panic::Status s = db->Write([&](panic::store::SqliteDb& c) { return panic::store::experiments::Insert(c, e, run_records); });
  if (!s.ok()) std::abort();
  size_t row = 0;
  for (size_t r = 0; r < runs; ++r) {
    const size_t steps = (n * (r + 1)) / runs - (n * r) / runs;
    std::vector<panic::store::InvocationRecord> invocations(steps);
    std::vector<panic::store::EmbeddingRecord> embeddings(steps);
    for (size_t k = 0; k < steps; ++k, ++row) {
      auto& inv = invocations[k];
      inv.id = panic::NewUuidV7();
      inv.run_id = run_records[r].id;
      inv.sequence_number = static_cast<int64_t>(k);
      inv.model = "DummyI2T";
      inv.seed = 1;
      inv.output_text = "caption " + std::to_string(row);
      inv.started_at = inv.completed_at = now;
      auto& emb = embeddings[k];
      emb.id = panic::NewUuidV7();
      emb.invocation_id = inv.id;
      emb.embedding_model = "DummyText";
      emb.vector.assign(cloud.values.begin() + static_cast<std::ptrdiff_t>(row * dim),
                        cloud.values.begin() + static_cast<std::ptrdiff_t>((row + 1) * dim));
      emb.started_at = emb.completed_at = now;
    }
    s = db->Write([&](panic::store::SqliteDb& c) -> panic::Status {
      PANIC_RETURN_IF_ERROR(panic::store::invocations::InsertStep(c, invocations, {}));
      return panic::store::embeddings::Insert(c, embeddings);
    });
    if (!s.ok()) {
      std::fprintf(stderr, "%s\n", s.ToString().c_str());
      std::exit(1);
    }
  }
  std::fprintf(stderr, "built %s: %zu embeddings × %zu in %zu runs, %.1f s\n", path.c_str(), n, dim, runs,
               std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: %s N --db PATH [--threads T] [--runs R] [--dim D] [--exact|--approximate] "
                         "[--downsample K]\n", argv[0]);
    return 2;
  }
  const size_t n = std::strtoull(argv[1], nullptr, 10);
  std::string path = "/tmp/bench_cluster_run.db";
  size_t dim = 768, runs = 200;
  panic::engine::ClusteringJob job;
  job.parameters.threads = panic::DefaultThreads();
  for (int i = 2; i < argc; ++i) {
    const std::string a = argv[i];
    auto next = [&] { return i + 1 < argc ? std::string(argv[++i]) : std::string("0"); };
    if (a == "--db") path = next();
    else if (a == "--threads") job.parameters.threads = std::stoi(next());
    else if (a == "--runs") runs = std::stoul(next());
    else if (a == "--dim") dim = std::stoul(next());
    else if (a == "--downsample") job.downsample = std::stoll(next());
    else if (a == "--exact") job.parameters.path = panic::cluster::HdbscanPath::kExact;
    else if (a == "--approximate") job.parameters.path = panic::cluster::HdbscanPath::kApproximate;
  }
  if (!std::filesystem::exists(path)) BuildDatabase(path, n, dim, runs);
  // The CLI's defaults (the Python reference's), over every experiment.
  job.all_experiments = true;
  const std::string load = LoadAverage();
  auto db = std::move(panic::store::Database::Open(path, panic::store::OpenMode::kWrite)).value();
  double cpu_start = CpuSeconds(), cpu_cluster_start = 0, cpu_cluster_end = 0;
  const auto t0 = std::chrono::steady_clock::now();
  auto elapsed = [&] { return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count(); };
  // Each phase's end as it happens (stderr), so a run stopped early still tells its split.
  job.progress = [&](const panic::engine::ProgressEvent& e) {
    if (e.stage == "read" && e.finished) {
      std::fprintf(stderr, "read %lld vectors: %.1f s wall, %.1f s CPU (load %s)\n", static_cast<long long>(e.done),
                   elapsed(), CpuSeconds() - cpu_start, LoadAverage().c_str());
    }
    if (e.stage == "cluster" && !e.finished) cpu_cluster_start = CpuSeconds();
    if (e.stage == "cluster" && e.finished) {
      cpu_cluster_end = CpuSeconds();
      std::fprintf(stderr, "clustered: %.1f s wall since start, %.1f s CPU in the algorithm (load %s)\n", elapsed(),
                   cpu_cluster_end - cpu_cluster_start, LoadAverage().c_str());
    }
  };
  auto results = panic::engine::RunClusteringJob(*db, job);
  const double total = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  const double cpu_end = CpuSeconds();
  if (!results.ok()) {
    std::fprintf(stderr, "%s\n", results.status().ToString().c_str());
    return 1;
  }
  const auto& r = results->front();
  std::printf("n=%lld path=%s read_s=%.2f cluster_s=%.2f write_s=%.2f total_s=%.2f outside=%.1f%% "
              "cpu_read=%.2f cpu_cluster=%.2f cpu_write=%.2f peak_rss_mib=%.0f clusters=%lld outliers=%lld load1=%s\n",
              static_cast<long long>(*r.point_count), r.path->c_str(), *r.read_seconds, *r.cluster_seconds,
              *r.write_seconds, total, 100.0 * (total - *r.cluster_seconds) / total, cpu_cluster_start - cpu_start,
              cpu_cluster_end - cpu_cluster_start, cpu_end - cpu_cluster_end, PeakRssMib(),
              static_cast<long long>(*r.cluster_count), static_cast<long long>(*r.outlier_count), load.c_str());
  return 0;
}
