#include "panic/engine/experiment_setup.h"

#include "panic/core/time.h"
#include "panic/core/uuid.h"
#include "panic/engine/config_limits.h"
#include "panic/store/experiments_table.h"

namespace panic::engine {

Result<std::string> CreateExperiment(store::Database& db, const ExperimentConfig& config) {
  PANIC_RETURN_IF_ERROR(ValidateConfigSize(config));
  store::ExperimentRecord e;
  e.id = NewUuidV7();
  e.networks = config.networks;
  e.seeds = config.seeds;
  e.prompts = config.prompts;
  e.embedding_models = config.embedding_models;
  e.max_length = config.max_length;
  e.options_json = config.options_json;
  e.created_at = NowIso();
  e.updated_at = e.created_at;

  std::vector<store::RunRecord> runs;
  runs.reserve(config.networks.size() * config.seeds.size() * config.prompts.size());
  int64_t number = 0;
  for (const auto& network : config.networks) {
    for (int64_t seed : config.seeds) {
      for (const auto& prompt : config.prompts) {
        store::RunRecord r;
        r.id = NewUuidV7();
        r.experiment_id = e.id;
        r.run_number = number++;
        r.network = network;
        r.seed = seed;
        r.max_length = config.max_length;
        r.initial_prompt = prompt;
        runs.push_back(std::move(r));
      }
    }
  }
  PANIC_RETURN_IF_ERROR(db.Write([&](store::SqliteDb& c) { return store::experiments::Insert(c, e, runs); }));
  return e.id;
}

}  // namespace panic::engine
