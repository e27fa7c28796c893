#include "panic/store/fault_injection.h"

#include <unistd.h>

#include <atomic>
#include <charconv>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <string>

namespace panic::store {
namespace {

const FaultPlan& Plan() {
  static const FaultPlan plan = [] {
    const char* env = std::getenv("PANIC_TDA_FAULT");
    auto parsed = ParseFaultSpec(env ? env : "");
    if (!parsed.ok()) {
      std::fprintf(stderr, "error: %s\n", parsed.status().message().c_str());
      std::_Exit(2);
    }
    return *parsed;
  }();
  return plan;
}

// Commits started by this process (all connections): the N of the plan.
std::atomic<int64_t> g_commits{0};
thread_local int64_t t_current = 0;  // the number of the commit this thread is making

void Die(const char* when) {
  char msg[96];
  const int n = std::snprintf(msg, sizeof msg, "PANIC_TDA_FAULT: exiting %s commit %lld\n", when,
                              static_cast<long long>(t_current));
  if (n > 0) (void)!::write(2, msg, static_cast<size_t>(n));
  ::_exit(kFaultExitCode);
}

}  // namespace

Result<FaultPlan> ParseFaultSpec(std::string_view spec) {
  FaultPlan plan;
  if (spec.empty()) return plan;
  if (spec == "sigint_after_open" || spec == "sigterm_after_open") {
    plan.when = FaultPlan::When::kSignalAfterOpen;
    plan.signal = spec == "sigint_after_open" ? SIGINT : SIGTERM;
    return plan;
  }
  const size_t colon = spec.find(':');
  const std::string_view kind = spec.substr(0, colon);
  if (kind == "before_commit") plan.when = FaultPlan::When::kBeforeCommit;
  else if (kind == "after_commit") plan.when = FaultPlan::When::kAfterCommit;
  const std::string_view number = colon == std::string_view::npos ? std::string_view() : spec.substr(colon + 1);
  auto [end, ec] = std::from_chars(number.data(), number.data() + number.size(), plan.commit);
  if (plan.when == FaultPlan::When::kNever || number.empty() || ec != std::errc() ||
      end != number.data() + number.size() || plan.commit < 1) {
    return Status::InvalidArgument("PANIC_TDA_FAULT: '" + std::string(spec) +
                                   "' is not allowed (before_commit:N or after_commit:N, N an integer >= 1, "
                                   "sigint_after_open or sigterm_after_open)");
  }
  return plan;
}

void BeforeCommitHook() {
  const FaultPlan& plan = Plan();
  t_current = g_commits.fetch_add(1) + 1;
  if (plan.when == FaultPlan::When::kBeforeCommit && t_current == plan.commit) Die("before");
}

void AfterCommitHook() {
  const FaultPlan& plan = Plan();
  if (plan.when == FaultPlan::When::kAfterCommit && t_current == plan.commit) Die("after");
}

void AfterOpenHook() {
  const FaultPlan& plan = Plan();
  static std::atomic<bool> raised{false};
  if (plan.when == FaultPlan::When::kSignalAfterOpen && !raised.exchange(true)) std::raise(plan.signal);
}

}  // namespace panic::store
