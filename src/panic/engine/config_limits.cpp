#include "panic/engine/config_limits.h"

#include <string>

namespace panic::engine {

Status ValidateConfigSize(const ExperimentConfig& config) {
  // Products are checked by division, so that no multiplication can overflow.
  const auto networks = static_cast<int64_t>(config.networks.size());
  const auto seeds = static_cast<int64_t>(config.seeds.size());
  const auto prompts = static_cast<int64_t>(config.prompts.size());
  const std::string shape = std::to_string(networks) + " networks × " + std::to_string(seeds) + " seeds × " +
                            std::to_string(prompts) + " prompts";
  if (networks > 0 && seeds > 0 && prompts > 0 &&
      (seeds > kMaxRuns / networks || prompts > kMaxRuns / (networks * seeds))) {
    return Status::InvalidArgument("config: " + shape + " is more than " + std::to_string(kMaxRuns) +
                                   " runs, the most one experiment may have; split it into several experiments");
  }
  int64_t prompt_bytes = 0;
  for (const auto& p : config.prompts) prompt_bytes += static_cast<int64_t>(p.size());
  const int64_t copies = networks * seeds;  // each run stores its prompt
  if (copies > 0 && prompt_bytes > kMaxRunPromptBytes / copies) {
    return Status::InvalidArgument("config: the prompts (" + std::to_string(prompt_bytes) + " bytes) stored once per "
                                   "run (" + shape + ") exceed " + std::to_string(kMaxRunPromptBytes >> 20) +
                                   " MiB, the most one experiment may hold; split it into several experiments");
  }
  return Status::Ok();
}

}  // namespace panic::engine
