// The connection and its transactions: what every query of the store runs on.
//
// A Database owns one SQLite connection, opened in one of three modes (OpenMode), and runs
// work in transactions:
//   db.Write([&](SqliteDb& c) { return invocations::InsertStep(c, …); });  // BEGIN IMMEDIATE … COMMIT
//   db.Read([&](SqliteDb& c) { return runs::List(c, id); });              // one consistent snapshot
// The queries themselves are free functions over a connection, one file per table
// (experiments_table.h, runs_table.h, invocations_table.h, embeddings_table.h,
// diagrams_table.h). A write query REQUIRES an open write transaction (Write); a read query
// may run inside either, or alone (autocommit: its own snapshot).
//
// Thread safety: one thread at a time per Database; open one per thread or process. Many
// readers and one writer may use the same file at once (WAL).
#pragma once

#include <memory>
#include <string>
#include <type_traits>
#include <utility>

#include "panic/core/status.h"
#include "panic/store/reader_files.h"
#include "panic/store/sqlite_db.h"

namespace panic::store {

// How a database is opened (docs/STORE.md). Only writers migrate. Every mode refuses,
// untouched, a file that is not ours (InvalidArgument naming what it looks like:
// store/database_file.h) and a schema newer than this program.
enum class OpenMode {
  kReadOnly,  // mode=ro (or immutable=1): never writes, works on a read-only file or
              // directory, leaves no -wal/-shm behind (store/reader_files.h); an older
              // schema is read through InstallReadCompatibility
  kCreate,    // create the file if missing, migrate to the latest schema
  kWrite,     // NotFound when the file does not exist; migrate
};

enum class Durability {
  kFull,    // every commit reaches the disk before it returns: survives power loss
  kNormal,  // survives a killed process; a power loss may lose the latest commits
};

class Database {
 public:
  static Result<std::unique_ptr<Database>> Open(const std::string& path, OpenMode mode,
                                                Durability durability = Durability::kFull);

  const std::string& path() const { return db_->path(); }
  OpenMode mode() const { return mode_; }
  SqliteDb& connection() { return *db_; }

  // fn(SqliteDb&) → Status or Result<T>, inside one write transaction: committed when fn
  // succeeds, rolled back when it fails.
  template <typename Fn>
  auto Write(Fn&& fn) -> decltype(fn(std::declval<SqliteDb&>())) {
    using R = decltype(fn(std::declval<SqliteDb&>()));
    auto txn = Transaction::Begin(*db_);
    if (!txn.ok()) return R(txn.status());
    R result = fn(*db_);
    if (!result.ok()) return result;  // the transaction rolls back
    Status committed = (*txn)->Commit();
    if (!committed.ok()) return R(committed);
    return result;
  }

  // fn(SqliteDb&) inside one read transaction: every query of fn sees the same snapshot.
  template <typename Fn>
  auto Read(Fn&& fn) -> decltype(fn(std::declval<SqliteDb&>())) {
    using R = decltype(fn(std::declval<SqliteDb&>()));
    Status begun = db_->Exec("BEGIN");
    if (!begun.ok()) return R(begun);
    R result = fn(*db_);
    (void)db_->Exec("COMMIT");  // ends a read transaction; nothing to write
    return result;
  }

 private:
  Database(std::unique_ptr<ReaderFiles> reader_files, std::unique_ptr<SqliteDb> db, OpenMode mode)
      : reader_files_(std::move(reader_files)), db_(std::move(db)), mode_(mode) {}
  // Declared before db_, so destroyed after the connection closed (readers only).
  std::unique_ptr<ReaderFiles> reader_files_;
  std::unique_ptr<SqliteDb> db_;
  OpenMode mode_;
};

}  // namespace panic::store
