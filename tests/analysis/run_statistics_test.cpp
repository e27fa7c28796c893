// Run statistics: percentiles as numpy computes them (values worked by hand from
// numpy.percentile's linear rule), grouping by prompt and network, missing durations.
#include "panic/analysis/run_statistics.h"

#include <gtest/gtest.h>

#include <cmath>
#include <vector>

namespace panic::analysis {
namespace {

TEST(RunStatisticsTest, PercentilesFollowNumpyLinearRule) {
  // numpy.percentile([1, 2, 3, 4], [50, 95]) = [2.5, 3.85]
  Summary s = Summarize({4, 1, 3, 2});
  EXPECT_EQ(s.count, 4u);
  EXPECT_DOUBLE_EQ(s.mean, 2.5);
  EXPECT_DOUBLE_EQ(s.median, 2.5);
  EXPECT_NEAR(s.p95, 3.85, 1e-12);
  EXPECT_DOUBLE_EQ(s.min, 1);
  EXPECT_DOUBLE_EQ(s.max, 4);
  EXPECT_DOUBLE_EQ(s.total, 10);
  Summary one = Summarize({7});
  EXPECT_DOUBLE_EQ(one.median, 7);
  EXPECT_DOUBLE_EQ(one.p95, 7);
  Summary none = Summarize({});
  EXPECT_EQ(none.count, 0u);
  EXPECT_TRUE(std::isnan(none.median));
  // numpy.percentile(range(21), 95) = 19.0
  std::vector<double> r(21);
  for (size_t i = 0; i < r.size(); ++i) r[i] = static_cast<double>(i);
  EXPECT_DOUBLE_EQ(Percentile(r, 0.95), 19.0);
}

TEST(RunStatisticsTest, DurationsPerModel) {
  std::vector<InvocationTiming> timings{{"B", 2.0}, {"A", 1.0}, {"A", 3.0}, {"B", NAN}, {"A", 2.0}};
  auto d = SummarizeDurations(timings);
  ASSERT_EQ(d.size(), 2u);
  EXPECT_EQ(d[0].model, "A");
  EXPECT_EQ(d[0].seconds.count, 3u);
  EXPECT_DOUBLE_EQ(d[0].seconds.median, 2.0);
  EXPECT_NEAR(d[0].seconds.p95, 2.9, 1e-12);
  EXPECT_EQ(d[0].missing, 0u);
  EXPECT_EQ(d[1].model, "B");
  EXPECT_EQ(d[1].seconds.count, 1u);
  EXPECT_EQ(d[1].missing, 1u);
}

TEST(RunStatisticsTest, GroupsByPromptAndNetwork) {
  std::vector<RunRecord> runs{
      {"a cat", "T2I→I2T", "length", 10, std::nullopt},
      {"a cat", "T2I→I2T", "duplicate", 6, 2},
      {"a cat", "U2I→I2T", std::nullopt, 3, std::nullopt},
      {"a dog", "T2I→I2T", "duplicate", 8, 4},
  };
  RunSummary s = SummarizeRuns(runs);
  ASSERT_EQ(s.by_prompt_and_network.size(), 3u);
  const RunGroupSummary& cat = s.by_prompt_and_network[0];
  EXPECT_EQ(cat.initial_prompt, "a cat");
  EXPECT_EQ(cat.network, "T2I→I2T");
  EXPECT_EQ(cat.runs, 2u);
  EXPECT_EQ(cat.stop_reasons.at("length"), 1u);
  EXPECT_EQ(cat.stop_reasons.at("duplicate"), 1u);
  EXPECT_DOUBLE_EQ(cat.length.mean, 8.0);
  EXPECT_EQ(cat.loop_length.count, 1u);
  EXPECT_DOUBLE_EQ(cat.loop_length.mean, 2.0);
  EXPECT_EQ(s.by_prompt_and_network[1].network, "U2I→I2T");
  EXPECT_EQ(s.by_prompt_and_network[1].stop_reasons.at("running"), 1u);
  ASSERT_EQ(s.by_prompt.size(), 2u);
  EXPECT_EQ(s.by_prompt[0].runs, 3u);
  EXPECT_TRUE(s.by_prompt[0].network.empty());
  ASSERT_EQ(s.by_network.size(), 2u);
  EXPECT_EQ(s.by_network[0].network, "T2I→I2T");
  EXPECT_EQ(s.by_network[0].runs, 3u);
  EXPECT_DOUBLE_EQ(s.by_network[0].loop_length.median, 3.0);
  EXPECT_EQ(s.all.runs, 4u);
  EXPECT_DOUBLE_EQ(s.all.length.max, 10.0);
  EXPECT_EQ(SummarizeRuns({}).all.runs, 0u);
}

}  // namespace
}  // namespace panic::analysis
