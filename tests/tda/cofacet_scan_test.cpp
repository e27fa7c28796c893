// The batched next-cofacet scan of the reduction (cofacet_scan.h, NextCofacets): its
// vector version keeps only two entries per lane and must still return an exact
// beginning of the cofacet sequence. Checked against the one-at-a-time scalar scan on
// random rows full of ties (few distinct values), for every rank M of the reduction,
// across lengths that leave a scalar tail.
#include <gtest/gtest.h>

#include <random>
#include <vector>

#include "tda/cofacet_sequence.h"
#include "tda/simd_levels.h"
#include "panic/tda/cofacet_scan.h"

namespace panic::tda::internal {
namespace {

template <int M>
Sequence Batched(SimdLevel level, const float* const* r, const int* w, int n, float diam, float cd0, int v0,
                 float threshold, int cap) {
  Sequence s;
  std::vector<float> cd(static_cast<size_t>(cap));
  std::vector<int> v(static_cast<size_t>(cap));
  for (;;) {
    const int got = NextCofacets<M>(level, r, w, n, diam, cd0, v0, threshold, cap, cd.data(), v.data());
    EXPECT_LE(got, cap);
    if (got <= 0) return s;
    s.cd.insert(s.cd.end(), cd.begin(), cd.begin() + got);
    s.v.insert(s.v.end(), v.begin(), v.begin() + got);
    cd0 = cd[static_cast<size_t>(got - 1)];
    v0 = v[static_cast<size_t>(got - 1)];
  }
}

template <int M>
void CheckRandomRows(std::mt19937& rng, int n) {
  std::uniform_int_distribution<int> level(0, 7), vertex(0, n - 1);
  std::vector<std::vector<float>> rows(M, std::vector<float>(static_cast<size_t>(n)));
  for (auto& row : rows) {
    for (float& x : row) x = 0.125f * static_cast<float>(level(rng));  // many ties
  }
  int w[M];
  for (int q = 0; q < M; ++q) w[q] = vertex(rng);  // repeats are allowed: members are skipped
  const float* r[M];
  for (int q = 0; q < M; ++q) r[q] = rows[static_cast<size_t>(q)].data();
  const float diam = 0.125f * static_cast<float>(level(rng));
  const float threshold = 0.125f * static_cast<float>(level(rng)) + 0.1f;
  const float cd0 = std::max(diam, 0.125f * static_cast<float>(level(rng)));
  const int v0 = vertex(rng);
  const Sequence expected = OneAtATime<M>(r, w, n, diam, cd0, v0, threshold);
  const std::vector<SimdLevel> levels = SimdLevelsHere();
  for (SimdLevel l : levels) {
    for (int cap : {1, 2, 8, 40}) {
      const Sequence got = Batched<M>(l, r, w, n, diam, cd0, v0, threshold, cap);
      EXPECT_EQ(got.v, expected.v) << "M=" << M << " n=" << n << " cap=" << cap << " level=" << static_cast<int>(l);
      EXPECT_EQ(got.cd, expected.cd) << "M=" << M << " n=" << n << " cap=" << cap;
    }
  }
}

TEST(CofacetScanTest, BatchedNextCofacetsEqualTheOneAtATimeSequence) {
  std::mt19937 rng(18);
  for (int n : {1, 5, 16, 17, 31, 48, 100, 257, 1000}) {
    for (int trial = 0; trial < 30; ++trial) {
      CheckRandomRows<2>(rng, n);
      CheckRandomRows<3>(rng, n);
      CheckRandomRows<4>(rng, n);
    }
  }
}

}  // namespace
}  // namespace panic::tda::internal
