#include "panic/store/store.h"

#include <filesystem>

#include "panic/store/schema.h"
#include "panic/store/sqlite_db.h"

namespace panic::store {

Store::Store(std::unique_ptr<SqliteDb> db) : db_(std::move(db)) {}
Store::~Store() = default;

const std::string& Store::path() const { return db_->path(); }

Result<std::unique_ptr<Store>> Store::Open(const std::string& path, Mode mode, Durability durability) {
  if (mode == Mode::kExisting && !std::filesystem::exists(path)) {
    return Status::NotFound("no database at '" + path + "' (use --db PATH or set PANIC_TDA_DB)");
  }
  SqliteDb::Options options;
  options.create_if_missing = mode == Mode::kCreate;
  options.sync_full = durability == Durability::kFull;
  PANIC_ASSIGN_OR_RETURN(auto db, SqliteDb::Open(path, options));
  PANIC_RETURN_IF_ERROR(MigrateToLatest(*db));
  return std::unique_ptr<Store>(new Store(std::move(db)));
}

}  // namespace panic::store
