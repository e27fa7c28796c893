// A fault-injection seam in the manner of LevelDB's fault-injection tests: with
// PANIC_TDA_FAULT=before_commit:N (or after_commit:N) in the environment, the process
// _exit()s with kFaultExitCode right before (right after) its N-th write transaction
// commits. Every write transaction of the store commits through Transaction::Commit, which
// calls the two hooks below, so N counts the same commits on every run of the same command
// (lease heartbeats, which follow the clock, are not counted). Crash tests use it to stop a
// process at an exact point instead of racing it with a kill.
#pragma once

#include <cstdint>
#include <string_view>

#include "panic/core/status.h"

namespace panic::store {

inline constexpr int kFaultExitCode = 86;

struct FaultPlan {
  enum class When { kNever, kBeforeCommit, kAfterCommit };
  When when = When::kNever;
  int64_t commit = 0;  // 1-based
};

// "" → never; "before_commit:N" / "after_commit:N" with N ≥ 1; anything else InvalidArgument.
Result<FaultPlan> ParseFaultSpec(std::string_view spec);

// Called by Transaction::Commit around COMMIT. The plan is read from $PANIC_TDA_FAULT once;
// an invalid value prints why and exits with 2 before the first commit.
void BeforeCommitHook();
void AfterCommitHook();

}  // namespace panic::store
