#include "panic/store/reader_files.h"

#include <sqlite3.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <map>
#include <mutex>

#include "panic/store/database_file.h"

namespace panic::store {
namespace {

namespace fs = std::filesystem;

std::string Folder(const std::string& path) {
  std::error_code ec;
  return fs::absolute(path, ec).parent_path().string();
}

bool Exists(const std::string& path) {
  std::error_code ec;
  return fs::exists(path, ec);
}

// Readers of one path in this process: how many are open, and whether the path had a -wal
// when the first of them opened it (then the -wal is not theirs to remove).
struct PathReaders {
  int open = 0;
  bool had_wal = false;
};

std::mutex& RegistryMutex() {
  static std::mutex mu;
  return mu;
}

std::map<std::string, PathReaders>& Registry() {
  static std::map<std::string, PathReaders> registry;
  return registry;
}

}  // namespace

bool ReaderOpensImmutable(const std::string& path) {
  // A -wal beside the file: a writer has it open (or was killed, and its commits are in
  // it). Read through it with mode=ro: immutable would not see those commits. The files
  // are there already, so the reader adds none.
  if (Exists(path + "-wal")) return false;
  // With no -wal, no connection has the file open in WAL mode at this moment. Two cases
  // where mode=ro would fail or leave files behind, and no writer can appear:
  // 1. A folder this process cannot write: mode=ro cannot create the -wal/-shm it needs and
  //    fails to open a WAL database at all; a writer would need them too, and could only
  //    be another user's process that can write here (then its changes are not seen, and a
  //    checkpoint of its could be read torn: the one case we accept, for a folder made
  //    read-only to us on purpose).
  if (::access(Folder(path).c_str(), W_OK) != 0) return true;
  // 2. A file nobody may write (no write bit at all, e.g. chmod 444): mode=ro would create
  //    -wal/-shm that only a connection that can write the file removes, so they would stay;
  //    and no process but root can open the file for writing.
  struct stat st {};
  return ::access(path.c_str(), W_OK) != 0 && ::stat(path.c_str(), &st) == 0 && (st.st_mode & 0222) == 0;
}

void RemoveEmptyWal(const std::string& path) {
  std::error_code ec;
  const std::string wal = path + "-wal";
  if (!fs::exists(wal, ec) || fs::file_size(wal, ec) != 0 || ec) return;  // a writer's frames: its own
  // A rollback journal beside it would be rolled back by a connection that can write.
  if (Exists(path + "-journal")) return;
  if (::access(path.c_str(), W_OK) != 0 || ::access(Folder(path).c_str(), W_OK) != 0) return;
  sqlite3* db = nullptr;
  const std::string uri = SqliteUri(path, "");
  if (sqlite3_open_v2(uri.c_str(), &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_URI | SQLITE_OPEN_NOMUTEX, nullptr) ==
      SQLITE_OK) {
    // SQLite opens the WAL at the first read; the close then checkpoints (nothing: the
    // -wal is empty) and removes -wal and -shm only if it gets the EXCLUSIVE lock, i.e.
    // when no other connection of any process has the file open. Errors change nothing.
    (void)sqlite3_exec(db, "SELECT count(*) FROM sqlite_master", nullptr, nullptr, nullptr);
  }
  sqlite3_close(db);
}

ReaderFiles::ReaderFiles(std::string path) {
  std::error_code ec;
  key_ = fs::absolute(path, ec).string();
  if (ec) key_ = std::move(path);
  std::lock_guard<std::mutex> lock(RegistryMutex());
  PathReaders& readers = Registry()[key_];
  if (readers.open++ == 0) readers.had_wal = Exists(key_ + "-wal");
}

ReaderFiles::~ReaderFiles() {
  // Under the lock, so that no reader of this path opens between the count reaching zero
  // and the removal (its connection would keep the files, and it would count them as found).
  std::lock_guard<std::mutex> lock(RegistryMutex());
  auto it = Registry().find(key_);
  if (it == Registry().end() || --it->second.open > 0) return;
  const bool had_wal = it->second.had_wal;
  Registry().erase(it);
  if (!had_wal) RemoveEmptyWal(key_);
}

}  // namespace panic::store
