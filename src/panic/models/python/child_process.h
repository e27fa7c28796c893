// A child process with a bidirectional binary channel on its stdin/stdout (a Unix
// stream socket pair, so that writing to a dead child returns EPIPE instead of raising
// SIGPIPE) and its stderr copied line by line into the process log (core/log.h).
// Reads and writes take deadlines, so a hung child never blocks the caller forever.
//
// Thread safety: Send/ReceiveExactly from one thread at a time (the owner serialises);
// the stderr copier runs on its own thread and only touches the stderr tail.
#pragma once

#include <sys/types.h>

#include <atomic>
#include <chrono>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "panic/core/status.h"

namespace panic::models::python {

using Clock = std::chrono::steady_clock;

class ChildProcess {
 public:
  // Starts argv[0] (looked up as a path, not in $PATH) with `env` added to the current
  // environment (entries replace variables of the same name). `log_name` prefixes the
  // copied stderr lines. NotFound when argv[0] does not exist, IOError for other
  // failures to start it.
  static Result<std::unique_ptr<ChildProcess>> Start(const std::vector<std::string>& argv,
                                                     const std::vector<std::pair<std::string, std::string>>& env,
                                                     std::string log_name);
  ~ChildProcess();  // kills the child if it still runs
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;

  pid_t pid() const { return pid_; }
  // Writes all of `bytes` before `deadline`. IOError when the child is gone or the deadline passes.
  Status Send(std::string_view bytes, Clock::time_point deadline);
  // Reads exactly n bytes into `out` (appended). IOError on EOF, with what stderr said
  // last; a DeadlineExceeded-style IOError naming the timeout when the deadline passes.
  Status ReceiveExactly(size_t n, std::string& out, Clock::time_point deadline);
  // True when the last failure was a deadline (as opposed to EOF or an error).
  bool timed_out() const { return timed_out_; }
  // Closes stdin and waits up to `grace` for the child to exit, then kills it.
  // Returns a description of how it ended ("exit code 0", "killed by signal 9").
  std::string Stop(std::chrono::milliseconds grace);
  // SIGKILL now, then reaps it.
  std::string Kill();
  // The last lines the child wrote to stderr (at most 20), joined by " | ".
  std::string StderrTail() const;
  // StderrTail() once the child's stderr has reached EOF, or after `wait` at most
  // (for error messages about a child that just died).
  std::string StderrTailAfterExit(std::chrono::milliseconds wait) const;

 private:
  ChildProcess() = default;
  void CopyStderr();
  std::string Reap(bool block);

  pid_t pid_ = -1;
  int channel_ = -1;  // our end of the stdin/stdout socket pair, non-blocking
  int stderr_ = -1;   // read end of the stderr pipe
  bool timed_out_ = false;
  std::atomic<bool> stop_copying_{false};  // set once the child is reaped
  std::atomic<bool> copier_done_{false};
  bool reaped_ = false;
  std::string exit_description_;
  std::string log_name_;
  std::thread stderr_thread_;
  mutable std::mutex tail_mu_;
  std::deque<std::string> tail_;  // GUARDED_BY(tail_mu_)
};

}  // namespace panic::models::python
