// The bit rows of a diameter slice (rips_slice.h) against a set of pairs: toggles, stars
// with and without a limit, the pivot (the colex-largest pair), over sizes around the
// 64-bit word; and a hand-made link graph's apparent eliminations.
#include "panic/tda/rips_slice.h"

#include <gtest/gtest.h>

#include <random>
#include <set>
#include <utility>
#include <vector>

namespace panic::tda::internal {
namespace {

using Pairs = std::set<std::pair<int, int>>;  // (larger, smaller)

void ToggleModel(Pairs& s, int i, int j) {
  const std::pair<int, int> p{std::max(i, j), std::min(i, j)};
  if (!s.erase(p)) s.insert(p);
}

// A random symmetric graph on n positions as rows of bits (no loops).
std::vector<std::vector<uint64_t>> RandomGraph(int n, double p, std::mt19937& rng) {
  const int words = (n + 63) / 64;
  std::vector<std::vector<uint64_t>> g(static_cast<size_t>(n), std::vector<uint64_t>(static_cast<size_t>(words), 0));
  std::bernoulli_distribution edge(p);
  for (int i = 0; i < n; ++i) {
    for (int j = 0; j < i; ++j) {
      if (!edge(rng)) continue;
      g[static_cast<size_t>(i)][static_cast<size_t>(j / 64)] |= uint64_t{1} << (j % 64);
      g[static_cast<size_t>(j)][static_cast<size_t>(i / 64)] |= uint64_t{1} << (i % 64);
    }
  }
  return g;
}

bool Bit(const std::vector<uint64_t>& row, int j) { return (row[static_cast<size_t>(j / 64)] >> (j % 64)) & 1; }

// Pops the pivots of `rows` one by one (toggling them off) and checks them against the
// model's pairs in descending colex order.
void ExpectSameOrder(SliceRows& rows, Pairs model) {
  int a, b;
  while (!model.empty()) {
    ASSERT_TRUE(rows.Pivot(a, b));
    EXPECT_EQ(std::make_pair(a, b), *model.rbegin());
    model.erase(std::prev(model.end()));
    rows.Toggle(a, b);
  }
  EXPECT_FALSE(rows.Pivot(a, b));
}

TEST(RipsSliceTest, RowsMatchASetOfPairs) {
  std::mt19937 rng(3);
  for (int n : {1, 2, 5, 63, 64, 65, 130}) {
    const auto g = RandomGraph(n, 0.3, rng);
    SliceRows rows;
    rows.Reset(n);
    Pairs model;
    std::uniform_int_distribution<int> pos(0, n - 1);
    for (int step = 0; step < 200; ++step) {
      const int i = pos(rng);
      if (step % 3 == 0 && n > 1) {
        int j = pos(rng);
        if (j == i) continue;
        rows.Toggle(i, j);
        ToggleModel(model, i, j);
      } else {
        const int limit = step % 2 ? n : pos(rng) + 1;  // a cursor's rest: u < limit
        rows.ToggleStar(i, g[static_cast<size_t>(i)].data(), limit);
        for (int u = 0; u < limit; ++u) {
          if (Bit(g[static_cast<size_t>(i)], u)) ToggleModel(model, i, u);
        }
      }
    }
    ExpectSameOrder(rows, model);
  }
}

// The top bit of a row, across words.
TEST(RipsSliceTest, TopBit) {
  std::vector<uint64_t> row(3, 0);
  EXPECT_EQ(TopBit(row.data(), 3), -1);
  row[0] = 1;
  EXPECT_EQ(TopBit(row.data(), 3), 0);
  row[1] = uint64_t{1} << 63;
  EXPECT_EQ(TopBit(row.data(), 3), 127);
  row[2] = 2;
  EXPECT_EQ(TopBit(row.data(), 3), 129);
}

// A chain of apparent eliminations on a hand-made link graph, as RipsReducer runs it: the
// pivot {a, b} is apparent when a is b's top neighbour, and adding the facet {x, y, b}
// toggles the star of b. Path 0–1–2–3 plus the chord 1–3: starting from the slice {3, 2},
// the pivot {3, 2} is apparent (3 is 2's top neighbour): the star of 2 ({2, 1}, {3, 2})
// leaves {2, 1}, not apparent (2 is not 1's top neighbour: 3 is), which stays the pivot.
TEST(RipsSliceTest, HandMadeEliminationChain) {
  const int n = 4;
  std::vector<std::vector<uint64_t>> g(n, std::vector<uint64_t>(1, 0));
  auto edge = [&](int i, int j) {
    g[static_cast<size_t>(i)][0] |= uint64_t{1} << j;
    g[static_cast<size_t>(j)][0] |= uint64_t{1} << i;
  };
  edge(0, 1);
  edge(1, 2);
  edge(2, 3);
  edge(1, 3);
  SliceRows rows;
  rows.Reset(n);
  rows.Toggle(3, 2);
  int a, b;
  ASSERT_TRUE(rows.Pivot(a, b));
  EXPECT_EQ(std::make_pair(a, b), std::make_pair(3, 2));
  EXPECT_EQ(TopBit(g[static_cast<size_t>(b)].data(), 1), a);  // apparent
  rows.ToggleStar(b, g[static_cast<size_t>(b)].data(), n);
  ASSERT_TRUE(rows.Pivot(a, b));
  EXPECT_EQ(std::make_pair(a, b), std::make_pair(2, 1));
  EXPECT_NE(TopBit(g[static_cast<size_t>(b)].data(), 1), a);  // not apparent: 3 is 1's top
  // Eliminating {3, 1} instead (apparent: 3 is 1's top neighbour) from the slice {3, 1}
  // toggles 1's star {1, 0}, {2, 1}, {3, 1}.
  rows.Reset(n);
  rows.Toggle(1, 3);
  rows.ToggleStar(1, g[1].data(), n);
  Pairs model = {{1, 0}, {2, 1}};
  ExpectSameOrder(rows, model);
}

}  // namespace
}  // namespace panic::tda::internal
