// store/reader_files.h: readers remove the -wal/-shm SQLite made for them, and only those:
// overlapping readers of one path (the dashboard's pool), a writer open beside them, a
// writer's -wal with frames.
#include <gtest/gtest.h>

#include <filesystem>

#include "panic/store/database.h"
#include "panic/store/experiments_table.h"
#include "panic/store/reader_files.h"
#include "store/store_test_fixtures.h"
#include "support/test_support.h"

namespace panic::store {
namespace {

namespace fs = std::filesystem;
using testing::ReadFile;
using testing::TempDir;

bool Exists(const std::string& path) { return fs::exists(path); }

std::unique_ptr<Database> Reader(const std::string& db) {
  auto r = Database::Open(db, OpenMode::kReadOnly);
  EXPECT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(experiments::List((*r)->connection())->size(), 1u);  // a read: SQLite opens the WAL
  return std::move(r).value();
}

TEST(ReaderFilesTest, OverlappingReadersLeaveNothingWhicheverClosesLast) {
  TempDir dir;
  const std::string db = dir.File("a.db");
  ASSERT_FALSE(CreateTestDatabase(db, 2).empty());
  ASSERT_FALSE(Exists(db + "-wal"));
  const std::string bytes = ReadFile(db);
  for (bool first_closes_first : {true, false}) {
    auto a = Reader(db);
    EXPECT_TRUE(Exists(db + "-wal"));  // SQLite needs them while reading
    auto b = Reader(db);
    if (first_closes_first) a.reset(); else b.reset();
    EXPECT_TRUE(Exists(db + "-wal"));  // the other reader still has the file open
    a.reset();
    b.reset();
    EXPECT_FALSE(Exists(db + "-wal"));
    EXPECT_FALSE(Exists(db + "-shm"));
    EXPECT_EQ(ReadFile(db), bytes);
  }
}

TEST(ReaderFilesTest, AWritersFilesStayUntilTheWriterCloses) {
  TempDir dir;
  const std::string db = dir.File("a.db");
  const std::string id = CreateTestDatabase(db, 2);
  auto writer = std::move(Database::Open(db, OpenMode::kWrite)).value();
  ASSERT_TRUE(writer->Write([&](SqliteDb& c) { return experiments::SetStarted(c, id, "2026-01-01T00:00:00Z"); }).ok());
  ASSERT_GT(fs::file_size(db + "-wal"), 0u);  // the commit's frames
  auto reader = Reader(db);
  EXPECT_TRUE(experiments::Get(reader->connection(), id)->started_at.has_value());
  reader.reset();
  EXPECT_TRUE(Exists(db + "-wal"));  // the writer's: not the reader's to remove
  EXPECT_TRUE(Exists(db + "-shm"));
  writer.reset();
  EXPECT_FALSE(Exists(db + "-wal"));  // SQLite's last close checkpointed and removed them
}

TEST(ReaderFilesTest, AReaderThatOpenedBeforeAWriterLeavesTheWritersFiles) {
  TempDir dir;
  const std::string db = dir.File("a.db");
  const std::string id = CreateTestDatabase(db, 2);
  auto reader = Reader(db);
  auto writer = std::move(Database::Open(db, OpenMode::kWrite)).value();
  ASSERT_TRUE(writer->Write([&](SqliteDb& c) { return experiments::SetStarted(c, id, "2026-01-01T00:00:00Z"); }).ok());
  reader.reset();  // the -wal holds the writer's frames: left alone
  EXPECT_GT(fs::file_size(db + "-wal"), 0u);
  writer.reset();
  EXPECT_FALSE(Exists(db + "-wal"));
  auto again = Reader(db);
  EXPECT_TRUE(experiments::Get(again->connection(), id)->started_at.has_value());
}

TEST(ReaderFilesTest, RemoveEmptyWalLeavesAWalWithFrames) {
  TempDir dir;
  const std::string db = dir.File("a.db");
  CreateTestDatabase(db, 1);
  testing::WriteFile(db + "-wal", "not empty");  // not a valid WAL, but not ours to judge
  RemoveEmptyWal(db);
  EXPECT_EQ(ReadFile(db + "-wal"), "not empty");
}

}  // namespace
}  // namespace panic::store
