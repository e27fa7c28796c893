#include "panic/store/database_file.h"

#include <sqlite3.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <set>

#include "panic/store/sqlite_db.h"

namespace panic::store {
namespace {

constexpr char kSqliteMagic[] = "SQLite format 3";  // 16 bytes with its NUL

bool HasSqliteHeader(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  char header[16] = {};
  return in.read(header, sizeof header) && std::equal(header, header + 16, kSqliteMagic);
}

}  // namespace

std::string SqliteUri(const std::string& path, const std::string& query) {
  std::string uri = "file:";
  for (char c : path) {
    if (c == '%' || c == '?' || c == '#') {
      static const char* kHex = "0123456789ABCDEF";
      uri += '%';
      uri += kHex[(static_cast<unsigned char>(c) >> 4) & 0xF];
      uri += kHex[static_cast<unsigned char>(c) & 0xF];
    } else {
      uri += c;
    }
  }
  // A relative path that starts with "//" would read as an authority; anchor it.
  if (path.rfind("//", 0) == 0) uri = "file:" + uri.substr(5);
  return query.empty() ? uri : uri + "?" + query;
}

Result<DatabaseInspection> InspectDatabase(const std::string& path) {
  DatabaseInspection out;
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) return out;
  if (std::filesystem::is_directory(path, ec)) {
    return Status::InvalidArgument("database path '" + path + "' is a directory");
  }
  const auto size = std::filesystem::file_size(path, ec);
  if (ec) return Status::IOError("cannot read database '" + path + "': " + ec.message());
  if (size == 0) {
    out.origin = DatabaseOrigin::kEmpty;
    return out;
  }
  if (!HasSqliteHeader(path)) {
    out.origin = DatabaseOrigin::kNotSqlite;
    return out;
  }
  // With no -wal beside the file nobody is writing it in WAL mode, and immutable=1 reads it
  // without creating -wal/-shm (a rollback-journal writer would hold its own journal; at
  // worst this one look at sqlite_master fails and says so). With a -wal, a read-only open
  // reads through it; the files were there already.
  const bool has_wal = std::filesystem::exists(path + "-wal", ec);
  sqlite3* db = nullptr;
  const std::string uri = SqliteUri(path, has_wal ? "mode=ro" : "immutable=1");
  int rc = sqlite3_open_v2(uri.c_str(), &db, SQLITE_OPEN_READONLY | SQLITE_OPEN_URI | SQLITE_OPEN_NOMUTEX, nullptr);
  auto fail = [&](const std::string& what) -> Status {
    std::string msg = db ? sqlite3_errmsg(db) : "out of memory";
    const int code = db ? sqlite3_errcode(db) & 0xFF : rc;
    sqlite3_close(db);
    if (code == SQLITE_NOTADB) {
      return Status::Corruption("database '" + path + "' is corrupt: " + what + ": " + msg);
    }
    if (code == SQLITE_CORRUPT) return Status::Corruption("database '" + path + "' is corrupt: " + what + ": " + msg);
    return Status::IOError("cannot read database '" + path + "': " + what + ": " + msg);
  };
  if (rc != SQLITE_OK) return fail("opening it");
  // A WAL reader can meet SQLITE_BUSY for a moment while the writer restarts or truncates
  // the log at a checkpoint; wait for it as every other connection does (store/sqlite_db.h)
  // instead of failing the command ("listing its tables: database is locked").
  sqlite3_busy_timeout(db, SqliteDb::Options{}.busy_timeout_ms);
  sqlite3_stmt* q = nullptr;
  if (sqlite3_prepare_v2(db, "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name", -1, &q, nullptr) !=
      SQLITE_OK) {
    return fail("listing its tables");
  }
  while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
    std::string name = reinterpret_cast<const char*>(sqlite3_column_text(q, 0));
    if (name.rfind("sqlite_", 0) != 0) out.tables.push_back(name);
  }
  sqlite3_finalize(q);
  if (rc != SQLITE_DONE) return fail("listing its tables");
  const std::set<std::string> t(out.tables.begin(), out.tables.end());
  if (t.empty()) {
    out.origin = DatabaseOrigin::kEmpty;
  } else if (t.count("schema_version")) {
    out.origin = DatabaseOrigin::kOurs;
    if (sqlite3_prepare_v2(db, "SELECT max(version) FROM schema_version", -1, &q, nullptr) != SQLITE_OK) {
      return fail("reading schema_version");
    }
    rc = sqlite3_step(q);
    if (rc == SQLITE_ROW) out.schema_version = sqlite3_column_int(q, 0);
    sqlite3_finalize(q);
    if (rc != SQLITE_ROW) return fail("reading schema_version");
  } else if (t.count("experimentconfig") || (t.count("invocation") && t.count("run"))) {
    out.origin = DatabaseOrigin::kPythonEra;
  } else if (t.count("schema_migrations") && (t.count("experiments") || t.count("invocations"))) {
    out.origin = DatabaseOrigin::kElixirEra;
  } else {
    out.origin = DatabaseOrigin::kUnknown;
  }
  sqlite3_close(db);
  return out;
}

std::string DescribeOrigin(const DatabaseInspection& inspection) {
  std::string tables;
  for (size_t i = 0; i < inspection.tables.size() && i < 4; ++i) tables += (i ? ", " : "") + inspection.tables[i];
  if (inspection.tables.size() > 4) tables += ", …";
  switch (inspection.origin) {
    case DatabaseOrigin::kMissing: return "no file";
    case DatabaseOrigin::kEmpty: return "an empty database";
    case DatabaseOrigin::kOurs:
      return "a panic-tda database at schema version " + std::to_string(inspection.schema_version);
    case DatabaseOrigin::kPythonEra: return "a Python-era panic-tda database (tables " + tables + ")";
    case DatabaseOrigin::kElixirEra: return "an Elixir-era panic-tda database (tables " + tables + ")";
    case DatabaseOrigin::kUnknown: return "a SQLite database of another program (tables " + tables + ")";
    case DatabaseOrigin::kNotSqlite: return "not a SQLite database";
  }
  return "unknown";
}

}  // namespace panic::store
