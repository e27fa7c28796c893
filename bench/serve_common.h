// Shared by bench_serve_load and bench_serve_pages: building their databases through the
// engine, the process's RSS, and percentiles.
#pragma once

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <string>
#include <set>
#include <vector>

#include "panic/core/experiment_config.h"
#include "panic/engine/experiment_setup.h"
#include "panic/engine/pipeline.h"
#include "panic/models/registry.h"
#include "panic/store/database.h"

namespace panic::bench {

// VmRSS of this process in MiB (the current, not the peak).
inline double RssMiB() {
  std::ifstream f("/proc/self/status");
  std::string line;
  while (std::getline(f, line)) {
    if (line.rfind("VmRSS:", 0) == 0) return std::stod(line.substr(6)) / 1024.0;
  }
  return -1;
}

inline double Since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

inline double Percentile(std::vector<double> v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  const size_t i = std::min(v.size() - 1, static_cast<size_t>(p / 100.0 * static_cast<double>(v.size())));
  return v[i];
}

// Creates and runs an experiment of dummy models in `db` (created when missing).
inline Result<std::string> MakeExperiment(const std::string& db, const ExperimentConfig& cfg,
                                          const std::set<std::string>& stages) {
  PANIC_ASSIGN_OR_RETURN(auto store, store::Database::Open(db, store::OpenMode::kCreate, store::Durability::kNormal));
  PANIC_ASSIGN_OR_RETURN(std::string id, engine::CreateExperiment(*store, cfg));
  engine::PipelineOptions options;
  options.stages = stages;
  PANIC_RETURN_IF_ERROR(engine::ExecuteExperiment(*store, models::ModelRegistry::Default(), id, options).status());
  return id;
}

}  // namespace panic::bench
