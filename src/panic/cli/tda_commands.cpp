#include "panic/cli/command.h"

namespace panic::cli {

std::vector<CommandSpec> TdaCommands() { return {}; }

}  // namespace panic::cli
