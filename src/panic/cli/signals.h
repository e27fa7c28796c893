// SIGINT/SIGTERM → a cancel flag the engine checks between steps. A second SIGINT
// ends the process at once (what was committed stays; resume completes it).
#pragma once

#include "panic/engine/progress.h"

namespace panic::cli {

// Installs the handlers (idempotent) and returns the flag they set.
const engine::CancelFlag& InstallCancelHandlers();

// SIGPIPE → a flag, so that a write to a pipe whose reader has gone (`panic-tda analyse
// drift | head`) fails with EPIPE instead of killing the process in the middle of the
// command: the command ends normally, closing its database (a reader killed with it open
// leaves the -wal and -shm that store/reader_files.h otherwise removes). Main then ends the
// process by SIGPIPE after all (DieOfBrokenPipe), as a shell pipeline expects. A handler,
// not SIG_IGN: exec resets it, so ffmpeg and the Python worker start with the default.
void InstallBrokenPipeHandler();
// Whether a SIGPIPE arrived since InstallBrokenPipeHandler.
bool BrokenPipeSeen();
// Restores SIGPIPE's default action and raises it: the process ends as killed by SIGPIPE.
[[noreturn]] void DieOfBrokenPipe();

}  // namespace panic::cli
