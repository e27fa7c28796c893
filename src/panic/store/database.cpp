#include "panic/store/database.h"

#include "panic/store/database_file.h"
#include "panic/store/fault_injection.h"
#include "panic/store/schema.h"

namespace panic::store {
namespace {

// A file that is not ours is refused before anything is opened for writing, so it stays
// byte-identical and gets no -wal/-shm.
Status RefuseForeign(const std::string& path, const DatabaseInspection& inspection) {
  return Status::InvalidArgument("database '" + path + "' is " + DescribeOrigin(inspection) +
                                 ", not a database of this panic-tda; it was left unchanged");
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
  options.immutable = options.read_only && ReaderOpensImmutable(path);
  options.sync_full = durability == Durability::kFull;
  // Before the connection, so that it outlives it (also on the error returns below).
  auto reader_files = options.read_only ? std::make_unique<ReaderFiles>(path) : nullptr;
  PANIC_ASSIGN_OR_RETURN(auto db, SqliteDb::Open(path, options));
  if (mode == OpenMode::kReadOnly) {
    PANIC_RETURN_IF_ERROR(InstallReadCompatibility(*db, inspection.schema_version));
    PANIC_RETURN_IF_ERROR(db->Exec("PRAGMA query_only = 1"));
  } else {
    PANIC_RETURN_IF_ERROR(MigrateToLatest(*db));
  }
  auto opened = std::unique_ptr<Database>(new Database(std::move(reader_files), std::move(db), mode));
  AfterOpenHook();  // PANIC_TDA_FAULT=sigint_after_open (fault_injection.h)
  return opened;
}

}  // namespace panic::store
