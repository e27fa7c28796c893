
#include <gtest/gtest.h>

#include "panic/core/time.h"
#include "panic/core/uuid.h"
#include "panic/store/database.h"
#include "panic/store/experiment_delete.h"
#include "panic/store/experiments_table.h"
#include "panic/store/invocations_table.h"
#include "panic/store/runs_table.h"
#include "panic/store/schema.h"
#include "store/store_test_fixtures.h"
#include "support/test_support.h"

namespace panic::store {
namespace {

using testing::TempDir;

TEST(StoreTest, CreatesSchemaAtLatestVersionWithWal) {
  TempDir dir;
  auto store = Database::Open(dir.File("a.db"), OpenMode::kCreate);
  ASSERT_TRUE(store.ok()) << store.status().ToString();
  auto r = testing::RunShell("sqlite3 " + dir.File("a.db") + " 'PRAGMA journal_mode; SELECT max(version) FROM schema_version; "
                             "SELECT count(*) FROM sqlite_master WHERE type=\"table\"'");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  // 9 tables up to migration 2, then prompt_embeddings and lyapunov_results (analysis), then
  // clustering_result_experiments and cluster_summaries (the clustering snapshot), then
  // legacy_imports, legacy_import_experiments and legacy_import_skips (the import's record).
  EXPECT_EQ(r.out, "wal\n" + std::to_string(LatestSchemaVersion()) + "\n16\n");
}

TEST(StoreTest, ExistingModeDoesNotCreate) {
  TempDir dir;
  auto store = Database::Open(dir.File("missing.db"), OpenMode::kWrite);
  ASSERT_FALSE(store.ok());
  EXPECT_EQ(store.status().code(), StatusCode::kNotFound);
  EXPECT_FALSE(std::filesystem::exists(dir.File("missing.db")));
}

TEST(StoreTest, RefusesNewerSchema) {
  TempDir dir;
  { ASSERT_TRUE(Database::Open(dir.File("a.db"), OpenMode::kCreate).ok()); }
  ASSERT_EQ(testing::RunShell("sqlite3 " + dir.File("a.db") +
                              " \"INSERT INTO schema_version VALUES (999, 'x')\"").exit_code, 0);
  auto store = Database::Open(dir.File("a.db"), OpenMode::kWrite);
  ASSERT_FALSE(store.ok());
  EXPECT_NE(store.status().message().find("newer"), std::string::npos);
}

TEST(StoreTest, ExperimentRoundTripAndCascadeDelete) {
  TempDir dir;
  auto store = std::move(Database::Open(dir.File("a.db"), OpenMode::kCreate)).value();
  ExperimentRecord e = MakeTestExperiment();
  auto runs = MakeTestRuns(e, 3);
  ASSERT_TRUE(store->Write([&](store::SqliteDb& c) { return store::experiments::Insert(c, e, runs); }).ok());
  auto back = store::experiments::Get(store->connection(), e.id);
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(back->networks, e.networks);
  EXPECT_EQ(back->seeds, e.seeds);
  auto listed = store::runs::List(store->connection(), e.id);
  ASSERT_TRUE(listed.ok());
  ASSERT_EQ(listed->size(), 3u);
  EXPECT_EQ((*listed)[2].run_number, 2);
  ASSERT_TRUE(store
                  ->Write([&](store::SqliteDb& c) {
                    return store::invocations::InsertStep(c, {MakeTestInvocation(runs[0].id, 0, "a")}, {});
                  })
                  .ok());

  ASSERT_TRUE(store::DeleteExperiment(*store, e.id).ok());
  auto r = testing::RunShell("sqlite3 " + dir.File("a.db") +
                             " 'SELECT (SELECT count(*) FROM runs) + (SELECT count(*) FROM invocations)'");
  EXPECT_EQ(r.out, "0\n");
  EXPECT_EQ(store::DeleteExperiment(*store, e.id).code(), StatusCode::kNotFound);
}

TEST(StoreTest, CommitStepIsAllOrNothing) {
  TempDir dir;
  auto store = std::move(Database::Open(dir.File("a.db"), OpenMode::kCreate)).value();
  ExperimentRecord e = MakeTestExperiment();
  auto runs = MakeTestRuns(e, 2);
  ASSERT_TRUE(store->Write([&](store::SqliteDb& c) { return store::experiments::Insert(c, e, runs); }).ok());
  ASSERT_TRUE(store
                  ->Write([&](store::SqliteDb& c) {
                    return store::invocations::InsertStep(c, {MakeTestInvocation(runs[0].id, 0, "a")}, {});
                  })
                  .ok());
  // The second row repeats (run 0, step 0): nothing of this step may stay.
  Status s = store->Write([&](store::SqliteDb& c) {
    return store::invocations::InsertStep(
        c, {MakeTestInvocation(runs[1].id, 0, "b"), MakeTestInvocation(runs[0].id, 0, "dup")},
        {{runs[1].id, kStopLength, std::nullopt, std::nullopt, NowIso()}});
  });
  EXPECT_EQ(s.code(), StatusCode::kAlreadyExists);
  EXPECT_TRUE(store::invocations::ListForRun(store->connection(), runs[1].id, false)->empty());
  EXPECT_FALSE(store::runs::Get(store->connection(), runs[1].id)->stop_reason.has_value());
  // The store stays usable after the rollback.
  ASSERT_TRUE(store
                  ->Write([&](store::SqliteDb& c) {
                    return store::invocations::InsertStep(c, {MakeTestInvocation(runs[1].id, 0, "b")},
                                                          {{runs[1].id, kStopDuplicate, 3, std::nullopt, NowIso()}});
                  })
                  .ok());
  auto run = store::runs::Get(store->connection(), runs[1].id);
  EXPECT_EQ(*run->stop_reason, kStopDuplicate);
  EXPECT_EQ(*run->loop_length, 3);
  auto invs = store::invocations::ListForRun(store->connection(), runs[1].id, true);
  ASSERT_EQ(invs->size(), 1u);
  EXPECT_EQ((*invs)[0].output_text, "b");
}

TEST(StoreTest, ImagesAreBlobsAndCountsAreRight) {
  TempDir dir;
  auto store = std::move(Database::Open(dir.File("a.db"), OpenMode::kCreate)).value();
  ExperimentRecord e = MakeTestExperiment();
  auto runs = MakeTestRuns(e, 1);
  ASSERT_TRUE(store->Write([&](store::SqliteDb& c) { return store::experiments::Insert(c, e, runs); }).ok());
  InvocationRecord img = MakeTestInvocation(runs[0].id, 0, "");
  img.type = OutputType::kImage;
  img.output_image = std::string("\0\x01\x02RIFF", 7);
  InvocationRecord txt = MakeTestInvocation(runs[0].id, 1, "caption");
  txt.input_invocation_id = img.id;
  ASSERT_TRUE(store->Write([&](store::SqliteDb& c) { return store::invocations::InsertStep(c, {img, txt}, {}); }).ok());
  auto back = store::invocations::Get(store->connection(), img.id);
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(back->output_image, img.output_image);
  EXPECT_EQ(*store::invocations::Get(store->connection(), txt.id)->input_invocation_id, img.id);
  auto counts = store::experiments::Count(store->connection(), e.id);
  ASSERT_TRUE(counts.ok());
  EXPECT_EQ(counts->invocations, 2);
  EXPECT_EQ(counts->image_invocations, 1);
  EXPECT_EQ(counts->runs_total, 1);
  EXPECT_EQ(counts->stop_reasons.at("running"), 1);
}

TEST(StoreTest, FailedRunsReopen) {
  TempDir dir;
  auto store = std::move(Database::Open(dir.File("a.db"), OpenMode::kCreate)).value();
  ExperimentRecord e = MakeTestExperiment();
  auto runs = MakeTestRuns(e, 3);
  ASSERT_TRUE(store->Write([&](store::SqliteDb& c) { return store::experiments::Insert(c, e, runs); }).ok());
  ASSERT_TRUE(store
                  ->Write([&](store::SqliteDb& c) {
                    return store::runs::MarkFailed(c, {runs[0].id, runs[2].id}, "ModelFailed: boom", NowIso());
                  })
                  .ok());
  EXPECT_EQ(store::experiments::Count(store->connection(), e.id)->runs_failed, 2);
  EXPECT_EQ(*store::runs::Get(store->connection(), runs[0].id)->error, "ModelFailed: boom");
  EXPECT_EQ(*store->Write([&](store::SqliteDb& c) { return store::runs::ReopenFailed(c, e.id); }), 2);
  EXPECT_FALSE(store::runs::Get(store->connection(), runs[0].id)->stop_reason.has_value());
  EXPECT_FALSE(store::runs::Get(store->connection(), runs[0].id)->error.has_value());
}

TEST(StoreTest, ResolvesPrefixesAndLatest) {
  TempDir dir;
  auto store = std::move(Database::Open(dir.File("a.db"), OpenMode::kCreate)).value();
  ExperimentRecord a = MakeTestExperiment();
  ASSERT_TRUE(store->Write([&](store::SqliteDb& c) { return store::experiments::Insert(c, a, {}); }).ok());
  ExperimentRecord b = MakeTestExperiment();
  b.created_at = b.updated_at = NowIso();
  ASSERT_TRUE(store->Write([&](store::SqliteDb& c) { return store::experiments::Insert(c, b, {}); }).ok());
  EXPECT_EQ(*store::experiments::ResolveId(store->connection(), "latest"), b.id);
  EXPECT_EQ(*store::experiments::ResolveId(store->connection(), a.id), a.id);
  std::string upper = b.id.substr(0, 30);
  for (auto& c : upper) c = static_cast<char>(std::toupper(c));
  EXPECT_EQ(*store::experiments::ResolveId(store->connection(), upper), b.id);
  auto ambiguous = store::experiments::ResolveId(store->connection(), a.id.substr(0, 4));
  ASSERT_FALSE(ambiguous.ok());
  EXPECT_NE(ambiguous.status().message().find(a.id), std::string::npos);
  EXPECT_NE(ambiguous.status().message().find(b.id), std::string::npos);
  EXPECT_EQ(store::experiments::ResolveId(store->connection(), "ffffffff").status().code(), StatusCode::kNotFound);
  EXPECT_EQ(store::experiments::ResolveId(store->connection(), "x'; DROP").status().code(),
            StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace panic::store
