// SIGINT/SIGTERM → a cancel flag the engine checks between steps. A second SIGINT
// ends the process at once (what was committed stays; resume completes it).
#pragma once

#include "panic/engine/progress.h"

namespace panic::cli {

// Installs the handlers (idempotent) and returns the flag they set.
const engine::CancelFlag& InstallCancelHandlers();

}  // namespace panic::cli
