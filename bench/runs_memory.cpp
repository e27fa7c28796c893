// Memory and time of the runs stage at many runs (issue 9 §8): creates an experiment of
// --runs runs (one network of dummy models, --max-length steps each, one prompt per run),
// reports the time to create it and the peak resident memory (getrusage ru_maxrss), then
// runs the runs stage in a fresh process (itself, --phase runs) so that its peak is its own.
//
//   bench_runs_memory [--runs 100000] [--max-length 5] [--threads 1] [--db PATH]
//                     [--sync normal|full] [--phase all|create|runs]
//
// Targets: 100 000 runs created in ≤ 10 s; the runs stage under 500 MB peak.
#include <sys/resource.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>

#include "panic/core/experiment_config.h"
#include "panic/engine/experiment_setup.h"
#include "panic/engine/pipeline.h"
#include "panic/models/registry.h"
#include "panic/store/database.h"
#include "panic/store/experiments_table.h"

using namespace panic;

namespace {

double PeakRssMiB() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return static_cast<double>(u.ru_maxrss) / 1024.0;  // ru_maxrss is in KiB on Linux
}

double Since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

}  // namespace

int main(int argc, char** argv) {
  int64_t runs = 100000;
  int max_length = 5, threads = 1;
  std::string db = "/tmp/panic_bench_runs_memory.db", sync = "normal", phase = "all";
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string k = argv[i], v = argv[i + 1];
    if (k == "--runs") runs = std::atoll(v.c_str());
    else if (k == "--max-length") max_length = std::atoi(v.c_str());
    else if (k == "--threads") threads = std::atoi(v.c_str());
    else if (k == "--db") db = v;
    else if (k == "--sync") sync = v;
    else if (k == "--phase") phase = v;
    else {
      std::fprintf(stderr, "unknown flag %s\n", k.c_str());
      return 2;
    }
  }
  const auto durability = sync == "full" ? store::Durability::kFull : store::Durability::kNormal;
  if (phase == "runs") {
    auto store = store::Database::Open(db, store::OpenMode::kWrite, durability);
    if (!store.ok()) return 1;
    auto id = store::experiments::ResolveId((*store)->connection(), "latest");
    if (!id.ok()) return 1;
    engine::PipelineOptions options;
    options.stages = {"runs"};
    options.threads = threads;
    const auto t0 = std::chrono::steady_clock::now();
    auto result = engine::ExecuteExperiment(**store, models::ModelRegistry::Default(), *id, options);
    if (!result.ok()) {
      std::fprintf(stderr, "%s\n", result.status().ToString().c_str());
      return 1;
    }
    std::printf("runs stage: %lld invocations in %.2f s, peak RSS %.1f MiB (its own process)\n",
                static_cast<long long>(result->written("runs")), Since(t0), PeakRssMiB());
    return 0;
  }
  ExperimentConfig cfg;
  cfg.networks = {{"DummyT2I", "DummyI2T"}};
  cfg.seeds = {-1};
  for (int64_t p = 0; p < runs; ++p) cfg.prompts.push_back("prompt number " + std::to_string(p));
  cfg.embedding_models = {"DummyText"};
  cfg.max_length = max_length;
  cfg.options_json = R"({"loop_detection": "off"})";

  for (const char* suffix : {"", "-wal", "-shm"}) std::filesystem::remove(db + suffix);
  auto store = store::Database::Open(db, store::OpenMode::kCreate, durability);
  if (!store.ok()) {
    std::fprintf(stderr, "%s\n", store.status().ToString().c_str());
    return 1;
  }
  const double rss_config = PeakRssMiB();
  auto t0 = std::chrono::steady_clock::now();
  auto id = engine::CreateExperiment(**store, cfg);
  if (!id.ok()) {
    std::fprintf(stderr, "%s\n", id.status().ToString().c_str());
    return 1;
  }
  const double create_s = Since(t0);
  const double rss_created = PeakRssMiB();
  std::printf("%lld runs x max_length %d, sync %s, %d thread(s)\n", static_cast<long long>(runs), max_length,
              sync.c_str(), threads);
  std::printf("config in memory: peak RSS %.1f MiB\n", rss_config);
  std::printf("create experiment: %.2f s, peak RSS %.1f MiB\n", create_s, rss_created);
  std::fflush(stdout);
  if (phase == "all") {
    store->reset();
    const std::string self = std::string(argv[0]) + " --phase runs --db '" + db + "' --sync " + sync +
                             " --threads " + std::to_string(threads);
    if (std::system(self.c_str()) != 0) return 1;
  }
  std::printf("db %.1f MiB\n", std::filesystem::file_size(db) / 1048576.0);
  return 0;
}
