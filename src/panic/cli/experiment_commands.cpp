#include "panic/cli/command.h"

namespace panic::cli {

std::vector<CommandSpec> ExperimentCommands() { return {}; }

}  // namespace panic::cli
