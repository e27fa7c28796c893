// A fault-injection seam in the manner of LevelDB's fault-injection tests: with
// PANIC_TDA_FAULT=before_commit:N (or after_commit:N) in the environment, the process
// _exit()s with kFaultExitCode right before (right after) its N-th write transaction
// commits. Every write transaction of the store commits through Transaction::Commit, which
// calls the two hooks below, so N counts the same commits on every run of the same command
// (lease heartbeats, which follow the clock, are not counted). Crash tests use it to stop a
// process at an exact point instead of racing it with a kill.
//
// PANIC_TDA_FAULT=sigint_after_open (or sigterm_after_open) raises that signal once, right
// after the process's first Database::Open succeeded: a Ctrl-C that lands while the
// database is open, at a moment a test can name (reader tests: the folder must be left as
// found, the output not written, the exit 130).
#pragma once

#include <cstdint>
#include <string_view>

#include "panic/core/status.h"

namespace panic::store {

inline constexpr int kFaultExitCode = 86;

struct FaultPlan {
  enum class When { kNever, kBeforeCommit, kAfterCommit, kSignalAfterOpen };
  When when = When::kNever;
  int64_t commit = 0;  // 1-based
  int signal = 0;      // kSignalAfterOpen: SIGINT or SIGTERM
};

// "" → never; "before_commit:N" / "after_commit:N" with N ≥ 1; "sigint_after_open" /
// "sigterm_after_open"; anything else InvalidArgument.
Result<FaultPlan> ParseFaultSpec(std::string_view spec);

// Called by Transaction::Commit around COMMIT. The plan is read from $PANIC_TDA_FAULT once;
// an invalid value prints why and exits with 2 before the first commit.
void BeforeCommitHook();
void AfterCommitHook();
// Called by Database::Open once the database is open.
void AfterOpenHook();

}  // namespace panic::store
