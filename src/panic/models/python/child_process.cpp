#include "panic/models/python/child_process.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <map>

#include "panic/core/log.h"

extern char** environ;

namespace panic::models::python {
namespace {

constexpr size_t kStderrTailLines = 20;
constexpr int kSocketBuffer = 4 << 20;

std::string Errno(const std::string& what) { return what + ": " + std::strerror(errno); }

int RemainingMs(Clock::time_point deadline) {
  const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
  if (left <= 0) return 0;
  return left > 1'000'000'000 ? 1'000'000'000 : static_cast<int>(left) + 1;
}

}  // namespace

Result<std::unique_ptr<ChildProcess>> ChildProcess::Start(const std::vector<std::string>& argv,
                                                          const std::vector<std::pair<std::string, std::string>>& env,
                                                          std::string log_name) {
  struct stat st {};
  if (argv.empty() || ::stat(argv[0].c_str(), &st) != 0) {
    return Status::NotFound("Python interpreter '" + (argv.empty() ? std::string() : argv[0]) +
                            "' not found (give another with --python, $PANIC_TDA_PYTHON or options.python)");
  }
  int sv[2];
  if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0) return Status::IOError(Errno("socketpair"));
  int err_pipe[2];
  if (::pipe2(err_pipe, O_CLOEXEC) != 0) {
    ::close(sv[0]);
    ::close(sv[1]);
    return Status::IOError(Errno("pipe2"));
  }
  for (int fd : {sv[0], sv[1]}) {
    ::setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &kSocketBuffer, sizeof kSocketBuffer);
    ::setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &kSocketBuffer, sizeof kSocketBuffer);
  }

  std::map<std::string, std::string> vars;
  for (char** e = environ; e && *e; ++e) {
    std::string kv = *e;
    const size_t eq = kv.find('=');
    if (eq != std::string::npos) vars[kv.substr(0, eq)] = kv.substr(eq + 1);
  }
  for (const auto& [k, v] : env) vars[k] = v;
  std::vector<std::string> env_strings;
  for (const auto& [k, v] : vars) env_strings.push_back(k + "=" + v);
  std::vector<char*> envp, args;
  for (auto& s : env_strings) envp.push_back(s.data());
  envp.push_back(nullptr);
  std::vector<std::string> argv_copy = argv;
  for (auto& s : argv_copy) args.push_back(s.data());
  args.push_back(nullptr);

  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, sv[1], STDIN_FILENO);  // dup2 clears close-on-exec
  posix_spawn_file_actions_adddup2(&actions, sv[1], STDOUT_FILENO);
  posix_spawn_file_actions_adddup2(&actions, err_pipe[1], STDERR_FILENO);
  // Descriptors the engine inherited without close-on-exec (e.g. a test harness's
  // output pipe) must not be held open by the worker.
  posix_spawn_file_actions_addclosefrom_np(&actions, 3);
  posix_spawnattr_t attr;
  posix_spawnattr_init(&attr);
  sigset_t defaults;
  sigemptyset(&defaults);
  sigaddset(&defaults, SIGPIPE);
  sigaddset(&defaults, SIGINT);
  posix_spawnattr_setsigdefault(&attr, &defaults);
  sigset_t none;
  sigemptyset(&none);
  posix_spawnattr_setsigmask(&attr, &none);
  // Its own process group: a Ctrl-C at the terminal reaches the engine, which decides.
  posix_spawnattr_setpgroup(&attr, 0);
  posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETPGROUP);
  pid_t pid = -1;
  const int rc = ::posix_spawn(&pid, args[0], &actions, &attr, args.data(), envp.data());
  posix_spawn_file_actions_destroy(&actions);
  posix_spawnattr_destroy(&attr);
  ::close(sv[1]);
  ::close(err_pipe[1]);
  if (rc != 0) {
    ::close(sv[0]);
    ::close(err_pipe[0]);
    errno = rc;
    return Status::IOError(Errno("cannot start '" + argv[0] + "'"));
  }
  ::fcntl(sv[0], F_SETFL, ::fcntl(sv[0], F_GETFL) | O_NONBLOCK);

  std::unique_ptr<ChildProcess> child(new ChildProcess());
  child->pid_ = pid;
  child->channel_ = sv[0];
  child->stderr_ = err_pipe[0];
  child->log_name_ = std::move(log_name);
  child->stderr_thread_ = std::thread([c = child.get()] { c->CopyStderr(); });
  return child;
}

ChildProcess::~ChildProcess() {
  if (!reaped_) Kill();
  stop_copying_ = true;  // a grandchild holding stderr open must not block the join
  if (channel_ >= 0) ::close(channel_);
  if (stderr_thread_.joinable()) stderr_thread_.join();
  if (stderr_ >= 0) ::close(stderr_);
}

void ChildProcess::CopyStderr() {
  // Ends at EOF: when the child and everything it started have closed stderr.
  std::string pending;
  char buf[4096];
  while (true) {
    pollfd p{stderr_, POLLIN, 0};
    const int ready = ::poll(&p, 1, 100);
    if (ready < 0) continue;  // EINTR
    if (ready == 0) {
      if (stop_copying_) break;
      continue;
    }
    const ssize_t n = ::read(stderr_, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    pending.append(buf, static_cast<size_t>(n));
    size_t nl;
    while ((nl = pending.find('\n')) != std::string::npos) {
      std::string line = pending.substr(0, nl);
      pending.erase(0, nl + 1);
      if (line.empty()) continue;
      Log(LogLevel::kInfo, log_name_ + ": " + line);
      std::lock_guard<std::mutex> lock(tail_mu_);
      tail_.push_back(std::move(line));
      if (tail_.size() > kStderrTailLines) tail_.pop_front();
    }
  }
  if (!pending.empty()) {
    Log(LogLevel::kInfo, log_name_ + ": " + pending);
    std::lock_guard<std::mutex> lock(tail_mu_);
    tail_.push_back(pending);
  }
  copier_done_ = true;
}

std::string ChildProcess::StderrTailAfterExit(std::chrono::milliseconds wait) const {
  const auto deadline = Clock::now() + wait;
  while (!copier_done_ && Clock::now() < deadline) std::this_thread::sleep_for(std::chrono::milliseconds(2));
  return StderrTail();
}

std::string ChildProcess::StderrTail() const {
  std::lock_guard<std::mutex> lock(tail_mu_);
  std::string out;
  for (const auto& l : tail_) out += (out.empty() ? "" : " | ") + l;
  return out;
}

Status ChildProcess::Send(std::string_view bytes, Clock::time_point deadline) {
  timed_out_ = false;
  size_t sent = 0;
  while (sent < bytes.size()) {
    const ssize_t n = ::send(channel_, bytes.data() + sent, bytes.size() - sent, MSG_NOSIGNAL);
    if (n > 0) {
      sent += static_cast<size_t>(n);
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      pollfd p{channel_, POLLOUT, 0};
      const int ms = RemainingMs(deadline);
      if (ms == 0) {
        timed_out_ = true;
        return Status::IOError("the worker did not read its input in time");
      }
      ::poll(&p, 1, ms);
      continue;
    }
    return Status::IOError(Errno("the worker's input is closed (it exited?)"));
  }
  return Status::Ok();
}

Status ChildProcess::ReceiveExactly(size_t n, std::string& out, Clock::time_point deadline) {
  timed_out_ = false;
  const size_t start = out.size();
  out.resize(start + n);
  size_t got = 0;
  while (got < n) {
    const ssize_t r = ::recv(channel_, out.data() + start + got, n - got, 0);
    if (r > 0) {
      got += static_cast<size_t>(r);
      continue;
    }
    if (r == 0) {
      out.resize(start + got);
      return Status::IOError("the worker closed its output (it exited?)");
    }
    if (errno == EINTR) continue;
    if (errno == EAGAIN || errno == EWOULDBLOCK) {
      pollfd p{channel_, POLLIN, 0};
      const int ms = RemainingMs(deadline);
      if (ms == 0) {
        out.resize(start + got);
        timed_out_ = true;
        return Status::IOError("no answer from the worker in time");
      }
      ::poll(&p, 1, ms);
      continue;
    }
    out.resize(start + got);
    return Status::IOError(Errno("reading from the worker"));
  }
  return Status::Ok();
}

std::string ChildProcess::Reap(bool block) {
  if (reaped_) return exit_description_;
  int status = 0;
  pid_t r;
  do {
    r = ::waitpid(pid_, &status, block ? 0 : WNOHANG);
  } while (r < 0 && errno == EINTR);
  if (r != pid_) return "";
  reaped_ = true;
  if (WIFEXITED(status)) exit_description_ = "exit code " + std::to_string(WEXITSTATUS(status));
  else if (WIFSIGNALED(status)) exit_description_ = "killed by signal " + std::to_string(WTERMSIG(status));
  else exit_description_ = "ended";
  return exit_description_;
}

std::string ChildProcess::Stop(std::chrono::milliseconds grace) {
  ::shutdown(channel_, SHUT_WR);  // EOF on the child's stdin: the worker exits
  const auto deadline = Clock::now() + grace;
  while (Clock::now() < deadline) {
    std::string d = Reap(false);
    if (!d.empty()) return d;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return Kill();
}

std::string ChildProcess::Kill() {
  if (reaped_) return exit_description_;
  ::kill(pid_, SIGKILL);
  return Reap(true);
}

}  // namespace panic::models::python
