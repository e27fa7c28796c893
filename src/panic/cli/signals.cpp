#include "panic/cli/signals.h"

#include <csignal>

namespace panic::cli {
namespace {

engine::CancelFlag g_cancel{false};
static_assert(engine::CancelFlag::is_always_lock_free, "the cancel flag is set from a signal handler");

extern "C" void OnSignal(int sig) {
  if (g_cancel.load()) {
    std::signal(sig, SIG_DFL);
    std::raise(sig);
    return;
  }
  g_cancel.store(true);
}

}  // namespace

const engine::CancelFlag& InstallCancelHandlers() {
  std::signal(SIGINT, OnSignal);
  std::signal(SIGTERM, OnSignal);
  return g_cancel;
}

}  // namespace panic::cli
