#include "panic/store/id_prefix.h"

#include <vector>

#include "panic/store/sqlite_db.h"

namespace panic::store {

Result<std::string> ResolveIdPrefix(SqliteDb& db, const std::string& table, const std::string& what,
                                    const std::string& prefix, const std::string& forms) {
  const bool vowel = what.find_first_of("aeiou") == 0;  // an experiment, an invocation; a run
  const std::string how = " (name " + (vowel ? std::string("an ") : std::string("a ")) + what +
                          " by " + forms + ")";
  if (prefix.empty()) return Status::InvalidArgument(what + " id is empty" + how);
  for (char c : prefix) {
    bool ok = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F') || c == '-';
    if (!ok) return Status::InvalidArgument(what + " id '" + prefix + "' is not a UUID or a prefix of one" + how);
  }
  std::string lower;
  for (char c : prefix) lower.push_back(static_cast<char>(c >= 'A' && c <= 'F' ? c - 'A' + 'a' : c));
  // Range scan on the primary key: ids starting with the prefix sort between prefix and prefix+'~'.
  PANIC_ASSIGN_OR_RETURN(Statement * q,
                         db.Prepare("SELECT id FROM " + table + " WHERE id >= ?1 AND id < ?2 ORDER BY id LIMIT 11"));
  q->Bind(1, lower).Bind(2, lower + "~");
  std::vector<std::string> matches;
  PANIC_RETURN_IF_ERROR(q->ForEachRow([&](const Statement& row) -> Status {
    matches.push_back(row.Text(0));
    return Status::Ok();
  }));
  if (matches.empty()) return Status::NotFound("no " + what + " with id '" + prefix + "'" + how);
  if (matches.size() > 1) {
    std::string list;
    for (size_t i = 0; i < matches.size() && i < 10; ++i) list += "\n  " + matches[i];
    if (matches.size() > 10) list += "\n  …";
    return Status::InvalidArgument(what + " id prefix '" + prefix + "' is ambiguous; it matches:" + list);
  }
  return matches[0];
}

}  // namespace panic::store
