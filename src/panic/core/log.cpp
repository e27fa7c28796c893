#include "panic/core/log.h"

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <mutex>

#include "panic/core/time.h"

namespace panic {
namespace {

std::mutex g_log_mu;
std::atomic<bool> g_to_stderr{true};
thread_local std::string t_context;

const char* LevelName(LogLevel level) {
  switch (level) {
    case LogLevel::kInfo: return "info";
    case LogLevel::kWarning: return "warning";
    case LogLevel::kError: return "error";
  }
  return "?";
}

}  // namespace

void SetLogToStderr(bool enabled) { g_to_stderr = enabled; }

const std::string& CurrentLogContext() { return t_context; }

LogScope::LogScope(std::string context) : previous_(std::move(t_context)) { t_context = std::move(context); }
LogScope::~LogScope() { t_context = std::move(previous_); }

void Log(LogLevel level, const std::string& message) {
  std::string line = NowIso() + " " + LevelName(level) + ": " +
                     (t_context.empty() ? "" : "[" + t_context + "] ") + message + "\n";
  std::lock_guard<std::mutex> lock(g_log_mu);
  if (g_to_stderr) std::fputs(line.c_str(), stderr);
  if (const char* path = std::getenv("PANIC_TDA_LOG"); path && *path) {
    if (FILE* f = std::fopen(path, "a")) {
      std::fputs(line.c_str(), f);
      std::fclose(f);
    }
  }
}

}  // namespace panic
