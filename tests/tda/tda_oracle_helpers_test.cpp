// The comparison used by every oracle test must be able to fail.
#include <gtest/gtest.h>

#include "tda/tda_oracle_helpers.h"

namespace panic::testing {
namespace {

using tda::Bar;
using tda::Diagram;

TEST(CompareDiagramsTest, MatchesWithinToleranceOnly) {
  Diagram a{{{Bar{0, 1}, Bar{0, 2}}, {Bar{0.5f, 0.75f}}}};
  Diagram b{{{Bar{0, 2.000001f}, Bar{0, 1}}, {Bar{0.5f, 0.75f}}}};
  EXPECT_EQ(CompareDiagrams(a, b, 1e-5), "");
  Diagram shifted{{{Bar{0, 1}, Bar{0, 2}}, {Bar{0.5f, 0.76f}}}};
  EXPECT_NE(CompareDiagrams(a, shifted, 1e-5), "");
  Diagram missing{{{Bar{0, 1}}, {Bar{0.5f, 0.75f}}}};
  EXPECT_NE(CompareDiagrams(a, missing, 1e-5), "");
  Diagram essential{{{Bar{0, 1}, Bar{0}}, {Bar{0.5f, 0.75f}}}};
  EXPECT_NE(CompareDiagrams(a, essential, 1e-5), "");
  // A bar shorter than 2·tol may be missing from one side (rounding can create it).
  Diagram tiny{{{Bar{0, 1}, Bar{0, 2}}, {Bar{0.5f, 0.75f}, Bar{0.3f, 0.300001f}}}};
  EXPECT_EQ(CompareDiagrams(a, tiny, 1e-5), "");
}

TEST(CompareDiagramsTest, RipserOutputIsParsed) {
  if (!HaveRipser()) GTEST_SKIP();
  Diagram d = RipserOnCloud(Circle(30, 0.0, 1), 1);
  ASSERT_EQ(d.num_dimensions(), 2u);
  EXPECT_EQ(d.bars(0).size(), 30u);  // 29 finite + 1 essential
  EXPECT_EQ(d.bars(1).size(), 1u);
}

}  // namespace
}  // namespace panic::testing
