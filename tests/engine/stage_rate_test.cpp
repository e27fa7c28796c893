// `experiment show`'s ETA: each remaining stage's work at that stage's own measured rate
// (from the timestamps of its stored rows), summed; "unknown" for a stage without a rate.
// The database's timestamps are written by the test, so every figure is exact.
#include "panic/engine/stage_rate.h"

#include <gtest/gtest.h>

#include "panic/core/time.h"
#include "panic/core/uuid.h"
#include "panic/engine/config_validation.h"
#include "panic/engine/experiment_setup.h"
#include "panic/engine/experiment_summary.h"
#include "panic/store/diagram_writes.h"
#include "panic/store/embeddings_table.h"
#include "panic/store/invocations_table.h"
#include "panic/store/runs_table.h"
#include "support/test_support.h"
#include "support/timed_experiment.h"

namespace panic::engine {
namespace {

using store::WorkInterval;

constexpr int64_t kSecond = 1000000;

TEST(StageRateTest, BusyTimeIsTheUnionOfIntervals) {
  // [0,2] ∪ [1,3] ∪ [5,6]: 4 s; an empty interval and a reversed one add nothing.
  EXPECT_DOUBLE_EQ(BusySeconds({{5 * kSecond, 6 * kSecond, 1},
                                {0, 2 * kSecond, 1},
                                {1 * kSecond, 3 * kSecond, 1},
                                {7 * kSecond, 7 * kSecond, 1},
                                {9 * kSecond, 8 * kSecond, 1}}),
                   4.0);
  EXPECT_DOUBLE_EQ(BusySeconds({}), 0.0);
  // Nested intervals (parallel work) count once.
  EXPECT_DOUBLE_EQ(BusySeconds({{0, 10 * kSecond, 1}, {2 * kSecond, 3 * kSecond, 1}}), 10.0);
}

TEST(StageRateTest, AStagesEtaIsItsRemainingWorkAtItsOwnRate) {
  // 20 items in 4 s of work: 5/s; 10 left: 2 s.
  StageEta e = EstimateStage("runs", "invocations", 10, {{0, 2 * kSecond, 10}, {10 * kSecond, 12 * kSecond, 10}});
  EXPECT_EQ(e.measured, 20);
  EXPECT_DOUBLE_EQ(e.busy_s, 4.0);
  ASSERT_TRUE(e.rate && e.eta_s);
  EXPECT_DOUBLE_EQ(*e.rate, 5.0);
  EXPECT_DOUBLE_EQ(*e.eta_s, 2.0);
  // No history: unknown while work is left, 0 when none is.
  StageEta none = EstimateStage("diagrams", "diagrams", 3, {});
  EXPECT_FALSE(none.rate.has_value());
  EXPECT_FALSE(none.eta_s.has_value());
  EXPECT_EQ(EstimateStage("diagrams", "diagrams", 0, {}).eta_s, 0.0);
  // A history of zero-length intervals gives no rate either.
  EXPECT_FALSE(EstimateStage("x", "items", 3, {{kSecond, kSecond, 5}}).rate.has_value());

  EtaEstimate all = CombineEtas({e, EstimateStage("embeddings", "embeddings", 6, {{0, kSecond, 3}})});
  ASSERT_TRUE(all.total_s.has_value());
  EXPECT_DOUBLE_EQ(*all.total_s, 4.0);  // 2 s + 6 at 3/s
  EtaEstimate partial = CombineEtas({e, none});
  EXPECT_FALSE(partial.total_s.has_value());
  EXPECT_DOUBLE_EQ(partial.known_s, 2.0);
  EXPECT_EQ(partial.unknown, std::vector<std::string>{"diagrams"});
}

TEST(StageRateTest, ExperimentShowTakesEachStagesRateFromItsTimestamps) {
  testing::TempDir dir;
  auto db = std::move(store::Database::Open(dir.File("eta.db"), store::OpenMode::kCreate)).value();
  auto id = testing::CreateTimedExperiment(*db);
  ASSERT_TRUE(id.ok()) << id.status().ToString();

  auto s = SummarizeExperiment(*db, models::ModelRegistry::Default(), *id);
  ASSERT_TRUE(s.ok()) << s.status().ToString();
  const EtaEstimate& eta = s->eta;
  ASSERT_EQ(eta.stages.size(), 5u);
  // runs: 8 invocations in 4 calls of 2 s = 1/s; 2 runs × (10 − 4) steps left: 12 s.
  const StageEta& runs = eta.stages[0];
  EXPECT_EQ(runs.stage, "runs");
  EXPECT_EQ(runs.measured, 8);
  EXPECT_DOUBLE_EQ(runs.busy_s, 8.0);
  EXPECT_DOUBLE_EQ(*runs.rate, 1.0);
  EXPECT_EQ(runs.remaining, 12);
  EXPECT_DOUBLE_EQ(*runs.eta_s, 12.0);
  // embeddings: 2 vectors in 1 s = 2/s; 2 runs × 5 text outputs − 2 = 8 left: 4 s.
  const StageEta& embeddings = eta.stages[1];
  EXPECT_EQ(embeddings.stage, "embeddings");
  EXPECT_DOUBLE_EQ(*embeddings.rate, 2.0);
  EXPECT_EQ(embeddings.remaining, 8);
  EXPECT_DOUBLE_EQ(*embeddings.eta_s, 4.0);
  // diagrams: no row yet, 2 to make: unknown.
  const StageEta& diagrams = eta.stages[2];
  EXPECT_EQ(diagrams.remaining, 2);
  EXPECT_FALSE(diagrams.rate.has_value());
  EXPECT_FALSE(eta.total_s.has_value());
  EXPECT_DOUBLE_EQ(eta.known_s, 16.0);
  EXPECT_EQ(eta.unknown, std::vector<std::string>{"diagrams"});
  EXPECT_FALSE(s->eta_s.has_value());

  // One failed diagram that took 4 s gives the diagrams stage its rate: 0.25/s, 2 left: 8 s.
  ASSERT_TRUE(testing::AddTimedFailedDiagram(*db, *id).ok());
  s = SummarizeExperiment(*db, models::ModelRegistry::Default(), *id);
  ASSERT_TRUE(s.ok());
  EXPECT_DOUBLE_EQ(*s->eta.stages[2].rate, 0.25);
  EXPECT_DOUBLE_EQ(*s->eta.stages[2].eta_s, 8.0);
  ASSERT_TRUE(s->eta.total_s.has_value());
  EXPECT_DOUBLE_EQ(*s->eta.total_s, 24.0);
  EXPECT_DOUBLE_EQ(*s->eta_s, 24.0);
}

}  // namespace
}  // namespace panic::engine
