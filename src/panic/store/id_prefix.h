// Resolving an id given by a unique prefix (shared by experiments and runs).
#pragma once

#include <string>

#include "panic/core/status.h"

namespace panic::store {

class SqliteDb;

// `table` must be a trusted identifier. NotFound when nothing matches; InvalidArgument
// listing up to 10 matches when the prefix is ambiguous. `forms` says how the user may name
// one (e.g. "its full id, a unique prefix of it, or latest; `experiment list` shows them"):
// it ends the messages of an id that is no UUID prefix and of one that matches nothing.
Result<std::string> ResolveIdPrefix(SqliteDb& db, const std::string& table, const std::string& what,
                                    const std::string& prefix, const std::string& forms);

}  // namespace panic::store
