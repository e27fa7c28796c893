// The panic-readmap VFS of read-only connections (store/read_map_vfs.h): it maps the whole
// file whatever mmap_size says (SQLite's own VFS maps at most mmap_size, and at most 2 GiB in
// Debian's build), its pages are the file's bytes, and readers stay right while a writer grows
// the file and checkpoints, within a read transaction and across them.
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <fstream>
#include <iterator>
#include <string>

#include "panic/store/read_map_vfs.h"
#include "panic/store/sqlite_db.h"
#include "support/test_support.h"

namespace panic::store {
namespace {

using testing::TempDir;

std::unique_ptr<SqliteDb> OpenWriter(const std::string& path) {
  auto db = SqliteDb::Open(path, {});
  EXPECT_TRUE(db.ok()) << db.status().ToString();
  return std::move(db).value();
}
std::unique_ptr<SqliteDb> OpenReader(const std::string& path) {
  SqliteDb::Options o;
  o.read_only = true;
  o.create_if_missing = false;
  auto db = SqliteDb::Open(path, o);
  EXPECT_TRUE(db.ok()) << db.status().ToString();
  return std::move(db).value();
}

// Rows of random 3000-byte blobs (about one 4 KiB page each).
void AddRows(SqliteDb& w, int n) {
  ASSERT_TRUE(w.Exec("BEGIN; WITH RECURSIVE k(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM k WHERE i + 1 < " +
                     std::to_string(n) + ") INSERT INTO t (x) SELECT randomblob(3000) FROM k; COMMIT")
                  .ok());
}

// A digest of table t as one string: the count and a checksum of every byte, by SQL.
std::string Digest(SqliteDb& db) {
  auto q = db.Prepare("SELECT count(*) || ':' || total(length(x)) || ':' || "
                      "group_concat(hex(substr(x, 1, 4)) || hex(substr(x, 2997, 4)), '') FROM t");
  EXPECT_TRUE(q.ok());
  auto row = (*q)->Step();
  EXPECT_TRUE(row.ok() && *row);
  std::string out = (*q)->Text(0);
  (*q)->Reset();
  return out;
}

TEST(ReadMapVfsTest, ReadersMapTheWholeFileWhateverMmapSizeSays) {
  TempDir dir;
  const std::string path = dir.File("m.db");
  auto w = OpenWriter(path);
  ASSERT_TRUE(w->Exec("CREATE TABLE t (x BLOB)").ok());
  AddRows(*w, 200);
  ASSERT_TRUE(w->Exec("PRAGMA wal_checkpoint(TRUNCATE)").ok());
  std::ifstream in(path, std::ios::binary);
  const std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  ASSERT_GT(bytes.size(), 200u * 3000);

  auto r = OpenReader(path);
  sqlite3_vfs* vfs = nullptr;
  ASSERT_EQ(sqlite3_file_control(r->raw(), "main", SQLITE_FCNTL_VFS_POINTER, &vfs), SQLITE_OK);
  ASSERT_NE(ReadMapVfsName(), nullptr);
  EXPECT_STREQ(vfs->zName, ReadMapVfsName());
  ASSERT_TRUE(r->Exec("PRAGMA mmap_size = 4096").ok());  // SQLite's own VFS: one page at most
  EXPECT_EQ(Digest(*r), Digest(*w));

  sqlite3_file* file = nullptr;
  ASSERT_EQ(sqlite3_file_control(r->raw(), "main", SQLITE_FCNTL_FILE_POINTER, &file), SQLITE_OK);
  const sqlite3_int64 offset = 150 * 4096;  // far past mmap_size
  void* page = nullptr;
  ASSERT_EQ(file->pMethods->xFetch(file, offset, 4096, &page), SQLITE_OK);
  ASSERT_NE(page, nullptr);
  EXPECT_EQ(std::string(static_cast<const char*>(page), 4096), bytes.substr(offset, 4096));
  EXPECT_EQ(file->pMethods->xUnfetch(file, offset, page), SQLITE_OK);
  // Past the end of the file: no page (the pager would read, and find nothing).
  page = nullptr;
  ASSERT_EQ(file->pMethods->xFetch(file, static_cast<sqlite3_int64>(bytes.size()), 4096, &page), SQLITE_OK);
  EXPECT_EQ(page, nullptr);

  // The same request of SQLite's own VFS (a writer's connection) finds nothing mapped there.
  ASSERT_TRUE(w->Exec("PRAGMA mmap_size = 4096").ok());
  EXPECT_EQ(Digest(*w), Digest(*r));
  sqlite3_file* own = nullptr;
  ASSERT_EQ(sqlite3_file_control(w->raw(), "main", SQLITE_FCNTL_FILE_POINTER, &own), SQLITE_OK);
  page = nullptr;
  ASSERT_EQ(own->pMethods->xFetch(own, offset, 4096, &page), SQLITE_OK);
  EXPECT_EQ(page, nullptr);
  // mmap_size 0 turns the mapping off.
  ASSERT_TRUE(r->Exec("PRAGMA mmap_size = 0").ok());
  page = nullptr;
  ASSERT_EQ(file->pMethods->xFetch(file, offset, 4096, &page), SQLITE_OK);
  EXPECT_EQ(page, nullptr);
  EXPECT_EQ(Digest(*r), Digest(*w));
}

// A writer adds rows and checkpoints them into the file (which grows past the reader's
// mapping) while the reader holds a read transaction: the reader keeps its snapshot; its
// next transaction sees every row, the new pages included.
TEST(ReadMapVfsTest, ReadersStayRightWhileAWriterGrowsTheFile) {
  TempDir dir;
  const std::string path = dir.File("g.db");
  auto w = OpenWriter(path);
  ASSERT_TRUE(w->Exec("CREATE TABLE t (x BLOB)").ok());
  AddRows(*w, 50);
  ASSERT_TRUE(w->Exec("PRAGMA wal_checkpoint(TRUNCATE)").ok());
  auto r = OpenReader(path);
  const std::string before = Digest(*r);
  EXPECT_EQ(before, Digest(*w));

  ASSERT_TRUE(r->Exec("BEGIN").ok());
  EXPECT_EQ(Digest(*r), before);  // the read transaction starts here
  for (int round = 0; round < 3; ++round) {
    AddRows(*w, 100);
    ASSERT_TRUE(w->Exec("PRAGMA wal_checkpoint(PASSIVE)").ok());
    EXPECT_EQ(Digest(*r), before) << round;
  }
  ASSERT_TRUE(r->Exec("COMMIT").ok());
  EXPECT_EQ(Digest(*r), Digest(*w));
  // Everything checkpointed into the (larger) file, the WAL emptied: read from the file alone.
  r.reset();
  ASSERT_TRUE(w->Exec("PRAGMA wal_checkpoint(TRUNCATE)").ok());
  r = OpenReader(path);
  AddRows(*w, 20);  // and a few more in the WAL only
  EXPECT_EQ(Digest(*r), Digest(*w));
}

}  // namespace
}  // namespace panic::store
