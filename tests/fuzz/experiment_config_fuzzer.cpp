// libFuzzer target: the experiment config parser (core/experiment_config.h) and the
// stored-options parser. Only clean errors are expected; a parsed config is checked for
// the invariants the engine relies on.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "panic/core/experiment_config.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  auto cfg = panic::ParseExperimentConfig(text, "fuzz");
  if (cfg.ok()) {
    if (cfg->networks.empty() || cfg->seeds.empty() || cfg->prompts.empty() || cfg->max_length <= 0) __builtin_trap();
    if (!panic::ParseExperimentOptions(cfg->options_json).ok()) __builtin_trap();
  }
  (void)panic::ParseExperimentOptions(text);
  return 0;
}
