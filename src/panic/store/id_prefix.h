// Resolving an id given by a unique prefix (shared by experiments and runs).
#pragma once

#include <string>

#include "panic/core/status.h"

namespace panic::store {

class SqliteDb;

// `table` must be a trusted identifier. NotFound when nothing matches; InvalidArgument
// listing up to 10 matches when the prefix is ambiguous.
Result<std::string> ResolveIdPrefix(SqliteDb& db, const std::string& table, const std::string& what,
                                    const std::string& prefix);

}  // namespace panic::store
