// The progress queries of `experiment show`, the listings and the dashboard at 10^5 steps:
// what they answer (against plain SQL written for the test) and how SQLite runs them
// (the statements they really prepare, caught by a trace, then EXPLAIN QUERY PLAN), on a
// database that an older release wrote, as a reader finds it (unmigrated) and migrated.
#include <gtest/gtest.h>

#include <map>
#include <set>
#include <string>
#include <vector>

#include "panic/store/database.h"
#include "panic/store/experiments_table.h"
#include "panic/store/run_progress.h"
#include "panic/store/schema.h"
#include "panic/store/sqlite_db.h"
#include "store/store_test_fixtures.h"
#include "support/test_support.h"

namespace panic::store {
namespace {

using testing::TempDir;

// The SQL of every statement `fn` runs on `db`, in order.
template <typename Fn>
std::vector<std::string> StatementsOf(SqliteDb& db, Fn&& fn) {
  std::vector<std::string> sql;
  sqlite3_trace_v2(db.raw(), SQLITE_TRACE_STMT,
                   [](unsigned, void* ctx, void* stmt, void*) -> int {
                     static_cast<std::vector<std::string>*>(ctx)->push_back(
                         sqlite3_sql(static_cast<sqlite3_stmt*>(stmt)));
                     return 0;
                   },
                   &sql);
  fn();
  sqlite3_trace_v2(db.raw(), 0, nullptr, nullptr);
  return sql;
}

std::string PlanOf(SqliteDb& db, const std::string& sql) {
  auto q = db.Prepare("EXPLAIN QUERY PLAN " + sql);
  EXPECT_TRUE(q.ok()) << sql;
  std::string out;
  if (!q.ok()) return out;
  EXPECT_TRUE((*q)->ForEachRow([&](const Statement& row) {
                    out += row.Text(3) + "\n";
                    return Status::Ok();
                  })
                  .ok());
  return out;
}

bool Mentions(const std::string& sql, const std::string& table) { return sql.find(" " + table + " ") != std::string::npos; }

// A second run with the first four text steps of the fixture's run (and their vectors), so
// that the per-run answers have two runs to tell apart.
void AddSecondRun(const std::string& path) {
  SqliteDb::Options options;
  options.create_if_missing = false;
  auto db = std::move(SqliteDb::Open(path, options)).value();
  const char* sql =
      "CREATE TEMP TABLE copied AS SELECT i.id FROM invocations i WHERE i.type = 'text' AND i.sequence_number < 4;"
      "INSERT INTO invocations (id, run_id, sequence_number, model, type, seed, input_invocation_id, output_text, "
      "output_image, started_at, completed_at) SELECT 'b' || id, (SELECT id FROM runs WHERE run_number = 1), "
      "sequence_number, model, type, seed, NULL, output_text, output_image, started_at, completed_at "
      "FROM invocations WHERE id IN (SELECT id FROM copied);"
      "INSERT INTO embeddings SELECT 'b' || id, 'b' || invocation_id, embedding_model, vector, started_at, "
      "completed_at FROM embeddings WHERE invocation_id IN (SELECT id FROM copied);";
  ASSERT_TRUE(db->Exec(sql).ok());
}

struct Answers {
  std::map<std::string, RunOutputStats> outputs;
  std::map<std::string, std::map<std::string, RunModelStats>> per_model;
  ExperimentCounts with, without;
};

void ExpectTheSameAnswers(const Answers& a, const Answers& b) {
  ASSERT_EQ(a.outputs.size(), b.outputs.size());
  for (const auto& [run, s] : a.outputs) {
    ASSERT_TRUE(b.outputs.count(run)) << run;
    EXPECT_EQ(s.text, b.outputs.at(run).text);
    EXPECT_EQ(s.image, b.outputs.at(run).image);
    EXPECT_EQ(s.last_sequence, b.outputs.at(run).last_sequence);
  }
  for (const auto& [model, runs] : a.per_model) {
    ASSERT_EQ(runs.size(), b.per_model.at(model).size()) << model;
    for (const auto& [run, s] : runs) {
      EXPECT_EQ(s.embeddings, b.per_model.at(model).at(run).embeddings) << model << " " << run;
      EXPECT_EQ(s.last_embedded_sequence, b.per_model.at(model).at(run).last_embedded_sequence);
    }
  }
  EXPECT_EQ(a.with.text_invocations, b.with.text_invocations);
  EXPECT_EQ(a.with.image_invocations, b.with.image_invocations);
  EXPECT_EQ(a.with.embeddings, b.with.embeddings);
}

// Every progress query reads the steps in the runs' order and groups them as it goes: no
// temporary B-tree of 10^5 steps to sort first (before, RunOutputStatsByRun grouped by
// i.run_id and Count by i.type, each sorting every step). Count without vectors does not
// touch the embeddings (that query looks every step up in the vector index), without steps
// not the steps either; its other answers are those of the full Count. The answers agree
// with plain SQL.
TEST(ProgressQueriesTest, StepsAreGroupedInRunOrderAndListingsSkipTheVectorLookup) {
  TempDir dir;
  const std::string path = dir.File("v1.db");
  const std::string experiment_id = MakeV1Database(path);
  AddSecondRun(path);
  const std::vector<std::string> models = {"DummyText", "DummyVision"};

  Answers oracle;
  {
    auto db = std::move(Database::Open(path, OpenMode::kReadOnly)).value();
    SqliteDb& c = db->connection();
    auto q = std::move(c.Prepare(
                 "SELECT i.run_id, sum(i.type = 'text'), sum(i.type = 'image'), max(i.sequence_number) "
                 "FROM invocations i JOIN runs r ON r.id = i.run_id WHERE r.experiment_id = ?1 GROUP BY i.run_id"))
                 .value();
    q->Bind(1, experiment_id);
    ASSERT_TRUE(q->ForEachRow([&](const Statement& row) {
                     oracle.outputs[row.Text(0)] = {row.Text(0), row.Int(1), row.Int(2), row.Int(3)};
                     oracle.with.text_invocations += row.Int(1);
                     oracle.with.image_invocations += row.Int(2);
                     return Status::Ok();
                   })
                    .ok());
    auto e = std::move(c.Prepare(
                 "SELECT e.embedding_model, i.run_id, count(*), max(i.sequence_number) FROM embeddings e "
                 "JOIN invocations i ON i.id = e.invocation_id JOIN runs r ON r.id = i.run_id "
                 "WHERE r.experiment_id = ?1 GROUP BY 1, 2"))
                 .value();
    e->Bind(1, experiment_id);
    ASSERT_TRUE(e->ForEachRow([&](const Statement& row) {
                     RunModelStats& s = oracle.per_model[row.Text(0)][row.Text(1)];
                     s.embeddings = row.Int(2);
                     s.last_embedded_sequence = row.Int(3);
                     oracle.with.embeddings[row.Text(0)] += row.Int(2);
                     return Status::Ok();
                   })
                    .ok());
  }
  ASSERT_EQ(oracle.outputs.size(), 2u);
  ASSERT_EQ(oracle.per_model.at("DummyText").size(), 2u);

  for (const bool migrate : {false, true}) {
    SCOPED_TRACE(migrate ? "migrated" : "as the older release left it");
    if (migrate) {
      ASSERT_TRUE(Database::Open(path, OpenMode::kWrite).ok());
    }
    auto db = std::move(Database::Open(path, OpenMode::kReadOnly)).value();
    SqliteDb& c = db->connection();
    ASSERT_EQ(*CurrentSchemaVersion(c), migrate ? LatestSchemaVersion() : 1);

    Answers got;
    const auto progress = StatementsOf(c, [&] {
      got.outputs = std::move(RunOutputStatsByRun(c, experiment_id)).value();
      for (const auto& m : models) got.per_model[m] = std::move(RunModelStatsByRun(c, experiment_id, m)).value();
    });
    const std::vector<std::string> with = StatementsOf(c, [&] { got.with = std::move(experiments::Count(c, experiment_id)).value(); });
    const std::vector<std::string> without = StatementsOf(c, [&] {
      got.without = std::move(experiments::Count(c, experiment_id, experiments::CountVectors::kWithout)).value();
    });
    ExperimentCounts bare;
    const std::vector<std::string> runs_only = StatementsOf(c, [&] {
      bare = std::move(experiments::Count(c, experiment_id, experiments::CountVectors::kWithout,
                                          experiments::CountSteps::kWithout))
                 .value();
    });
    ExpectTheSameAnswers(oracle, got);
    for (const auto& sql : runs_only) {
      EXPECT_FALSE(Mentions(sql, "invocations") || Mentions(sql, "embeddings")) << sql;
    }
    EXPECT_EQ(bare.invocations, 0);
    EXPECT_EQ(bare.runs_total, got.with.runs_total);
    EXPECT_EQ(bare.diagram_failures, got.with.diagram_failures);

    int step_queries = 0;
    for (const auto& sql : progress) step_queries += Mentions(sql, "invocations");
    for (const auto& sql : with) step_queries += Mentions(sql, "invocations");
    EXPECT_EQ(step_queries, 5);  // outputs, a model's vectors ×2, steps by type, vectors by model
    for (const std::vector<std::string>* list : {&progress, &with}) {
      for (const auto& sql : *list) {
        if (!Mentions(sql, "invocations") || Mentions(sql, "embeddings e JOIN")) continue;
        const std::string plan = PlanOf(c, sql);
        EXPECT_EQ(plan.find("TEMP B-TREE"), std::string::npos) << sql << "\n" << plan;
        EXPECT_NE(plan.find("SEARCH r USING INDEX"), std::string::npos) << sql << "\n" << plan;
        if (migrate) {
          EXPECT_NE(plan.find("COVERING INDEX invocations_progress"), std::string::npos) << plan;
        }
      }
    }

    int vector_queries = 0;
    for (const auto& sql : with) vector_queries += Mentions(sql, "embeddings");
    EXPECT_EQ(vector_queries, 1);
    for (const auto& sql : without) {
      EXPECT_FALSE(Mentions(sql, "embeddings")) << sql;
    }
    EXPECT_TRUE(got.without.embeddings.empty());
    EXPECT_EQ(got.without.runs_total, got.with.runs_total);
    EXPECT_EQ(got.without.stop_reasons, got.with.stop_reasons);
    EXPECT_EQ(got.without.invocations, got.with.invocations);
    EXPECT_EQ(got.without.text_invocations, got.with.text_invocations);
    EXPECT_EQ(got.without.diagrams, got.with.diagrams);
    EXPECT_EQ(got.without.diagram_failures, got.with.diagram_failures);
  }
}

}  // namespace
}  // namespace panic::store
