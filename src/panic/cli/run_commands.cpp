#include "panic/cli/command.h"

namespace panic::cli {

std::vector<CommandSpec> RunCommands() { return {}; }

}  // namespace panic::cli
