// A reader leaves the folder of a database as it found it: no -wal, no -shm, no journal.
//
// Why this is needed (SQLite's documentation, wal.html §"Read-Only Databases" and
// walformat.html §2.1): a read-only connection (mode=ro) to a WAL-mode database needs the
// -wal and -shm files, and creates them when it can; but only a connection that can write
// deletes them again — when the last connection closes it checkpoints, under an EXCLUSIVE
// lock on the database file, and then removes both. A read-only connection cannot
// checkpoint, so every `experiment list` in a writable folder used to leave an empty -wal
// and a 32 KiB -shm behind a database the user only read.
//
// What readers do here instead:
// - ReaderOpensImmutable: `immutable=1` where mode=ro cannot open the file, or would leave
//   files no reader could remove, and no process can be writing it; else `mode=ro` (the
//   cases and why each is safe are at the definition).
// - ReaderFiles (RAII, one per reader connection or ATTACH): when the last reader of a
//   path in this process is done, and the path had no -wal when the first of them opened
//   it, the -wal they made SQLite create is removed the way SQLite's documentation gives
//   as the only safe one — a connection that can write opens the file and closes it at
//   once, and SQLite's own close removes -wal and -shm if, and only if, no other
//   connection of any process has the file open. That connection runs no statement that
//   writes, and it is opened only while the -wal is empty (zero bytes): its closing
//   checkpoint has no frame to copy, so the database file's bytes and mtime stay as they
//   were. A -wal that holds frames belongs to a writer (alive, or killed: its frames are
//   committed data) and is left to it.
//
// Thread safety: ReaderFiles objects may be created and destroyed on any threads (the
// dashboard's pool): the per-path count is behind a mutex.
#pragma once

#include <string>

namespace panic::store {

// Whether a read-only connection to `path` opens it with immutable=1 (else mode=ro).
bool ReaderOpensImmutable(const std::string& path);

class ReaderFiles {
 public:
  // Call before the reader's connection (or ATTACH) opens `path`; destroy after it closed.
  explicit ReaderFiles(std::string path);
  ~ReaderFiles();
  ReaderFiles(const ReaderFiles&) = delete;
  ReaderFiles& operator=(const ReaderFiles&) = delete;

 private:
  std::string key_;  // the absolute path
};

// Removes an empty -wal (and its -shm) beside `path` if no connection has the file open, as
// described above. Does nothing when the -wal is missing or not empty, or when this process
// cannot write the file and its folder. Exposed for tests.
void RemoveEmptyWal(const std::string& path);

}  // namespace panic::store
