// The commands of issue 13: `doctor` (doctor_commands.cpp) and `import python|elixir`
// (import_commands.cpp); LegacyCommands (command.h) lists them all.
#pragma once

#include <vector>

#include "panic/cli/command.h"

namespace panic::cli {

CommandSpec DoctorSpec();
std::vector<CommandSpec> ImportCommands();

}  // namespace panic::cli
