// `experiment show` prints each remaining stage's ETA from that stage's measured rate, in
// text and --json, and "unknown" for a stage without a rate; the database's timestamps are
// set by the test (support/timed_experiment.h), so every figure is exact.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "support/test_support.h"
#include "support/timed_experiment.h"

namespace panic {
namespace {

TEST(ExperimentShowEtaTest, EachStagesRateGivesItsEta) {
  testing::TempDir dir;
  const std::string path = dir.File("eta.db");
  std::string id;
  {
    auto db = std::move(store::Database::Open(path, store::OpenMode::kCreate)).value();
    auto created = testing::CreateTimedExperiment(*db);
    ASSERT_TRUE(created.ok()) << created.status().ToString();
    id = *created;
  }
  auto r = testing::RunCli({"--db", path, "experiment", "show", id, "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto j = nlohmann::json::parse(r.out);
  const auto& eta = j.at("eta");
  EXPECT_TRUE(j.at("eta_s").is_null());
  EXPECT_TRUE(eta.at("total_s").is_null());
  EXPECT_DOUBLE_EQ(eta.at("known_s").get<double>(), 16.0);
  EXPECT_EQ(eta.at("unknown"), nlohmann::json({"diagrams"}));
  const auto& runs = eta.at("stages").at("runs");
  EXPECT_EQ(runs.at("unit"), "invocations");
  EXPECT_EQ(runs.at("remaining"), 12);
  EXPECT_EQ(runs.at("measured"), 8);
  EXPECT_DOUBLE_EQ(runs.at("rate_per_s").get<double>(), 1.0);
  EXPECT_DOUBLE_EQ(runs.at("eta_s").get<double>(), 12.0);
  EXPECT_DOUBLE_EQ(eta.at("stages").at("embeddings").at("eta_s").get<double>(), 4.0);
  EXPECT_TRUE(eta.at("stages").at("diagrams").at("rate_per_s").is_null());

  r = testing::RunCli({"--db", path, "experiment", "show", id});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("ETA          unknown: at least 16s (no rate yet: diagrams)\n"
                       "  runs         12 invocations left at 1/s: 12s\n"
                       "  embeddings   8 embeddings left at 2/s: 4s\n"
                       "  diagrams     2 diagrams left: unknown (no rate yet)\n"),
            std::string::npos)
      << r.out;

  {
    auto db = std::move(store::Database::Open(path, store::OpenMode::kWrite)).value();
    ASSERT_TRUE(testing::AddTimedFailedDiagram(*db, id).ok());
  }
  r = testing::RunCli({"--db", path, "experiment", "show", id});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("ETA          24s\n"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("  diagrams     2 diagrams left at 0.25/s: 8s\n"), std::string::npos) << r.out;
  r = testing::RunCli({"--db", path, "experiment", "show", id, "--json"});
  EXPECT_DOUBLE_EQ(nlohmann::json::parse(r.out).at("eta_s").get<double>(), 24.0);
}

// "elapsed" is the working time: the union of the stored rows' intervals, pauses of up to
// 60 s included (experiment_summary.h), not the wall clock since the first start. The timed
// experiment started at T0 (2026-01-01) and is not completed, so its span reaches now; its
// steps were computed in 0..32 s (pauses of 8 s between them, bridged), its vectors in
// 100..101 s (after a 68 s pause: not counted), a failed diagram in 200..204 s.
// Before, `elapsed` was now − T0: months for an experiment stopped and never resumed.
TEST(ExperimentShowEtaTest, ElapsedIsTheWorkingTimeNotTheSpanSinceTheFirstStart) {
  testing::TempDir dir;
  const std::string path = dir.File("elapsed.db");
  std::string id;
  {
    auto db = std::move(store::Database::Open(path, store::OpenMode::kCreate)).value();
    auto created = testing::CreateTimedExperiment(*db);
    ASSERT_TRUE(created.ok()) << created.status().ToString();
    id = *created;
  }
  auto r = testing::RunCli({"--db", path, "experiment", "show", id, "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto j = nlohmann::json::parse(r.out);
  EXPECT_DOUBLE_EQ(j.at("elapsed_s").get<double>(), 33.0);
  EXPECT_GT(j.at("span_s").get<double>(), 86400.0);  // now − 2026-01-01
  r = testing::RunCli({"--db", path, "experiment", "show", id});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("elapsed      33s working ("), std::string::npos) << r.out;
  EXPECT_NE(r.out.find(" of wall clock from the first start; pauses over 60 s not counted)\n"), std::string::npos)
      << r.out;
  {
    auto db = std::move(store::Database::Open(path, store::OpenMode::kWrite)).value();
    ASSERT_TRUE(testing::AddTimedFailedDiagram(*db, id).ok());
  }
  r = testing::RunCli({"--db", path, "experiment", "show", id, "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_DOUBLE_EQ(nlohmann::json::parse(r.out).at("elapsed_s").get<double>(), 37.0);
}

}  // namespace
}  // namespace panic
