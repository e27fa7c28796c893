// Built with -mavx512f -mavx512bw -mavx512dq -mavx512vl -mfma (src/panic/CMakeLists.txt).
// Only <immintrin.h>: no library template may be instantiated here, or the linker could keep
// its AVX-512 copy for code that runs on any CPU (gemm_avx512.h).
#include "panic/models/native/gemm_avx512.h"

#if defined(__x86_64__) || defined(__i386__)
#ifndef __AVX512F__
#error "gemm_avx512.cpp must be compiled with -mavx512f (src/panic/CMakeLists.txt)"
#endif
#include <immintrin.h>

namespace panic::models::native::avx512 {
namespace {

// What a micro-kernel does with its result: C = (load_c ? C : 0) + A·B + bias (bias: the
// panel's 32 values, or null), then max(·, 0) when relu.
struct Epilogue {
  const float* bias;
  bool load_c;
  bool relu;
};

// C[R × 32] = A[R × kc] · B-panel, finished by `e`: a is row-major (leading dimension lda;
// each depth step broadcasts one value of each of the R rows, read in place: packing A cost
// more than it saved), b kc rows of 32. Columns beyond the masks are neither read nor
// written.
template <int R>
__attribute__((always_inline)) inline void MicroKernel(int kc, const float* __restrict a, long lda,
                                                       const float* __restrict b, float* c, long ldc,
                                                       __mmask16 mask0, __mmask16 mask1, Epilogue e) {
  __m512 acc0[R], acc1[R];
#pragma GCC unroll 12
  for (int r = 0; r < R; ++r) {
    acc0[r] = _mm512_setzero_ps();
    acc1[r] = _mm512_setzero_ps();
  }
#pragma GCC unroll 2
  for (int k = 0; k < kc; ++k) {
    const __m512 b0 = _mm512_load_ps(b + k * kPanelWidth);
    const __m512 b1 = _mm512_load_ps(b + k * kPanelWidth + 16);
#pragma GCC unroll 12
    for (int r = 0; r < R; ++r) {
      const __m512 av = _mm512_set1_ps(a[r * lda + k]);
      acc0[r] = _mm512_fmadd_ps(av, b0, acc0[r]);
      acc1[r] = _mm512_fmadd_ps(av, b1, acc1[r]);
    }
  }
  const __m512 zero = _mm512_setzero_ps();
  const __m512 bias0 = e.bias != nullptr ? _mm512_maskz_loadu_ps(mask0, e.bias) : zero;
  const __m512 bias1 = e.bias != nullptr ? _mm512_maskz_loadu_ps(mask1, e.bias + 16) : zero;
#pragma GCC unroll 12
  for (int r = 0; r < R; ++r) {
    float* cr = c + r * ldc;
    __m512 c0 = _mm512_add_ps(acc0[r], bias0);
    __m512 c1 = _mm512_add_ps(acc1[r], bias1);
    if (e.load_c) {
      c0 = _mm512_add_ps(_mm512_maskz_loadu_ps(mask0, cr), c0);
      c1 = _mm512_add_ps(_mm512_maskz_loadu_ps(mask1, cr + 16), c1);
    }
    if (e.relu) {  // max(c, 0) as std::max gives it (NaN stays)
      c0 = _mm512_maskz_mov_ps(_mm512_cmp_ps_mask(c0, zero, _CMP_NLT_UQ), c0);
      c1 = _mm512_maskz_mov_ps(_mm512_cmp_ps_mask(c1, zero, _CMP_NLT_UQ), c1);
    }
    _mm512_mask_storeu_ps(cr, mask0, c0);
    _mm512_mask_storeu_ps(cr + 16, mask1, c1);
  }
}

using KernelFn = void (*)(int, const float*, long, const float*, float*, long, __mmask16, __mmask16, Epilogue);

template <int R>
void KernelRows(int kc, const float* a, long lda, const float* b, float* c, long ldc, __mmask16 mask0,
                __mmask16 mask1, Epilogue e) {
  MicroKernel<R>(kc, a, lda, b, c, ldc, mask0, mask1, e);
}

constexpr KernelFn kKernels[kPanelRows + 1] = {
    nullptr,        KernelRows<1>, KernelRows<2>, KernelRows<3>,  KernelRows<4>,  KernelRows<5>, KernelRows<6>,
    KernelRows<7>,  KernelRows<8>, KernelRows<9>, KernelRows<10>, KernelRows<11>, KernelRows<12>};

}  // namespace

void GemmPackedAvx512(int m, int n, int k, const float* a, int lda, const float* packed_b, const float* bias,
                      float* c, int ldc, bool accumulate, bool relu) {
  if (m <= 0 || n <= 0) return;
  const int panels = (n + kPanelWidth - 1) / kPanelWidth;
  if (k <= 0) {  // no product: C = (C or 0) + bias, then the clamp
    for (int i = 0; i < m; ++i) {
      float* ci = c + static_cast<long>(i) * ldc;
      for (int j = 0; j < n; ++j) {
        const float v = (accumulate ? ci[j] : 0.0f) + (bias != nullptr ? bias[j] : 0.0f);
        ci[j] = relu && v < 0.0f ? 0.0f : v;
      }
    }
    return;
  }
  for (int pc = 0; pc < k; pc += kDepthBlock) {
    const int kc = k - pc < kDepthBlock ? k - pc : kDepthBlock;
    const bool first_depth = pc == 0, last_depth = pc + kc == k;
    for (int ic = 0; ic < m; ic += kRowBlock) {
      const int mc = m - ic < kRowBlock ? m - ic : kRowBlock;
      for (int j = 0; j < panels; ++j) {
        const int width = n - j * kPanelWidth < kPanelWidth ? n - j * kPanelWidth : kPanelWidth;
        const __mmask16 mask0 = width >= 16 ? 0xFFFF : static_cast<__mmask16>((1u << width) - 1);
        const __mmask16 mask1 = width >= 32 ? 0xFFFF
                                : width <= 16 ? 0
                                              : static_cast<__mmask16>((1u << (width - 16)) - 1);
        const float* b = packed_b + (static_cast<long>(j) * k + pc) * kPanelWidth;
        float* cj = c + static_cast<long>(ic) * ldc + j * kPanelWidth;
        const Epilogue e{first_depth && bias != nullptr ? bias + j * kPanelWidth : nullptr,
                         accumulate || !first_depth, relu && last_depth};
        for (int p = 0, rows = 0; p < mc; p += rows) {
          // The last 13–17 rows as two near-equal tiles: a tile of few rows has too few
          // independent accumulators to hide the FMA latency.
          const int left = mc - p;
          rows = left <= kPanelRows ? left : left < kPanelRows + kPanelRows / 2 ? (left + 1) / 2 : kPanelRows;
          kKernels[rows](kc, a + static_cast<long>(ic + p) * lda + pc, lda, b, cj + static_cast<long>(p) * ldc, ldc,
                         mask0, mask1, e);
        }
      }
    }
  }
}

}  // namespace panic::models::native::avx512
#else  // not x86: never called (BestGemmKernel() is kOpenBlas)
namespace panic::models::native::avx512 {
void GemmPackedAvx512(int, int, int, const float*, int, const float*, const float*, float*, int, bool, bool) {}
}  // namespace panic::models::native::avx512
#endif
