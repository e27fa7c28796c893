// A thin RAII layer over the SQLite C API: a connection, prepared statements with
// typed binds and column reads, and transactions. Only store/ uses it (DESIGN.md §4).
//
// Thread safety: a SqliteDb is used by one thread at a time; open one per thread
// (SQLite's WAL mode lets readers and one writer work at once across connections).
#pragma once

#include <sqlite3.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

#include "panic/core/status.h"

namespace panic::store {

// The Status of a failed SQLite call (rc: its extended result code). Errors are classed
// here once for the whole store: a UNIQUE or PRIMARY KEY violation is AlreadyExists (a row
// with that identity exists); SQLITE_CORRUPT / SQLITE_NOTADB are Corruption naming the
// file; other constraint failures (foreign key, CHECK, NOT NULL) and everything else are
// IOError. `what` (may be empty) says what was being done. Callers add the table and row.
Status SqliteError(sqlite3* db, int rc, const std::string& what);

class Statement {
 public:
  Statement(sqlite3* db, sqlite3_stmt* stmt) : db_(db), stmt_(stmt) {}
  ~Statement();
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;

  // Binds are 1-based, as in SQLite. Text and blobs are copied (SQLITE_TRANSIENT).
  Statement& Bind(int i, std::string_view text);
  Statement& Bind(int i, const std::string& text) { return Bind(i, std::string_view(text)); }
  Statement& Bind(int i, const char* text) { return Bind(i, std::string_view(text)); }
  Statement& Bind(int i, int64_t v);
  Statement& Bind(int i, int v) { return Bind(i, static_cast<int64_t>(v)); }
  Statement& Bind(int i, double v);
  Statement& BindBlob(int i, std::string_view bytes);
  Statement& BindNull(int i);
  // Binds column `col` of `row`'s current row as it is (any type; copied).
  Statement& BindColumn(int i, const Statement& row, int col);
  template <typename T>
  Statement& Bind(int i, const std::optional<T>& v) {
    return v ? Bind(i, *v) : BindNull(i);
  }

  // Steps once: true when a row is available, false when done; errors as Status.
  Result<bool> Step();
  // Steps to completion (for statements without rows) and resets for reuse.
  Status Run();
  // Calls fn(*this) for each row (fn returns Status; a non-OK one stops the scan and is
  // returned). The statement is reset afterwards, on every path.
  template <typename Fn>
  Status ForEachRow(Fn&& fn) {
    Status status;
    while (status.ok()) {
      Result<bool> row = Step();
      if (!row.ok()) return row.status();  // Step resets on error
      if (!*row) break;
      status = fn(static_cast<const Statement&>(*this));
    }
    Reset();
    return status;
  }
  // The first column of the first row as an integer (0 when there is no row or it is
  // NULL), for count(*)-style queries; resets the statement.
  Result<int64_t> ScalarInt();
  void Reset();

  bool IsNull(int col) const;
  int64_t Int(int col) const;
  double Double(int col) const;
  std::string Text(int col) const;  // "" for NULL
  std::optional<std::string> OptText(int col) const;
  std::optional<int64_t> OptInt(int col) const;
  std::string Blob(int col) const;  // raw bytes
  // Text or blob bytes without a copy: valid until the next Step, Reset or column read of
  // another type on this statement.
  std::string_view View(int col) const;

 private:
  sqlite3* db_;
  sqlite3_stmt* stmt_;
};

class SqliteDb {
 public:
  struct Options {
    bool create_if_missing = true;
    bool read_only = false;  // mode=ro: no writes, no journal_mode change
    bool immutable = false;  // with read_only: immutable=1, for a file nobody can be writing
                             // (a read-only directory without -wal): creates no -wal/-shm
    int busy_timeout_ms = 30000;
    bool sync_full = true;  // PRAGMA synchronous=FULL (else NORMAL); see Open
  };

  // Opens (or creates) the database and sets WAL (writers only), foreign keys and the busy
  // timeout.
  static Result<std::unique_ptr<SqliteDb>> Open(const std::string& path, const Options& options);
  ~SqliteDb();
  SqliteDb(const SqliteDb&) = delete;
  SqliteDb& operator=(const SqliteDb&) = delete;

  // A prepared statement, cached by its SQL text. REQUIRES: the previous use of the
  // same SQL has finished (statements are reset when Prepare hands them out again).
  Result<Statement*> Prepare(const std::string& sql);
  // Runs one or more statements without results.
  Status Exec(const std::string& sql);
  int64_t Changes() const;
  const std::string& path() const { return path_; }
  sqlite3* raw() { return db_; }
  Status Error(const std::string& what) const;

 private:
  SqliteDb(sqlite3* db, std::string path) : db_(db), path_(std::move(path)) {}
  sqlite3* db_;
  std::string path_;
  std::unordered_map<std::string, std::unique_ptr<Statement>> cache_;
};

// BEGIN IMMEDIATE … COMMIT; rolls back on destruction unless committed. Every write of the
// store goes through one (no autocommit writes), so Commit is the one place where write
// transactions commit, and where the fault-injection seam (store/fault_injection.h) counts.
class Transaction {
 public:
  enum class FaultCounting {
    kCounted,
    kNotCounted,  // commits driven by a clock (lease heartbeats): counting them would make
                  // the fault points depend on timing
  };
  static Result<std::unique_ptr<Transaction>> Begin(SqliteDb& db,
                                                    FaultCounting counting = FaultCounting::kCounted);
  ~Transaction();
  Status Commit();

 private:
  Transaction(SqliteDb& db, FaultCounting counting) : db_(db), counting_(counting) {}
  SqliteDb& db_;
  FaultCounting counting_;
  bool done_ = false;
};

}  // namespace panic::store
