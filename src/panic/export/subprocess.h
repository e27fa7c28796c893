// Starting helper programs (ffmpeg) without a shell: arguments are passed as they are,
// so paths and names from the database can hold any character.
//
// Thread safety: free functions; call from any thread.
#pragma once

#include <sys/types.h>

#include <string>
#include <vector>

#include "panic/core/status.h"

namespace panic::exporting {

struct SpawnedProcess {
  pid_t pid = -1;
  int stdin_fd = -1;  // the write end of the child's stdin pipe (close-on-exec)
};

// Starts argv[0] (looked up on PATH) with stdin from a new pipe, stdout to /dev/null and
// stderr to `stderr_path` (truncated). IOError when it cannot be started.
Result<SpawnedProcess> SpawnWithStdinPipe(const std::vector<std::string>& argv, const std::string& stderr_path);

// Runs argv to completion and returns its stdout (stderr discarded); IOError when it
// cannot be started or exits non-zero. Output is capped at `max_bytes`.
Result<std::string> RunAndCapture(const std::vector<std::string>& argv, size_t max_bytes = 1 << 22);

// Waits for the child; returns its exit code, or 128 + signal when a signal ended it.
int WaitForExit(pid_t pid);

// Writes all of `data` to `fd`, with SIGPIPE blocked so that a dead reader gives EPIPE
// instead of killing this process. False on any error (errno is set).
bool WriteAll(int fd, const void* data, size_t size);

}  // namespace panic::exporting
