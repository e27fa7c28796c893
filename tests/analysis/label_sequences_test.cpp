// Run lengths, bigrams, top clusters and returns to the initial cluster, on hand-made
// label sequences under each way of handling outliers.
#include "panic/analysis/label_sequences.h"

#include <gtest/gtest.h>

#include <cmath>
#include <vector>

namespace panic::analysis {
namespace {

using Seq = std::vector<int64_t>;

std::vector<LabelSequence> Views(const std::vector<Seq>& runs) {
  return std::vector<LabelSequence>(runs.begin(), runs.end());
}

TEST(RunLengthsTest, EachOutlierHandling) {
  const Seq s{2, 2, -1, 2, 5, 5, 5, -1, -1, 2};
  EXPECT_EQ(RunLengths(s, OutlierHandling::kInclude),
            (std::vector<LabelRun>{{2, 2, 0}, {-1, 1, 2}, {2, 1, 3}, {5, 3, 4}, {-1, 2, 7}, {2, 1, 9}}));
  // Outlier steps deleted: the 2s around the first −1 join into one visit of length 3.
  EXPECT_EQ(RunLengths(s, OutlierHandling::kSkip),
            (std::vector<LabelRun>{{2, 3, 0}, {5, 3, 4}, {2, 1, 9}}));
  // Outlier steps cut: the same 2s are two visits.
  EXPECT_EQ(RunLengths(s, OutlierHandling::kBreak),
            (std::vector<LabelRun>{{2, 2, 0}, {2, 1, 3}, {5, 3, 4}, {2, 1, 9}}));
  EXPECT_TRUE(RunLengths(Seq{-1, -1}, OutlierHandling::kSkip).empty());
  EXPECT_TRUE(RunLengths(Seq{}, OutlierHandling::kInclude).empty());
}

TEST(BigramsTest, EachOutlierHandlingAndSelfTransitions) {
  const Seq s{1, 1, 3, -1, 1, 3};
  EXPECT_EQ(CountBigrams(s, OutlierHandling::kInclude),
            (std::vector<Bigram>{{-1, 1, 1}, {1, 1, 1}, {1, 3, 2}, {3, -1, 1}}));
  EXPECT_EQ(CountBigrams(s, OutlierHandling::kSkip),  // 3 −1 1 becomes 3→1
            (std::vector<Bigram>{{1, 1, 1}, {1, 3, 2}, {3, 1, 1}}));
  EXPECT_EQ(CountBigrams(s, OutlierHandling::kBreak), (std::vector<Bigram>{{1, 1, 1}, {1, 3, 2}}));
  EXPECT_EQ(CountBigrams(s, OutlierHandling::kSkip, /*self_transitions=*/false),
            (std::vector<Bigram>{{1, 3, 2}, {3, 1, 1}}));
  // Summed over runs; no bigram spans two runs.
  std::vector<Seq> runs{{1, 3}, {3, 1}, {1, 3, 3}};
  EXPECT_EQ(CountBigrams(Views(runs), OutlierHandling::kSkip),
            (std::vector<Bigram>{{1, 3, 2}, {3, 1, 1}, {3, 3, 1}}));
}

TEST(TopLabelsTest, DenseRanksKeepTies) {
  std::vector<Seq> runs{{4, 4, 4, 7, 7, -1, -1, -1, -1}, {9, 9, 7, 1}};
  // Counts without outliers: 4:3, 7:3, 9:2, 1:1 (9 steps).
  auto top = TopLabels(Views(runs), 2, OutlierHandling::kSkip);
  ASSERT_EQ(top.size(), 3u);  // ranks 1, 1, 2
  EXPECT_EQ(top[0].label, 4);
  EXPECT_EQ(top[0].rank, 1u);
  EXPECT_EQ(top[1].label, 7);
  EXPECT_EQ(top[1].rank, 1u);
  EXPECT_EQ(top[2].label, 9);
  EXPECT_EQ(top[2].rank, 2u);
  EXPECT_DOUBLE_EQ(top[2].share, 2.0 / 9.0);
  auto with_outliers = TopLabels(Views(runs), 1, OutlierHandling::kInclude);
  ASSERT_EQ(with_outliers.size(), 1u);
  EXPECT_EQ(with_outliers[0].label, -1);
  EXPECT_EQ(with_outliers[0].count, 4u);
  EXPECT_DOUBLE_EQ(with_outliers[0].share, 4.0 / 13.0);
  EXPECT_TRUE(TopLabels(Views(runs), 0, OutlierHandling::kSkip).empty());
}

TEST(InitialReturnTest, Classification) {
  EXPECT_EQ(ClassifyInitialReturn(Seq{3, 3, 5, 3}, OutlierHandling::kSkip), InitialReturn::kReturned);
  EXPECT_EQ(ClassifyInitialReturn(Seq{3, 3, 5, 5}, OutlierHandling::kSkip), InitialReturn::kLeft);
  EXPECT_EQ(ClassifyInitialReturn(Seq{3, 3, 3}, OutlierHandling::kSkip), InitialReturn::kStayed);
  EXPECT_EQ(ClassifyInitialReturn(Seq{-1, -1}, OutlierHandling::kSkip), InitialReturn::kNoLabels);
  EXPECT_EQ(ClassifyInitialReturn(Seq{}, OutlierHandling::kInclude), InitialReturn::kNoLabels);
  // An outlier between two visits is not a departure unless outliers count.
  EXPECT_EQ(ClassifyInitialReturn(Seq{-1, 3, -1, 3}, OutlierHandling::kSkip), InitialReturn::kStayed);
  EXPECT_EQ(ClassifyInitialReturn(Seq{-1, 3, -1, 3}, OutlierHandling::kBreak), InitialReturn::kStayed);
  EXPECT_EQ(ClassifyInitialReturn(Seq{3, -1, 3}, OutlierHandling::kInclude), InitialReturn::kReturned);
  EXPECT_EQ(ClassifyInitialReturn(Seq{-1, 3, -1}, OutlierHandling::kInclude), InitialReturn::kReturned);

  std::vector<Seq> runs{{3, 5, 3}, {3, 5}, {2, 2}, {-1}, {1, 2, 2, 1}};
  ReturnSummary s = SummarizeInitialReturns(Views(runs), OutlierHandling::kSkip);
  EXPECT_EQ(s.runs, 5u);
  EXPECT_EQ(s.labelled, 4u);
  EXPECT_EQ(s.stayed, 1u);
  EXPECT_EQ(s.left, 1u);
  EXPECT_EQ(s.returned, 2u);
  EXPECT_DOUBLE_EQ(s.share_returned, 0.5);
  EXPECT_DOUBLE_EQ(s.share_returned_of_left, 2.0 / 3.0);
  ReturnSummary none = SummarizeInitialReturns({}, OutlierHandling::kSkip);
  EXPECT_TRUE(std::isnan(none.share_returned));
  EXPECT_STREQ(InitialReturnName(InitialReturn::kReturned), "returned");
}

}  // namespace
}  // namespace panic::analysis
