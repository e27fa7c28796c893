#include "panic/store/database.h"

#include <unistd.h>

#include <filesystem>

#include "panic/store/database_file.h"
#include "panic/store/schema.h"

namespace panic::store {
namespace {

// A file that is not ours is refused before anything is opened for writing, so it stays
// byte-identical and gets no -wal/-shm.
Status RefuseForeign(const std::string& path, const DatabaseInspection& inspection) {
  return Status::InvalidArgument("database '" + path + "' is " + DescribeOrigin(inspection) +
                                 ", not a database of this panic-tda; it was left unchanged");
}

// A reader in a directory it cannot write, with no -wal beside the file (so nobody is
// writing it in WAL mode), opens it immutable: mode=ro would need to create -shm there.
bool ReadImmutable(const std::string& path) {
  std::error_code ec;
  if (std::filesystem::exists(path + "-wal", ec)) return false;
  std::filesystem::path dir = std::filesystem::absolute(path, ec).parent_path();
  return ::access(dir.c_str(), W_OK) != 0;
}

}  // namespace

Result<std::unique_ptr<Database>> Database::Open(const std::string& path, OpenMode mode, Durability durability) {
  PANIC_ASSIGN_OR_RETURN(DatabaseInspection inspection, InspectDatabase(path));
  switch (inspection.origin) {
    case DatabaseOrigin::kMissing:
      if (mode != OpenMode::kCreate) return Status::NotFound("no database at '" + path + "'");
      break;
    case DatabaseOrigin::kEmpty:
      if (mode == OpenMode::kReadOnly) {
        return Status::NotFound("database '" + path + "' is empty: it has no experiments yet");
      }
      break;
    case DatabaseOrigin::kOurs:
      if (inspection.schema_version > LatestSchemaVersion()) {
        return Status::InvalidArgument("database '" + path + "' has schema version " +
                                       std::to_string(inspection.schema_version) +
                                       ", newer than this panic-tda knows (" +
                                       std::to_string(LatestSchemaVersion()) + ")");
      }
      break;
    case DatabaseOrigin::kPythonEra:
    case DatabaseOrigin::kElixirEra:
    case DatabaseOrigin::kUnknown:
    case DatabaseOrigin::kNotSqlite:
      return RefuseForeign(path, inspection);
  }
  SqliteDb::Options options;
  options.create_if_missing = mode == OpenMode::kCreate;
  options.read_only = mode == OpenMode::kReadOnly;
  options.immutable = options.read_only && ReadImmutable(path);
  options.sync_full = durability == Durability::kFull;
  PANIC_ASSIGN_OR_RETURN(auto db, SqliteDb::Open(path, options));
  if (mode == OpenMode::kReadOnly) {
    PANIC_RETURN_IF_ERROR(InstallReadCompatibility(*db, inspection.schema_version));
    PANIC_RETURN_IF_ERROR(db->Exec("PRAGMA query_only = 1"));
  } else {
    PANIC_RETURN_IF_ERROR(MigrateToLatest(*db));
  }
  return std::unique_ptr<Database>(new Database(std::move(db), mode));
}

}  // namespace panic::store
