// The next-cofacet scan on the byte copy of the distances (quantized_scan.h): the sequence
// NextCofacetsQuantized yields, batch after batch, must be the one-at-a-time scalar
// sequence (NextCofacetScalar), on random rows full of ties, for every rank M of the
// reduction, with quantisers coarse (a handful of levels: many vertices a window), fine,
// and degenerate (one level), with first windows from 0 to 40 levels, and with windows
// aiming at fewer entries than a batch keeps (the reducer's spill).
#include <gtest/gtest.h>

#include <random>
#include <utility>
#include <vector>

#include "tda/cofacet_sequence.h"
#include "panic/tda/cofacet_scan.h"
#include "panic/tda/edge_link.h"
#include "panic/tda/quantized_scan.h"

namespace panic::tda::internal {
namespace {

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
  const Sequence expected = OneAtATime<M>(r, w, n, diam, cd0, v0, threshold);
  std::vector<SimdLevel> levels = {SimdLevel::kScalar};
  if (DetectSimdLevel() == SimdLevel::kAvx512) levels.push_back(SimdLevel::kAvx512);
  std::vector<int> scratch(static_cast<size_t>(n));
  for (SimdLevel l : levels) {
    // target < cap: the window aims at `target` and the scan returns its whole exact prefix
    // up to cap (the reducer's spill, stop 31).
    for (const auto& [cap, target] : std::vector<std::pair<int, int>>{{1, 0}, {3, 0}, {8, 0}, {16, 7}, {16, 1}, {40, 3}}) {
      for (int first_window : {0, 2, 40}) {
        Sequence got;
        std::vector<float> cd(static_cast<size_t>(cap));
        std::vector<int> v(static_cast<size_t>(cap));
        float c0 = cd0;
        int u0 = v0, window = first_window;
        for (;;) {
          const int k = NextCofacetsQuantized<M>(l, quant, qr, r, w, n, diam, c0, u0, threshold, cap, cd.data(),
                                                 v.data(), window, scratch.data(), target);
          ASSERT_LE(k, cap);
          ASSERT_GE(window, 0);
          if (k == 0) break;
          got.cd.insert(got.cd.end(), cd.begin(), cd.begin() + k);
          got.v.insert(got.v.end(), v.begin(), v.begin() + k);
          c0 = cd[static_cast<size_t>(k - 1)];
          u0 = v[static_cast<size_t>(k - 1)];
        }
        EXPECT_EQ(got.v, expected.v) << "M=" << M << " n=" << n << " cap=" << cap << " target=" << target
                                     << " level=" << static_cast<int>(l);
        EXPECT_EQ(got.cd, expected.cd) << "M=" << M << " n=" << n << " cap=" << cap << " target=" << target;
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
  // The whole sequence from the top down, as the reducer walks it.
  for (int v = n, u = n;;) {
    v = ScanScalar<M>(r, w, lo, v, bound);
    u = ScanQuantizedAvx512<M>(qr, r, w, lo, u, bound, quant(bound));
    ASSERT_EQ(u, v) << "M=" << M << " n=" << n << " lo=" << lo;
    if (v < 0) break;
  }
  if constexpr (M == 2) {
    if (w[0] == w[1]) return;
    const int a = std::max(w[0], w[1]), b = std::min(w[0], w[1]);
    const float* ra = r[a == w[0] ? 0 : 1];
    const float* rb = r[a == w[0] ? 1 : 0];
    const uint8_t* qa = qr[a == w[0] ? 0 : 1];
    const uint8_t* qb = qr[a == w[0] ? 1 : 0];
    std::vector<int> expected(static_cast<size_t>(n)), got(static_cast<size_t>(n));
    expected.resize(static_cast<size_t>(EdgeLinkScalar(ra, rb, a, b, n, bound, expected.data())));
    got.resize(static_cast<size_t>(EdgeLinkVerticesQuantized(qa, qb, ra, rb, a, b, n, bound, quant(bound), got.data())));
    EXPECT_EQ(got, expected) << "n=" << n;
  }
}

TEST(QuantizedScanTest, OwnDiameterScanAndLinkEqualTheFloatOnes) {
  if (DetectSimdLevel() != SimdLevel::kAvx512) GTEST_SKIP() << "no AVX-512";
  std::mt19937 rng(30);
  std::vector<float> sample;
  for (int i = 0; i <= 40; ++i) sample.push_back(0.025f * static_cast<float>(i));
  const std::vector<DistanceQuantizer> quantizers = {DistanceQuantizer(sample),
                                                     DistanceQuantizer(std::vector<float>{0.3f, 0.5f, 0.9f}),
                                                     DistanceQuantizer()};
  for (const DistanceQuantizer& quant : quantizers) {
    for (int n : {2, 5, 63, 64, 65, 130, 500}) {
      for (int trial = 0; trial < 12; ++trial) {
        CheckScan<2>(rng, n, quant);
        CheckScan<3>(rng, n, quant);
        CheckScan<4>(rng, n, quant);
      }
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
