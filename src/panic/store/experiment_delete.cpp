#include "panic/store/experiment_delete.h"

#include "panic/store/database.h"
#include "panic/store/experiments_table.h"
#include "panic/store/sqlite_db.h"

namespace panic::store {

Status DeleteExperiment(Database& db, const std::string& id) {
  // A large delete touches every page the experiment owns, several times (table and
  // indexes): a 256 MB page cache for it instead of SQLite's 2 MB default, and temporary
  // id sets in memory. Debian's SQLite is built with SECURE_DELETE, which zero-fills every
  // freed page and so writes the whole experiment through the WAL and again at checkpoint;
  // FAST still zeroes freed cells inside pages that are written anyway, but leaves whole freed
  // pages on the freelist as they are (reused by later writes; `VACUUM` reclaims them).
  SqliteDb& c = db.connection();
  int64_t secure_delete = 0;  // this build's default, restored afterwards
  {
    PANIC_ASSIGN_OR_RETURN(Statement * q, c.Prepare("PRAGMA secure_delete"));
    PANIC_RETURN_IF_ERROR(q->ForEachRow([&](const Statement& row) {
      secure_delete = row.Int(0);
      return Status::Ok();
    }));
  }
  PANIC_RETURN_IF_ERROR(c.Exec("PRAGMA cache_size = -262144; PRAGMA temp_store = MEMORY; PRAGMA secure_delete = FAST"));
  Status deleted = db.Write([&](SqliteDb& w) { return experiments::Delete(w, id); });
  (void)c.Exec("PRAGMA cache_size = -2000; PRAGMA temp_store = DEFAULT; PRAGMA secure_delete = " +
               std::to_string(secure_delete));
  return deleted;
}

}  // namespace panic::store
