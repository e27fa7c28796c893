#include "panic/store/sqlite_db.h"

#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

#include "panic/store/database_file.h"
#include "panic/store/fault_injection.h"
#include "panic/store/read_map_vfs.h"

namespace panic::store {

Statement::~Statement() { sqlite3_finalize(stmt_); }

Statement& Statement::Bind(int i, std::string_view text) {
  sqlite3_bind_text(stmt_, i, text.data(), static_cast<int>(text.size()), SQLITE_TRANSIENT);
  return *this;
}
Statement& Statement::Bind(int i, int64_t v) {
  sqlite3_bind_int64(stmt_, i, v);
  return *this;
}
Statement& Statement::Bind(int i, double v) {
  sqlite3_bind_double(stmt_, i, v);
  return *this;
}
Statement& Statement::BindBlob(int i, std::string_view bytes) {
  // A zero-length blob is still a blob, not NULL.
  sqlite3_bind_blob(stmt_, i, bytes.empty() ? "" : bytes.data(), static_cast<int>(bytes.size()), SQLITE_TRANSIENT);
  return *this;
}
Statement& Statement::BindNull(int i) {
  sqlite3_bind_null(stmt_, i);
  return *this;
}

Statement& Statement::BindColumn(int i, const Statement& row, int col) {
  sqlite3_bind_value(stmt_, i, sqlite3_column_value(row.stmt_, col));
  return *this;
}

Status SqliteError(sqlite3* db, int rc, const std::string& what) {
  const char* file = db ? sqlite3_db_filename(db, "main") : nullptr;
  const std::string where = std::string("database '") + (file && *file ? file : "?") + "'";
  const std::string msg = db ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
  const std::string context = what.empty() ? "" : what + ": ";
  switch (rc) {
    // A second row with the same identity: the caller's input collides with what exists.
    case SQLITE_CONSTRAINT_UNIQUE:
    case SQLITE_CONSTRAINT_PRIMARYKEY:
      return Status::AlreadyExists(context + msg);
    default:
      break;
  }
  switch (rc & 0xFF) {
    case SQLITE_CONSTRAINT:  // foreign key, CHECK, NOT NULL: the stored data disagrees with the schema
      return Status::IOError(where + ": " + context + "constraint failed (stored data inconsistent): " + msg);
    case SQLITE_CORRUPT:
    case SQLITE_NOTADB:
      return Status::Corruption(where + " is corrupt: " + context + msg);
    case SQLITE_READONLY:
      return Status::IOError(where + " cannot be written: " + context + msg);
    case SQLITE_FULL:
      return Status::IOError(where + ": the disk is full: " + context + msg);
    default:
      return Status::IOError(where + ": " + context + msg);
  }
}

Result<bool> Statement::Step() {
  int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  Status error = SqliteError(db_, sqlite3_extended_errcode(db_), "");
  sqlite3_reset(stmt_);
  return error;
}

Status Statement::Run() {
  while (true) {
    auto r = Step();
    if (!r.ok()) {
      Reset();
      return r.status();
    }
    if (!*r) break;
  }
  Reset();
  return Status::Ok();
}

Result<int64_t> Statement::ScalarInt() {
  Result<bool> row = Step();
  if (!row.ok()) return row.status();
  const int64_t value = *row && !IsNull(0) ? Int(0) : 0;
  Reset();
  return value;
}

void Statement::Reset() {
  sqlite3_reset(stmt_);
  sqlite3_clear_bindings(stmt_);
}

bool Statement::IsNull(int col) const { return sqlite3_column_type(stmt_, col) == SQLITE_NULL; }
int64_t Statement::Int(int col) const { return sqlite3_column_int64(stmt_, col); }
double Statement::Double(int col) const { return sqlite3_column_double(stmt_, col); }
std::string Statement::Text(int col) const {
  const unsigned char* p = sqlite3_column_text(stmt_, col);
  return p ? std::string(reinterpret_cast<const char*>(p), sqlite3_column_bytes(stmt_, col)) : std::string();
}
std::optional<std::string> Statement::OptText(int col) const {
  if (IsNull(col)) return std::nullopt;
  return Text(col);
}
std::optional<int64_t> Statement::OptInt(int col) const {
  if (IsNull(col)) return std::nullopt;
  return Int(col);
}
std::string Statement::Blob(int col) const {
  const void* p = sqlite3_column_blob(stmt_, col);
  int n = sqlite3_column_bytes(stmt_, col);
  return p ? std::string(static_cast<const char*>(p), n) : std::string();
}

std::string_view Statement::View(int col) const {
  const void* p = sqlite3_column_blob(stmt_, col);
  int n = sqlite3_column_bytes(stmt_, col);
  return p ? std::string_view(static_cast<const char*>(p), static_cast<size_t>(n)) : std::string_view();
}

Result<std::unique_ptr<SqliteDb>> SqliteDb::Open(const std::string& path, const Options& options) {
  sqlite3* db = nullptr;
  int flags = options.read_only ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE;
  if (options.create_if_missing && !options.read_only) flags |= SQLITE_OPEN_CREATE;
  flags |= SQLITE_OPEN_NOMUTEX | SQLITE_OPEN_URI;
  std::string query;
  if (options.read_only) query = options.immutable ? "immutable=1" : "mode=ro";
  const std::string uri = SqliteUri(path, query);
  // Readers go through the panic-readmap VFS (store/read_map_vfs.h): the whole file mapped,
  // not only SQLite's first 2 GiB.
  int rc = sqlite3_open_v2(uri.c_str(), &db, flags, options.read_only ? ReadMapVfsName() : nullptr);
  if (rc != SQLITE_OK) {
    std::string msg = db ? sqlite3_errmsg(db) : "out of memory";
    const int code = db ? sqlite3_extended_errcode(db) : rc;
    sqlite3_close(db);
    if (rc == SQLITE_CANTOPEN && !std::filesystem::exists(path)) {
      if (!options.create_if_missing) return Status::NotFound("no database at '" + path + "'");
      // SQLite says only "unable to open database file": say why the file cannot be made.
      std::error_code ec;
      const std::filesystem::path folder = std::filesystem::absolute(path, ec).parent_path();
      if (::access(folder.c_str(), W_OK) != 0) {
        return Status::IOError("cannot create database '" + path + "': its folder '" + folder.string() + "': " +
                               std::strerror(errno));
      }
    }
    if ((code & 0xFF) == SQLITE_NOTADB || (code & 0xFF) == SQLITE_CORRUPT) {
      return Status::Corruption("database '" + path + "' is corrupt: " + msg);
    }
    return Status::IOError("cannot open database '" + path + "': " + msg);
  }
  auto out = std::unique_ptr<SqliteDb>(new SqliteDb(db, path));
  sqlite3_busy_timeout(db, options.busy_timeout_ms);
  sqlite3_extended_result_codes(db, 1);
  // WAL: readers never block the writer. synchronous=FULL: each commit is on disk before
  // it returns (survives power loss); NORMAL: survives a killed process, and a power
  // loss may roll back the commits since the last checkpoint.
  if (!options.read_only) {
    PANIC_RETURN_IF_ERROR(out->Exec("PRAGMA journal_mode=WAL"));
  }
  PANIC_RETURN_IF_ERROR(out->Exec(std::string("PRAGMA foreign_keys=ON; PRAGMA synchronous=") +
                                  (options.sync_full ? "FULL" : "NORMAL")));
  // Readers map the file: a page is then read in place from the OS page cache instead of
  // by one pread(2) copy per 4 KiB page (a bulk read of 1M embeddings spent most of its
  // system time in pread). SQLite clamps the size to its compile-time maximum (2 GiB in
  // Debian's build); any size > 0 turns on the readmap VFS's mapping of the whole file.
  if (options.read_only) PANIC_RETURN_IF_ERROR(out->Exec("PRAGMA mmap_size=1099511627776"));
  return out;
}

SqliteDb::~SqliteDb() {
  cache_.clear();  // finalize statements before closing
  sqlite3_close(db_);
}

Result<Statement*> SqliteDb::Prepare(const std::string& sql) {
  auto it = cache_.find(sql);
  if (it != cache_.end()) {
    it->second->Reset();
    return it->second.get();
  }
  sqlite3_stmt* stmt = nullptr;
  if (sqlite3_prepare_v3(db_, sql.c_str(), -1, SQLITE_PREPARE_PERSISTENT, &stmt, nullptr) != SQLITE_OK) {
    return Error("preparing `" + sql + "`");
  }
  auto [pos, inserted] = cache_.emplace(sql, std::make_unique<Statement>(db_, stmt));
  return pos->second.get();
}

Status SqliteDb::Exec(const std::string& sql) {
  if (sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, nullptr) != SQLITE_OK) {
    return SqliteError(db_, sqlite3_extended_errcode(db_), "");
  }
  return Status::Ok();
}

int64_t SqliteDb::Changes() const { return sqlite3_changes64(db_); }

Status SqliteDb::Error(const std::string& what) const { return SqliteError(db_, sqlite3_extended_errcode(db_), what); }

Result<std::unique_ptr<Transaction>> Transaction::Begin(SqliteDb& db, FaultCounting counting) {
  PANIC_RETURN_IF_ERROR(db.Exec("BEGIN IMMEDIATE"));
  return std::unique_ptr<Transaction>(new Transaction(db, counting));
}

Transaction::~Transaction() {
  if (!done_) (void)db_.Exec("ROLLBACK");
}

Status Transaction::Commit() {
  done_ = true;
  const bool counted = counting_ == FaultCounting::kCounted;
  if (counted) BeforeCommitHook();
  Status s = db_.Exec("COMMIT");
  if (!s.ok()) {
    (void)db_.Exec("ROLLBACK");
    return s;
  }
  if (counted) AfterCommitHook();
  return s;
}

}  // namespace panic::store
