// Gives store-layer query files that are not Store methods the connection of a Store.
// Store-internal: only files in store/ include it.
#pragma once

#include "panic/store/sqlite_db.h"
#include "panic/store/store.h"

namespace panic::store {

class StoreAccess {
 public:
  static SqliteDb& Db(Store& store) { return store.database(); }
};

}  // namespace panic::store
