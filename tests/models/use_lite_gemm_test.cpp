// The matrix products behind USELite (src/panic/models/native/gemm.h): the AVX-512 kernel
// (where the CPU has it) and OpenBLAS against a double-precision product, over shapes that
// exercise every edge of the packing (rows not a multiple of 12, columns not a multiple of
// 32 or 16, depths not a multiple of 256, leading dimensions wider than the matrices), with
// and without a bias, adding to C or overwriting it (C starts as noise), with and without
// the ReLU.
#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <vector>

#include "panic/models/native/gemm.h"

namespace panic::models::native {
namespace {

struct Shape {
  int m, n, k;
};

// What the product does with C: C = (accumulate ? C : 0) + A·B (+ bias), then ReLU.
struct Finish {
  bool bias, accumulate, relu;
};

// Max |C − C_exact| / (1 + |C_exact|) for GemmBias with the given kernel.
double Error(GemmKernel kernel, Shape s, Finish f, unsigned seed) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> normal;
  const int lda = s.k + 3, ldc = s.n + 5;
  std::vector<float> a(static_cast<size_t>(s.m) * lda), b(static_cast<size_t>(s.k) * s.n),
      c(static_cast<size_t>(s.m) * ldc), bias(f.bias ? s.n : 0);
  for (float& x : a) x = normal(rng);
  for (float& x : b) x = normal(rng);
  for (float& x : c) x = normal(rng);
  for (float& x : bias) x = normal(rng);
  std::vector<double> exact(static_cast<size_t>(s.m) * s.n);
  for (int i = 0; i < s.m; ++i) {
    for (int j = 0; j < s.n; ++j) {
      double sum = (f.accumulate ? c[static_cast<size_t>(i) * ldc + j] : 0.0) + (f.bias ? bias[j] : 0.0f);
      for (int q = 0; q < s.k; ++q) sum += double(a[static_cast<size_t>(i) * lda + q]) * b[static_cast<size_t>(q) * s.n + j];
      exact[static_cast<size_t>(i) * s.n + j] = f.relu ? std::max(sum, 0.0) : sum;
    }
  }
  const std::vector<float> before = c;
  const PackedMatrix packed(b, s.k, s.n, kernel);
  GemmBias(s.m, a.data(), lda, packed, bias, c.data(), ldc, f.accumulate, f.relu);
  double worst = 0;
  for (int i = 0; i < s.m; ++i) {
    for (int j = 0; j < ldc; ++j) {
      const size_t at = static_cast<size_t>(i) * ldc + j;
      if (j >= s.n) {  // beyond the columns: untouched
        EXPECT_EQ(c[at], before[at]) << "row " << i << " column " << j;
        continue;
      }
      const double e = exact[static_cast<size_t>(i) * s.n + j];
      worst = std::max(worst, std::fabs(c[at] - e) / (1 + std::fabs(e)));
    }
  }
  return worst;
}

TEST(UseLiteGemm, BothKernelsMatchADoublePrecisionProduct) {
  // Rows: 13–17 left over split into two tiles, 120-row blocks; columns: masks;
  // depths: 256-deep passes; k = 0: no product at all.
  const std::vector<Shape> shapes = {{1, 1, 1},       {3, 20, 0},      {1, 512, 256},  {5, 7, 3},
                                     {12, 32, 256},   {13, 33, 257},   {15, 32, 64},   {17, 48, 300},
                                     {27, 40, 100},   {11, 17, 600},   {130, 64, 513}, {133, 96, 31},
                                     {250, 512, 512}, {40, 1536, 512}, {33, 512, 1536}};
  for (GemmKernel kernel : {GemmKernel::kOpenBlas, GemmKernel::kAvx512}) {
    unsigned seed = 1;
    for (const Shape& s : shapes) {
      for (Finish f : {Finish{false, true, false}, Finish{false, true, true}, Finish{true, false, false},
                       Finish{true, false, true}, Finish{true, true, false}, Finish{false, false, false}}) {
        const double error = Error(kernel, s, f, seed++);
        // float accumulation over k terms of unit variance: well under 1e-5·√k relative
        EXPECT_LT(error, 2e-6 * std::sqrt(double(s.k)) + 1e-6)
            << GemmKernelDescription(kernel) << " m=" << s.m << " n=" << s.n << " k=" << s.k << " bias=" << f.bias
            << " accumulate=" << f.accumulate << " relu=" << f.relu;
      }
    }
  }
}

TEST(UseLiteGemm, Avx512IsChosenWhereTheCpuHasIt) {
  const std::vector<float> b(16 * 16, 1.0f);
  const PackedMatrix packed(b, 16, 16, GemmKernel::kAvx512);
#if defined(__x86_64__) || defined(__i386__)
  const bool has = __builtin_cpu_supports("avx512f");
#else
  const bool has = false;
#endif
  EXPECT_EQ(BestGemmKernel(), has ? GemmKernel::kAvx512 : GemmKernel::kOpenBlas);
  EXPECT_EQ(packed.kernel(), BestGemmKernel());  // asking for AVX-512 without it gives OpenBLAS
  EXPECT_EQ(PackedMatrix(b, 16, 16, GemmKernel::kOpenBlas).kernel(), GemmKernel::kOpenBlas);
}

}  // namespace
}  // namespace panic::models::native
