#include "panic/cli/signals.h"

#include <unistd.h>

#include <csignal>

namespace panic::cli {
namespace {

engine::CancelFlag g_cancel{false};
static_assert(engine::CancelFlag::is_always_lock_free, "the cancel flag is set from a signal handler");
volatile std::sig_atomic_t g_broken_pipe = 0;

extern "C" void OnBrokenPipe(int) { g_broken_pipe = 1; }

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

void InstallBrokenPipeHandler() {
  struct sigaction action {};
  action.sa_handler = OnBrokenPipe;
  sigemptyset(&action.sa_mask);
  action.sa_flags = SA_RESTART;
  sigaction(SIGPIPE, &action, nullptr);
}

bool BrokenPipeSeen() { return g_broken_pipe != 0; }

void DieOfBrokenPipe() {
  std::signal(SIGPIPE, SIG_DFL);
  std::raise(SIGPIPE);  // SIGPIPE is not blocked in this thread: it ends the process here
  _exit(128 + SIGPIPE);
}

}  // namespace panic::cli
