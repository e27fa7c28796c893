// A database of an earlier panic-tda (shared/LEGACY-FORMATS.md) opened for `import`: read
// only (SQLITE_OPEN_READONLY, and immutable=1 when no -wal is beside it, so not even a
// -shm is created: the file's bytes never change), validated before anything is written
// to the target, and read in keyset-paged batches (by rowid), so memory stays bounded by
// one batch whatever the file's size.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "panic/core/status.h"
#include "panic/store/legacy_mapping.h"

namespace panic::store {

class SqliteDb;

enum class LegacyEra { kPython, kElixir };
const char* LegacyEraName(LegacyEra era);  // "python" | "elixir"

// A table of the source and the columns the importer reads, in the order the row
// mapping (legacy_mapping.h) takes them. `optional`: a table older files may lack.
struct LegacyTable {
  std::string name;
  std::vector<std::string> columns;
  bool optional = false;
};
// The tables of an era, in import order (parents first).
const std::vector<LegacyTable>& LegacyTables(LegacyEra era);

class LegacySource {
 public:
  // InvalidArgument (exit 2, nothing written anywhere) when the file is missing, not
  // SQLite, not of this era (naming what it is), shorter than its header says (truncated),
  // of a newer schema than the format description (an Elixir file with more than 7
  // migrations), or lacks a table or column the import reads.
  static Result<std::unique_ptr<LegacySource>> Open(const std::string& path, LegacyEra era);
  ~LegacySource();

  const std::string& path() const { return path_; }
  LegacyEra era() const { return era_; }
  bool HasTable(const std::string& table) const;
  // The largest rowid of the table (0 when empty): the progress total.
  Result<int64_t> MaxRowid(const std::string& table);
  // Up to `limit` rows with rowid > after, by rowid: the table's LegacyTables() columns.
  Result<std::vector<legacy::SourceRow>> ReadBatch(const LegacyTable& table, int64_t after, int limit);
  // SELECT DISTINCT pairs of two columns (non-NULL second), ordered: the clustering
  // import's medoid → label table, O(clusters) rows.
  Result<std::vector<std::pair<std::string, std::string>>> DistinctPairs(const std::string& table,
                                                                          const std::string& first,
                                                                          const std::string& second);

 private:
  LegacySource(std::unique_ptr<SqliteDb> db, std::string path, LegacyEra era, std::vector<std::string> tables);
  std::unique_ptr<SqliteDb> db_;
  std::string path_;
  LegacyEra era_;
  std::vector<std::string> tables_;
};

}  // namespace panic::store
