// A minimal process-wide log: timestamped lines to stderr, and also appended to the file
// named by $PANIC_TDA_LOG when set. For events a researcher wants to find later
// (retries, restarts, failures), not for progress (engine/progress.h).
//
// Thread safety: lines from different threads never interleave.
#pragma once

#include <string>

namespace panic {

enum class LogLevel { kInfo, kWarning, kError };

void Log(LogLevel level, const std::string& message);
// Silences stderr output (tests, --json scripts); the log file, if any, still gets lines.
void SetLogToStderr(bool enabled);

// A thread-local description of what the current thread is doing ("experiment 0192…
// run 3 step 41"), put in front of every log line it writes. Set it with LogScope.
const std::string& CurrentLogContext();

class LogScope {
 public:
  explicit LogScope(std::string context);
  ~LogScope();
  LogScope(const LogScope&) = delete;
  LogScope& operator=(const LogScope&) = delete;

 private:
  std::string previous_;
};

}  // namespace panic
