// The next-cofacet scan on the byte copy of the distances (quantized_scan.h): the sequence
// NextCofacetsQuantized yields, batch after batch, must be the one-at-a-time scalar
// sequence (NextCofacetScalar), on random rows full of ties, for every rank M of the
// reduction, with quantisers coarse (a handful of levels: many vertices a window), fine,
// and degenerate (one level), with first windows from 0 to 40 levels, and with windows
// aiming at fewer entries than a batch keeps (the reducer's spill).
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <numeric>
#include <random>
#include <utility>
#include <vector>

#include "tda/cofacet_sequence.h"
#include "tda/simd_levels.h"
#include "panic/tda/cofacet_scan.h"
#include "panic/tda/edge_link.h"
#include "panic/tda/quantized_scan.h"

namespace panic::tda::internal {
namespace {

// The cofacets of `s` past the diameter `diam`: what a scan asked for `past_diameter` yields.
Sequence PastDiameter(const Sequence& s, float diam) {
  Sequence out;
  for (size_t i = 0; i < s.cd.size(); ++i) {
    if (s.cd[i] > diam) {
      out.cd.push_back(s.cd[i]);
      out.v.push_back(s.v[i]);
    }
  }
  return out;
}

// The vector levels this CPU runs (the byte scans have no scalar form of ScanQuantized).
std::vector<SimdLevel> VectorLevelsHere() {
  std::vector<SimdLevel> levels = SimdLevelsHere();
  levels.erase(levels.begin());
  return levels;
}

// Scans that started above their current cofacet's level (from_level), over all checks:
// the test must have met some, or it proved nothing about them.
int resumed_scans = 0;
// Own-diameter cofacets that the past-diameter scans had to leave out, over all checks.
int past_diameter_dropped = 0;

template <int M>
void CheckRandomRows(std::mt19937& rng, int n, const DistanceQuantizer& quant) {
  std::uniform_int_distribution<int> level(0, 40), vertex(0, n - 1);
  std::vector<std::vector<float>> rows(M, std::vector<float>(static_cast<size_t>(n)));
  std::vector<std::vector<uint8_t>> qrows(M, std::vector<uint8_t>(static_cast<size_t>(n)));
  for (int q = 0; q < M; ++q) {
    for (int v = 0; v < n; ++v) {
      const float x = 0.025f * static_cast<float>(level(rng));  // 41 values: many ties
      rows[static_cast<size_t>(q)][static_cast<size_t>(v)] = x;
      qrows[static_cast<size_t>(q)][static_cast<size_t>(v)] = quant(x);
    }
  }
  int w[M];
  for (int q = 0; q < M; ++q) w[q] = vertex(rng);  // repeats are allowed: members are skipped
  const float* r[M];
  const uint8_t* qr[M];
  for (int q = 0; q < M; ++q) {
    r[q] = rows[static_cast<size_t>(q)].data();
    qr[q] = qrows[static_cast<size_t>(q)].data();
  }
  const float diam = 0.025f * static_cast<float>(level(rng));
  const float threshold = std::uniform_int_distribution<int>(0, 3)(rng) == 0
                              ? std::numeric_limits<float>::infinity()
                              : 0.025f * static_cast<float>(level(rng)) + 0.01f;
  const float cd0 = std::max(diam, 0.025f * static_cast<float>(level(rng)));
  const int v0 = vertex(rng);
  const Sequence whole = OneAtATime<M>(r, w, n, diam, cd0, v0, threshold);
  const std::vector<SimdLevel> levels = SimdLevelsHere();
  std::vector<int> scratch(static_cast<size_t>(n));
  // past: the scans asked for the cofacets past the diameter only, as the reducer's are.
  for (const bool past : {false, true}) {
    const Sequence expected = past ? PastDiameter(whole, diam) : whole;
    for (SimdLevel l : levels) {
      // target < cap: the window aims at `target` and the scan returns its whole exact prefix
      // up to cap (the reducer's spill, stop 31).
      for (const auto& [cap, target] :
           std::vector<std::pair<int, int>>{{1, 0}, {3, 0}, {8, 0}, {16, 7}, {16, 1}, {40, 3}}) {
        // resume: each scan after the first starts past the levels the last one held whole
        // (from_level = its complete_to + 1), as a cursor's next scan does.
        for (int first_window : {0, 2, 40}) {
          for (bool resume : {false, true}) {
            Sequence got;
            std::vector<float> cd(static_cast<size_t>(cap));
            std::vector<int> v(static_cast<size_t>(cap));
            float c0 = cd0;
            int u0 = v0, window = first_window, from = 0, skipped = 0;
            for (;;) {
              int complete_to = -2;
              const int k = NextCofacetsQuantized<M>(l, quant, qr, r, w, n, diam, c0, u0, threshold, cap, cd.data(),
                                                     v.data(), window, scratch.data(), target, from, &complete_to,
                                                     nullptr, past);
              ASSERT_LE(k, cap);
              ASSERT_GE(window, 0);
              if (k == 0) break;
              ASSERT_GE(complete_to, -1);
              ASSERT_LE(complete_to, 255);
              got.cd.insert(got.cd.end(), cd.begin(), cd.begin() + k);
              got.v.insert(got.v.end(), v.begin(), v.begin() + k);
              c0 = cd[static_cast<size_t>(k - 1)];
              u0 = v[static_cast<size_t>(k - 1)];
              if (resume) {
                from = complete_to >= 0 && complete_to < 255 ? complete_to + 1 : 0;
                skipped += from > quant(c0);
              }
            }
            EXPECT_EQ(got.v, expected.v) << "M=" << M << " n=" << n << " cap=" << cap << " target=" << target
                                         << " level=" << static_cast<int>(l) << " resume=" << resume
                                         << " past=" << past;
            EXPECT_EQ(got.cd, expected.cd) << "M=" << M << " n=" << n << " cap=" << cap << " target=" << target;
            resumed_scans += skipped;
            past_diameter_dropped += static_cast<int>(whole.v.size() - expected.v.size());
          }
        }
      }
    }
  }
}

TEST(QuantizedScanTest, NextCofacetsEqualTheOneAtATimeSequence) {
  std::mt19937 rng(29);
  std::vector<DistanceQuantizer> quantizers;
  {
    std::vector<float> sample;
    for (int i = 0; i <= 40; ++i) sample.push_back(0.025f * static_cast<float>(i));
    quantizers.emplace_back(sample);                       // fine: a level for about every value
    quantizers.emplace_back(std::vector<float>{0.3f, 0.5f, 0.9f});  // coarse, values outside its range
    quantizers.emplace_back();                             // one level
  }
  for (const DistanceQuantizer& quant : quantizers) {
    for (int n : {1, 5, 63, 64, 65, 130, 500}) {
      for (int trial = 0; trial < 12; ++trial) {
        CheckRandomRows<2>(rng, n, quant);
        CheckRandomRows<3>(rng, n, quant);
        CheckRandomRows<4>(rng, n, quant);
      }
    }
  }
  EXPECT_GT(resumed_scans, 100);
  EXPECT_GT(past_diameter_dropped, 100);
}

// The scan tests' quantisers: fine (a level for about every value of 0.025·k, k ≤ 40),
// coarse (values outside its range), and one level.
std::vector<DistanceQuantizer> FineCoarseAndOneLevel() {
  std::vector<float> sample;
  for (int i = 0; i <= 40; ++i) sample.push_back(0.025f * static_cast<float>(i));
  return {DistanceQuantizer(sample), DistanceQuantizer(std::vector<float>{0.3f, 0.5f, 0.9f}), DistanceQuantizer()};
}

// The own-diameter scan and the link on the byte rows against their float versions.
template <int M>
void CheckScan(std::mt19937& rng, int n, const DistanceQuantizer& quant) {
  std::uniform_int_distribution<int> level(0, 40), vertex(0, n - 1);
  std::vector<std::vector<float>> rows(M, std::vector<float>(static_cast<size_t>(n)));
  std::vector<std::vector<uint8_t>> qrows(M, std::vector<uint8_t>(static_cast<size_t>(n)));
  for (int q = 0; q < M; ++q) {
    for (int v = 0; v < n; ++v) {
      const float x = 0.025f * static_cast<float>(level(rng));
      rows[static_cast<size_t>(q)][static_cast<size_t>(v)] = x;
      qrows[static_cast<size_t>(q)][static_cast<size_t>(v)] = quant(x);
    }
  }
  int w[M];
  for (int q = 0; q < M; ++q) w[q] = vertex(rng);
  const float* r[M];
  const uint8_t* qr[M];
  for (int q = 0; q < M; ++q) {
    r[q] = rows[static_cast<size_t>(q)].data();
    qr[q] = qrows[static_cast<size_t>(q)].data();
  }
  const float bound = 0.025f * static_cast<float>(level(rng));
  const int lo = std::uniform_int_distribution<int>(0, 2)(rng) == 0 ? vertex(rng) : 0;
  const std::vector<SimdLevel> levels = VectorLevelsHere();
  // The whole sequence from the top down, as the reducer walks it.
  for (SimdLevel simd : levels) {
    for (int v = n, u = n;;) {
      v = ScanScalar<M>(r, w, lo, v, bound);
      u = ScanQuantized<M>(simd, qr, r, w, lo, u, bound, quant(bound));
      ASSERT_EQ(u, v) << "M=" << M << " n=" << n << " lo=" << lo << " simd=" << static_cast<int>(simd);
      if (v < 0) break;
    }
  }
  if constexpr (M == 2) {
    if (w[0] == w[1]) return;
    const int a = std::max(w[0], w[1]), b = std::min(w[0], w[1]);
    const float* ra = r[a == w[0] ? 0 : 1];
    const float* rb = r[a == w[0] ? 1 : 0];
    const uint8_t* qa = qr[a == w[0] ? 0 : 1];
    const uint8_t* qb = qr[a == w[0] ? 1 : 0];
    std::vector<int> expected(static_cast<size_t>(n));
    expected.resize(static_cast<size_t>(EdgeLinkScalar(ra, rb, a, b, n, bound, expected.data())));
    for (SimdLevel simd : levels) {
      std::vector<int> got(static_cast<size_t>(n));
      got.resize(static_cast<size_t>(
          EdgeLinkVerticesQuantized(simd, qa, qb, ra, rb, a, b, n, bound, quant(bound), got.data())));
      EXPECT_EQ(got, expected) << "n=" << n << " simd=" << static_cast<int>(simd);
    }
  }
}

TEST(QuantizedScanTest, OwnDiameterScanAndLinkEqualTheFloatOnes) {
  if (VectorLevelsHere().empty()) GTEST_SKIP() << "neither AVX2 nor AVX-512 on this CPU";
  std::mt19937 rng(30);
  for (const DistanceQuantizer& quant : FineCoarseAndOneLevel()) {
    for (int n : {2, 5, 63, 64, 65, 130, 500}) {
      for (int trial = 0; trial < 12; ++trial) {
        CheckScan<2>(rng, n, quant);
        CheckScan<3>(rng, n, quant);
        CheckScan<4>(rng, n, quant);
      }
    }
  }
}

// The past-diameter scans on LocalityRows (stop 46): the same sequence as one cofacet at a
// time, on a whole matrix of n points whose distances grow with their distance in a
// random locality order (so that most 64-column blocks are skipped at low levels) plus
// noise (so that the blocks that are read hold vertices outside the window too), or on
// random values (nothing skipped).
template <int M>
void CheckLocalityScan(std::mt19937& rng, int n, const DistanceQuantizer& quant, bool local_values) {
  const size_t nn = static_cast<size_t>(n);
  std::vector<uint32_t> order(nn);
  std::iota(order.begin(), order.end(), 0u);
  std::shuffle(order.begin(), order.end(), rng);
  std::vector<int> place(nn);
  for (size_t t = 0; t < nn; ++t) place[order[t]] = static_cast<int>(t);
  std::uniform_int_distribution<int> level(0, 40), noise(0, 3), vertex(0, n - 1);
  std::vector<float> values(nn * nn);
  std::vector<uint8_t> bytes(nn * nn);
  for (size_t v = 0; v < nn; ++v) {
    for (size_t u = 0; u < nn; ++u) {
      const int gap = std::abs(place[v] - place[u]);
      const int l = local_values ? std::min(40, gap / 5 + noise(rng)) : level(rng);
      values[v * nn + u] = 0.025f * static_cast<float>(l);
      bytes[v * nn + u] = quant(values[v * nn + u]);
    }
  }
  LocalityCopy copy;
  copy.Build(bytes.data(), nn, order, 2);
  ASSERT_FALSE(copy.empty());
  int w[M];
  for (int q = 0; q < M; ++q) w[q] = vertex(rng);  // repeats are allowed: members are skipped
  const float* r[M];
  const uint8_t* qr[M];
  for (int q = 0; q < M; ++q) {
    r[q] = values.data() + static_cast<size_t>(w[q]) * nn;
    qr[q] = bytes.data() + static_cast<size_t>(w[q]) * nn;
  }
  const uint8_t *rows[M], *mins[M];
  const LocalityRows local = copy.RowsOf<M>(w, rows, mins);
  const float diam = 0.025f * static_cast<float>(level(rng) / 4);
  const float threshold = std::uniform_int_distribution<int>(0, 3)(rng) == 0
                              ? std::numeric_limits<float>::infinity()
                              : 0.025f * static_cast<float>(level(rng)) + 0.01f;
  const float cd0 = std::max(diam, 0.025f * static_cast<float>(level(rng) / 4));
  const int v0 = vertex(rng);
  const Sequence whole = OneAtATime<M>(r, w, n, diam, cd0, v0, threshold);
  std::vector<int> scratch(nn);
  const std::vector<SimdLevel> levels = SimdLevelsHere();
  for (const bool past : {false, true}) {
    const Sequence expected = past ? PastDiameter(whole, diam) : whole;
    for (SimdLevel simd : levels) {
      for (const auto& [cap, target] : std::vector<std::pair<int, int>>{{1, 0}, {16, 4}, {40, 3}}) {
        for (int first_window : {0, 3}) {
          Sequence got;
          std::vector<float> cd(static_cast<size_t>(cap));
          std::vector<int> v(static_cast<size_t>(cap));
          float c0 = cd0;
          int u0 = v0, window = first_window;
          for (;;) {
            const int k = NextCofacetsQuantized<M>(simd, quant, qr, r, w, n, diam, c0, u0, threshold, cap, cd.data(),
                                                   v.data(), window, scratch.data(), target, 0, nullptr, &local,
                                                   past);
            ASSERT_LE(k, cap);
            if (k == 0) break;
            got.cd.insert(got.cd.end(), cd.begin(), cd.begin() + k);
            got.v.insert(got.v.end(), v.begin(), v.begin() + k);
            c0 = cd[static_cast<size_t>(k - 1)];
            u0 = v[static_cast<size_t>(k - 1)];
          }
          EXPECT_EQ(got.v, expected.v) << "M=" << M << " n=" << n << " cap=" << cap << " local=" << local_values
                                       << " simd=" << static_cast<int>(simd) << " past=" << past;
          EXPECT_EQ(got.cd, expected.cd) << "M=" << M << " n=" << n << " cap=" << cap;
        }
      }
    }
  }
}

TEST(QuantizedScanTest, LocalityRowsGiveTheOneAtATimeSequence) {
  std::mt19937 rng(46);
  for (const DistanceQuantizer& quant : FineCoarseAndOneLevel()) {
    // 4 100 points: more than one group of 64 blocks.
    for (int n : {1, 5, 63, 64, 65, 130, 700, 4100}) {
      const int trials = n > 1000 ? 1 : 8;
      for (int trial = 0; trial < trials; ++trial) {
        for (bool local_values : {true, false}) {
          if (n > 1000 && !local_values) continue;
          CheckLocalityScan<2>(rng, n, quant, local_values);
          CheckLocalityScan<3>(rng, n, quant, local_values);
          CheckLocalityScan<4>(rng, n, quant, local_values);
        }
      }
    }
  }
}

// The locality copy's layout: row v's column t is v's byte at order[t], every block's
// minimum is its least byte, and the padding reads 255.
TEST(QuantizedScanTest, LocalityCopyHoldsTheBytesInOrderAndTheBlockMinima) {
  std::mt19937 rng(47);
  for (int n : {1, 64, 100, 4097}) {
    const size_t nn = static_cast<size_t>(n);
    std::vector<uint8_t> bytes(nn * nn);
    for (uint8_t& b : bytes) b = static_cast<uint8_t>(std::uniform_int_distribution<int>(0, 254)(rng));
    std::vector<uint32_t> order(nn);
    std::iota(order.begin(), order.end(), 0u);
    std::shuffle(order.begin(), order.end(), rng);
    LocalityCopy copy;
    copy.Build(bytes.data(), nn, order, 2);
    const int blocks = (n + 63) / 64;
    for (int v : {0, n / 2, n - 1}) {
      const uint8_t *rows[1], *mins[1];
      const LocalityRows l = copy.RowsOf<1>(&v, rows, mins);
      ASSERT_EQ(l.blocks, blocks);
      for (size_t t = 0; t < nn; ++t) {
        ASSERT_EQ(l.vertex[t], static_cast<int32_t>(order[t]));
        ASSERT_EQ(rows[0][t], bytes[static_cast<size_t>(v) * nn + order[t]]) << "n=" << n << " v=" << v << " t=" << t;
      }
      for (int t = n; t < 64 * blocks; ++t) ASSERT_EQ(rows[0][t], 255);
      for (int b = 0; b < blocks; ++b) {
        uint8_t least = 255;
        for (int t = 64 * b; t < std::min(n, 64 * (b + 1)); ++t) least = std::min(least, rows[0][t]);
        ASSERT_EQ(mins[0][b], least) << "n=" << n << " block=" << b;
      }
      for (int b = blocks; b < (blocks + 63) / 64 * 64; ++b) ASSERT_EQ(mins[0][b], 255);
    }
  }
}

// The quantiser is monotone: x ≤ y gives q(x) ≤ q(y), across and outside its sample.
TEST(QuantizedScanTest, QuantizerIsMonotone) {
  std::mt19937 rng(5);
  std::normal_distribution<float> g(1.4f, 0.05f);
  std::vector<float> sample;
  for (int i = 0; i < 10000; ++i) sample.push_back(g(rng));
  const DistanceQuantizer quant(sample);
  std::vector<float> xs = {0.0f, 1.0f, 2.0f, std::numeric_limits<float>::infinity()};
  for (int i = 0; i < 20000; ++i) xs.push_back(g(rng));
  std::sort(xs.begin(), xs.end());
  for (size_t i = 1; i < xs.size(); ++i) EXPECT_LE(quant(xs[i - 1]), quant(xs[i])) << xs[i - 1] << " " << xs[i];
  EXPECT_LT(quant(1.3f), quant(1.5f));  // the levels spread where the sample is
}

}  // namespace
}  // namespace panic::tda::internal
