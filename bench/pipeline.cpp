// Pipeline throughput on dummy models: creates a fresh database, runs a dummy
// experiment through the library (the same code as `experiment run`) and reports
// invocations stored per second, images included.
//
//   bench_pipeline [--networks 4] [--seeds 8] [--prompts 4] [--max-length 200]
//                  [--threads N] [--sync full|normal] [--loops on|off] [--db PATH]
//                  [--stages runs|all] [--embedding-models DummyText,DummyVision] [--maxdim 2]
//
// With --stages all it also reports embeddings/s, diagrams/s and, per stage, the share of
// wall time outside the models and the kernel (meaningful with --threads 1).
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>

#include "panic/core/experiment_config.h"
#include "panic/core/parallel.h"
#include "panic/engine/experiment_setup.h"
#include "panic/engine/pipeline.h"
#include "panic/models/registry.h"
#include "panic/store/database.h"

using namespace panic;

int main(int argc, char** argv) {
  int networks = 4, seeds = 8, prompts = 4, max_length = 200, threads = DefaultThreads();
  std::string sync = "full", loops = "off", db = "/tmp/panic_bench_pipeline.db", stages = "runs";
  std::string embedding_models = "DummyText";
  int maxdim = 2;
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string k = argv[i], v = argv[i + 1];
    if (k == "--networks") networks = std::atoi(v.c_str());
    else if (k == "--seeds") seeds = std::atoi(v.c_str());
    else if (k == "--prompts") prompts = std::atoi(v.c_str());
    else if (k == "--max-length") max_length = std::atoi(v.c_str());
    else if (k == "--threads") threads = std::atoi(v.c_str());
    else if (k == "--sync") sync = v;
    else if (k == "--loops") loops = v;
    else if (k == "--db") db = v;
    else if (k == "--stages") stages = v;
    else if (k == "--embedding-models") embedding_models = v;
    else if (k == "--maxdim") maxdim = std::atoi(v.c_str());
    else {
      std::fprintf(stderr, "unknown flag %s\n", k.c_str());
      return 2;
    }
  }
  const std::vector<std::vector<std::string>> all_networks = {
      {"DummyT2I", "DummyI2T"}, {"DummyT2I2", "DummyI2T2"}, {"DummyT2I", "DummyI2T2"}, {"DummyT2I2", "DummyI2T"}};
  ExperimentConfig cfg;
  for (int n = 0; n < networks; ++n) cfg.networks.push_back(all_networks[n % all_networks.size()]);
  for (int s = 0; s < seeds; ++s) cfg.seeds.push_back(s + 1);
  for (int p = 0; p < prompts; ++p) cfg.prompts.push_back("benchmark prompt number " + std::to_string(p));
  for (size_t at = 0; at <= embedding_models.size();) {
    size_t comma = embedding_models.find(',', at);
    if (comma == std::string::npos) comma = embedding_models.size();
    cfg.embedding_models.push_back(embedding_models.substr(at, comma - at));
    at = comma + 1;
  }
  cfg.max_length = max_length;
  cfg.options_json = std::string("{\"maxdim\": ") + std::to_string(maxdim) +
                     (loops == "on" ? "}" : ", \"loop_detection\": \"off\"}");

  for (const char* suffix : {"", "-wal", "-shm"}) std::filesystem::remove(db + suffix);
  auto store = store::Database::Open(db, store::OpenMode::kCreate,
                                     sync == "full" ? store::Durability::kFull : store::Durability::kNormal);
  if (!store.ok()) {
    std::fprintf(stderr, "%s\n", store.status().ToString().c_str());
    return 1;
  }
  auto id = engine::CreateExperiment(**store, cfg);
  if (!id.ok()) return 1;
  engine::PipelineOptions options;
  if (stages != "all") options.stages = {"runs"};
  options.threads = threads;
  auto t0 = std::chrono::steady_clock::now();
  auto result = engine::ExecuteExperiment(**store, models::ModelRegistry::Default(), *id, options);
  double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  if (!result.ok()) {
    std::fprintf(stderr, "%s\n", result.status().ToString().c_str());
    return 1;
  }
  std::printf("runs stage: %d networks x %d seeds x %d prompts, max_length %d, loops %s, sync %s, %d threads\n",
              networks, seeds, prompts, max_length, loops.c_str(), sync.c_str(), threads);
  // Wall time of each stage excludes the passes of the stages that followed its runs.
  for (const auto& r : result->stages) {
    if (!r.ran) continue;
    const auto& t = r.timing;
    const double outside = t.wall_s > 0 ? 100.0 * (1.0 - (t.model_s + t.kernel_s) / t.wall_s) : 0.0;
    std::printf("%-11s %lld %s in %.3f s = %.2f/s; in models %.3f s, in kernel %.3f s, outside %.1f%%\n",
                (r.name + ":").c_str(), static_cast<long long>(r.written), r.unit.c_str(), t.wall_s,
                t.wall_s > 0 ? r.written / t.wall_s : 0.0, t.model_s, t.kernel_s, outside);
  }
  std::printf("total %.3f s, db %.1f MiB\n", s, std::filesystem::file_size(db) / 1048576.0);
  return 0;
}
