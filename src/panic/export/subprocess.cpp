#include "panic/export/subprocess.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstring>
#include <ctime>

extern char** environ;

namespace panic::exporting {
namespace {

std::vector<char*> Argv(const std::vector<std::string>& argv) {
  std::vector<char*> out;
  for (const auto& a : argv) out.push_back(const_cast<char*>(a.c_str()));
  out.push_back(nullptr);
  return out;
}

// posix_spawnp with stdin ← `in_fd`, stdout → `out_fd` (or /dev/null when -1), stderr →
// the file `err_path` (or /dev/null when empty).
Result<pid_t> Spawn(const std::vector<std::string>& argv, int in_fd, int out_fd, const std::string& err_path) {
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, in_fd, 0);
  if (out_fd >= 0) {
    posix_spawn_file_actions_adddup2(&actions, out_fd, 1);
  } else {
    posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0);
  }
  posix_spawn_file_actions_addopen(&actions, 2, err_path.empty() ? "/dev/null" : err_path.c_str(),
                                   O_WRONLY | O_CREAT | O_TRUNC, 0600);
  pid_t pid = -1;
  auto args = Argv(argv);
  int rc = posix_spawnp(&pid, args[0], &actions, nullptr, args.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  if (rc != 0) return Status::IOError("cannot start '" + argv[0] + "': " + std::strerror(rc));
  return pid;
}

}  // namespace

int WaitForExit(pid_t pid) {
  int status = 0;
  while (waitpid(pid, &status, 0) < 0) {
    if (errno != EINTR) return -1;
  }
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
  return -1;
}

Result<SpawnedProcess> SpawnWithStdinPipe(const std::vector<std::string>& argv, const std::string& stderr_path) {
  int fds[2];
  if (pipe2(fds, O_CLOEXEC) != 0) return Status::IOError(std::string("pipe: ") + std::strerror(errno));
  auto pid = Spawn(argv, fds[0], -1, stderr_path);
  close(fds[0]);
  if (!pid.ok()) {
    close(fds[1]);
    return pid.status();
  }
  return SpawnedProcess{*pid, fds[1]};
}

Result<std::string> RunAndCapture(const std::vector<std::string>& argv, size_t max_bytes) {
  int out[2];
  if (pipe2(out, O_CLOEXEC) != 0) return Status::IOError(std::string("pipe: ") + std::strerror(errno));
  int null_in = open("/dev/null", O_RDONLY | O_CLOEXEC);
  auto pid = Spawn(argv, null_in, out[1], "");
  close(null_in);
  close(out[1]);
  if (!pid.ok()) {
    close(out[0]);
    return pid.status();
  }
  std::string text;
  char buf[65536];
  for (;;) {
    ssize_t n = read(out[0], buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    if (text.size() < max_bytes) text.append(buf, std::min(static_cast<size_t>(n), max_bytes - text.size()));
  }
  close(out[0]);
  int code = WaitForExit(*pid);
  if (code != 0) return Status::IOError("'" + argv[0] + "' exited with " + std::to_string(code));
  return text;
}

bool WriteAll(int fd, const void* data, size_t size) {
  // Block SIGPIPE in this thread; a SIGPIPE raised meanwhile is consumed before unblocking.
  sigset_t pipe_set, old_set;
  sigemptyset(&pipe_set);
  sigaddset(&pipe_set, SIGPIPE);
  pthread_sigmask(SIG_BLOCK, &pipe_set, &old_set);
  const char* p = static_cast<const char*>(data);
  bool ok = true;
  while (size > 0) {
    ssize_t n = write(fd, p, size);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      ok = false;
      break;
    }
    p += n;
    size -= static_cast<size_t>(n);
  }
  if (!ok && errno == EPIPE) {
    const int saved = errno;
    timespec zero{0, 0};
    sigtimedwait(&pipe_set, nullptr, &zero);
    errno = saved;
  }
  pthread_sigmask(SIG_SETMASK, &old_set, nullptr);
  return ok;
}

}  // namespace panic::exporting
