// Binomial coefficients C(v, k) for the combinatorial number system that indexes
// simplices: the simplex {v_k > … > v_0} has index Σ_i C(v_i, i + 1), so a simplex is
// one integer and its vertices are recovered by arithmetic (ripser's packed index).
#pragma once

#include <cstdint>
#include <vector>

namespace panic::tda::internal {

class BinomialTable {
 public:
  // C(v, k) for 0 ≤ v ≤ n, 0 ≤ k ≤ max_k. Entries that would exceed 2^62 saturate at
  // 2^62; Fits() tells whether C(n, max_k) stays below a bound.
  BinomialTable(int64_t n, int max_k) : n_(n + 1), table_((max_k + 1) * (n + 1), 0) {
    constexpr int64_t kCap = int64_t{1} << 62;
    for (int64_t v = 0; v <= n; ++v) {
      at(v, 0) = 1;
      for (int k = 1; k <= max_k; ++k) {
        if (v == 0) continue;
        // Pascal, saturating: both terms are ≤ kCap, but their sum may pass 2^63 − 1 (two
        // saturated terms; n = 200 000 at k = 5 gave negative entries).
        const int64_t a = at(v - 1, k - 1), b = at(v - 1, k);
        at(v, k) = a > kCap - b ? kCap : a + b;
      }
    }
  }
  int64_t operator()(int64_t v, int k) const { return table_[k * n_ + v]; }

 private:
  int64_t& at(int64_t v, int k) { return table_[k * n_ + v]; }
  int64_t n_;
  std::vector<int64_t> table_;  // row k holds C(0..n, k), so a scan over v is contiguous
};

}  // namespace panic::tda::internal
