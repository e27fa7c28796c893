#include "panic/cli/command.h"

namespace panic::cli {

std::vector<CommandSpec> ModelCommands() { return {}; }

}  // namespace panic::cli
