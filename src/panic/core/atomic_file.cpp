#include "panic/core/atomic_file.h"

#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <set>

namespace panic {
namespace {

namespace fs = std::filesystem;

std::string Errno(int error) { return std::strerror(error); }

// fsync of a path opened read-only (Linux syncs the file's data and metadata through any
// descriptor of it).
int SyncPath(const std::string& path, int flags) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | flags);
  if (fd < 0) return errno;
  const int rc = ::fsync(fd) == 0 ? 0 : errno;
  ::close(fd);
  return rc;
}

// write(2) until done; 0 or the errno.
int WriteAll(int fd, std::string_view bytes) {
  size_t done = 0;
  while (done < bytes.size()) {
    const ssize_t n = ::write(fd, bytes.data() + done, bytes.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return n < 0 ? errno : EIO;
    done += static_cast<size_t>(n);
  }
  return 0;
}

std::string FolderOf(const std::string& path) {
  const fs::path p(path);
  return p.has_parent_path() ? p.parent_path().string() : ".";
}

// A rename is durable once its folder is synced. A file system that cannot sync a folder
// (EINVAL) has no such step to take.
Status SyncFolder(const std::string& path, const std::string& folder) {
  if (const int e = SyncPath(folder, O_DIRECTORY); e != 0 && e != EINVAL) {
    return Status::IOError("cannot write '" + path + "': syncing its folder '" + folder + "': " + Errno(e));
  }
  return Status::Ok();
}

std::string RandomSuffix() {
  static constexpr char kChars[] = "abcdefghijklmnopqrstuvwxyz0123456789";
  unsigned char bytes[6] = {};
  if (::getrandom(bytes, sizeof bytes, 0) != static_cast<ssize_t>(sizeof bytes)) {
    const auto t = static_cast<unsigned>(::getpid()) * 2654435761u ^ static_cast<unsigned>(clock());
    for (size_t i = 0; i < sizeof bytes; ++i) bytes[i] = static_cast<unsigned char>(t >> (i * 5));
  }
  std::string s;
  for (unsigned char b : bytes) s += kChars[b % (sizeof kChars - 1)];
  return s;
}

// When this process started (static initialisation, before any AtomicFile): a temporary
// file last written before it cannot belong to an export this process is running.
// Read from the coarse clock, the one Linux stamps file times with: the fine clock runs up
// to a tick (1–10 ms) ahead of it, so a file written just after start could otherwise look
// older than the start and be removed. With the coarse clock a file written in the same
// tick as the start counts as not older, and is kept.
const timespec kProcessStart = [] {
  timespec t{};
#ifdef CLOCK_REALTIME_COARSE
  ::clock_gettime(CLOCK_REALTIME_COARSE, &t);
#else
  ::clock_gettime(CLOCK_REALTIME, &t);
#endif
  return t;
}();

// The pid in `name` when it is exactly `prefix` PID `-` six of [a-z0-9] `ext` (the name
// Create gives a temporary file of this destination); 0 for any other name.
pid_t TemporaryNamePid(std::string_view name, std::string_view prefix, std::string_view ext) {
  if (name.size() <= prefix.size() + ext.size() || name.substr(0, prefix.size()) != prefix ||
      name.substr(name.size() - ext.size()) != ext) {
    return 0;
  }
  const std::string_view middle = name.substr(prefix.size(), name.size() - prefix.size() - ext.size());
  const size_t dash = middle.find('-');
  if (dash == 0 || dash == std::string_view::npos || dash > 9 || middle.size() != dash + 7) return 0;
  long pid = 0;
  for (size_t i = 0; i < dash; ++i) {
    if (middle[i] < '0' || middle[i] > '9') return 0;
    pid = pid * 10 + (middle[i] - '0');
  }
  for (size_t i = dash + 1; i < middle.size(); ++i) {
    const char c = middle[i];
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'))) return 0;
  }
  return static_cast<pid_t>(pid);
}

// Removes the temporary files of this destination that a killed export left behind: a name
// of exactly this destination's pattern, a regular file, whose creator (the pid in its name)
// is gone and which was last written before this process started. Anything else — another
// destination's, a live process's (another export to the same file now), a name we would not
// have made — is left alone. Best effort: a file that cannot be removed stays, silently.
void RemoveStaleTemporaries(const fs::path& folder, const std::string& prefix, const std::string& ext) {
  DIR* dir = ::opendir(folder.c_str());
  if (dir == nullptr) return;
  const int dir_fd = ::dirfd(dir);
  while (const dirent* e = ::readdir(dir)) {
    const pid_t pid = TemporaryNamePid(e->d_name, prefix, ext);
    if (pid <= 0 || pid == ::getpid()) continue;
    if (::kill(pid, 0) == 0 || errno != ESRCH) continue;  // alive (EPERM: someone else's, alive)
    struct stat st {};
    if (::fstatat(dir_fd, e->d_name, &st, AT_SYMLINK_NOFOLLOW) != 0 || !S_ISREG(st.st_mode)) continue;
    const bool older = st.st_mtim.tv_sec < kProcessStart.tv_sec ||
                       (st.st_mtim.tv_sec == kProcessStart.tv_sec && st.st_mtim.tv_nsec < kProcessStart.tv_nsec);
    if (older) ::unlinkat(dir_fd, e->d_name, 0);
  }
  ::closedir(dir);
}

}  // namespace

Result<std::unique_ptr<AtomicFile>> AtomicFile::Create(const std::string& path) {
  std::unique_ptr<AtomicFile> f(new AtomicFile());
  f->path_ = path;
  f->target_ = path;
  struct stat st {};
  if (::stat(path.c_str(), &st) == 0) {
    if (S_ISDIR(st.st_mode)) return Status::IOError("cannot write '" + path + "': it is a directory");
    if (!S_ISREG(st.st_mode)) {  // a FIFO or a device: written in place, nothing to replace
      f->in_place_ = true;
      f->temp_path_ = path;
      return f;
    }
    std::error_code ec;
    if (fs::is_symlink(path, ec)) {
      fs::path resolved = fs::canonical(path, ec);
      if (!ec) f->target_ = resolved.string();
    }
  }
  const fs::path target(f->target_);
  const fs::path folder = FolderOf(f->target_);
  const std::string stem = target.stem().string(), ext = target.extension().string();
  const std::string prefix = "." + stem + ".tmp-";
  RemoveStaleTemporaries(folder, prefix, ext);
  const std::string pid = std::to_string(::getpid());
  for (int attempt = 0; attempt < 100; ++attempt) {
    const std::string temp = (folder / (prefix + pid + "-" + RandomSuffix() + ext)).string();
    const int fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
    if (fd >= 0) {
      ::close(fd);
      f->temp_path_ = temp;
      return f;
    }
    if (errno != EEXIST) {
      return Status::IOError("cannot write '" + path + "': cannot create a file in '" + folder.string() +
                             "': " + Errno(errno));
    }
  }
  return Status::IOError("cannot write '" + path + "': no free temporary name in '" + folder.string() + "'");
}

AtomicFile::~AtomicFile() {
  if (!committed_ && !in_place_ && !temp_path_.empty()) ::unlink(temp_path_.c_str());
}

Status AtomicFile::Rename() {
  if (in_place_) {
    committed_ = true;
    return Status::Ok();  // a FIFO or device: nothing to replace
  }
  if (::rename(temp_path_.c_str(), target_.c_str()) != 0) {
    return Status::IOError("cannot write '" + path_ + "': renaming '" + temp_path_ + "' over it: " + Errno(errno));
  }
  committed_ = true;
  return Status::Ok();
}

Status AtomicFile::Commit() {
  if (!in_place_) {
    if (const int e = SyncPath(temp_path_, 0); e != 0) {
      return Status::IOError("cannot write '" + path_ + "': syncing '" + temp_path_ + "': " + Errno(e));
    }
  }
  PANIC_RETURN_IF_ERROR(Rename());
  return in_place_ ? Status::Ok() : SyncFolder(path_, FolderOf(target_));
}

namespace {

// An AtomicFile of `path` whose temporary file holds `bytes`, closed.
Result<std::unique_ptr<AtomicFile>> WriteTemporary(const std::string& path, std::string_view bytes) {
  PANIC_ASSIGN_OR_RETURN(auto file, AtomicFile::Create(path));
  const int fd = ::open(file->temp_path().c_str(), O_WRONLY | O_TRUNC | O_CLOEXEC);
  if (fd < 0) return Status::IOError("cannot write '" + path + "': " + Errno(errno));
  const int e = WriteAll(fd, bytes);
  if (::close(fd) != 0 && e == 0) return Status::IOError("cannot write '" + path + "': " + Errno(errno));
  if (e != 0) return Status::IOError("cannot write '" + path + "': " + Errno(e));
  return file;
}

}  // namespace

Status WriteFileAtomically(const std::string& path, std::string_view bytes) {
  PANIC_ASSIGN_OR_RETURN(auto file, WriteTemporary(path, bytes));
  return file->Commit();
}

Status AtomicFileBatch::Write(const std::string& path, std::string_view bytes) {
  PANIC_ASSIGN_OR_RETURN(auto file, WriteTemporary(path, bytes));
  files_.push_back(std::move(file));
  return Status::Ok();
}

Status AtomicFileBatch::Commit() {
  if (files_.empty()) return Status::Ok();
  // One syncfs per file system (in practice one: the export's folder).
  std::set<std::string> folders;
  for (const auto& f : files_) folders.insert(FolderOf(f->target_));
  std::set<dev_t> synced;
  for (const std::string& folder : folders) {
    struct stat st {};
    if (::stat(folder.c_str(), &st) != 0 || !synced.insert(st.st_dev).second) continue;
    const int fd = ::open(folder.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0 || ::syncfs(fd) != 0) {
      const int e = errno;
      if (fd >= 0) ::close(fd);
      return Status::IOError("cannot write into '" + folder + "': syncing its file system: " + Errno(e));
    }
    ::close(fd);
  }
  for (const auto& f : files_) PANIC_RETURN_IF_ERROR(f->Rename());
  for (const std::string& folder : folders) PANIC_RETURN_IF_ERROR(SyncFolder(folder, folder));
  files_.clear();
  return Status::Ok();
}

}  // namespace panic
