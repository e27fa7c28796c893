// Ctrl-C during an export: `cancel` (the CLI's SIGINT/SIGTERM flag, cli/signals.h; null:
// never) is checked between units of work and once more before the file is committed. An
// export that sees it set returns Cancelled without committing, and its AtomicFile removes
// the temporary file (core/atomic_file.h): no partial output appears.
#pragma once

#include <atomic>
#include <string>

#include "panic/core/status.h"

namespace panic::exporting {

inline Status CheckCancel(const std::atomic<bool>* cancel, const std::string& what) {
  return cancel != nullptr && cancel->load() ? Status::Cancelled(what + " interrupted") : Status::Ok();
}

}  // namespace panic::exporting
