// Simplex indices in the combinatorial number system (RipsComplex, rips_complex.h): the
// guessed MaxVertex (a root of k!·idx, then steps against the binomial table) against a
// plain bisection on the same table, at the boundaries C(v, k) and C(v, k) − 1 and at
// random indices, below a `top`, for k = 1..5 and n up to 200 000 (past the 16-bit edge
// table; C(n, 5) saturates the table there, which must stay monotone); and Vertices
// against IndexOfVertices both ways.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <functional>
#include <random>
#include <vector>

#include "panic/tda/rips_complex.h"

namespace panic::tda::internal::reducer {
namespace {

// The complex's simplex arithmetic, opened for the test (no distances are read).
class SimplexArithmetic : public RipsComplex {
 public:
  explicit SimplexArithmetic(const DistanceMatrix& d) : RipsComplex(d, /*maxdim=*/3, /*wide_edge_table=*/false) {}
  using RipsComplex::B;
  using RipsComplex::IndexOfVertices;
  using RipsComplex::MaxVertex;
  using RipsComplex::Vertices;
  // The largest v in [k − 1, top] with C(v, k) ≤ idx, by bisection alone.
  int Bisected(index_t idx, int k, int top) const {
    int lo = k - 1, hi = top;
    while (lo < hi) {
      const int mid = lo + (hi - lo + 1) / 2;
      if (B(mid, k) <= idx) {
        lo = mid;
      } else {
        hi = mid - 1;
      }
    }
    return lo;
  }
};

constexpr index_t kMaxIndex = (index_t{1} << 56) - 1;  // entries hold 56-bit indices

TEST(SimplexIndexTest, MaxVertexMatchesBisection) {
  std::mt19937_64 rng(5);
  for (int n : {7, 3000, 10000, 70000, 200000}) {
    DistanceMatrix d;
    d.n = static_cast<size_t>(n);
    const SimplexArithmetic s(d);
    for (int k = 1; k <= 5; ++k) {
      std::vector<int> vs;
      for (int v = k - 1; v < std::min(n, k + 300); ++v) vs.push_back(v);
      for (int v = std::max(k - 1, n - 300); v < n; ++v) vs.push_back(v);
      for (int i = 0; i < 3000; ++i) vs.push_back(k - 1 + static_cast<int>(rng() % static_cast<uint64_t>(n - k + 1)));
      int checked = 0;
      for (int v : vs) {
        const index_t at = s.B(v, k);
        if (at > kMaxIndex) continue;
        ++checked;
        ASSERT_EQ(s.MaxVertex(at, k, n - 1), v) << "n " << n << " k " << k << " idx C(v, k)";
        if (at > 0) {
          ASSERT_EQ(s.MaxVertex(at - 1, k, n - 1), v - 1) << "n " << n << " k " << k << " v " << v;
        }
        // Any top: the answer is clamped to it.
        const int top = k - 1 + static_cast<int>(rng() % static_cast<uint64_t>(n - k + 1));
        ASSERT_EQ(s.MaxVertex(at, k, top), s.Bisected(at, k, top)) << "n " << n << " k " << k << " top " << top;
      }
      EXPECT_GT(checked, 100) << "n " << n << " k " << k;
      const index_t span = std::min(s.B(n, k), kMaxIndex);
      for (int i = 0; i < 20000; ++i) {
        const index_t idx = static_cast<index_t>(rng() % static_cast<uint64_t>(span));
        ASSERT_EQ(s.MaxVertex(idx, k, n - 1), s.Bisected(idx, k, n - 1)) << "n " << n << " k " << k << " idx " << idx;
      }
    }
  }
}

TEST(SimplexIndexTest, VerticesAndIndicesRoundTrip) {
  std::mt19937_64 rng(6);
  for (int n : {5, 3000, 70000}) {
    DistanceMatrix d;
    d.n = static_cast<size_t>(n);
    const SimplexArithmetic s(d);
    for (int m = 1; m <= 4 && m <= n; ++m) {
      for (int i = 0; i < 20000; ++i) {
        std::vector<int> w;
        while (static_cast<int>(w.size()) < m) {
          const int v = static_cast<int>(rng() % static_cast<uint64_t>(n));
          if (std::find(w.begin(), w.end(), v) == w.end()) w.push_back(v);
        }
        std::sort(w.begin(), w.end(), std::greater<int>());
        const index_t idx = s.IndexOfVertices(w.data(), m);
        int back[5];
        s.Vertices(idx, m, back);
        ASSERT_TRUE(std::equal(w.begin(), w.end(), back)) << "n " << n << " m " << m << " idx " << idx;
      }
    }
  }
}

}  // namespace
}  // namespace panic::tda::internal::reducer
