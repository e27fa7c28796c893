#include "panic/models/native/gemm.h"

#include <cblas.h>

#include <algorithm>
#include <cstdlib>
#include <new>
#include <string>

#include "panic/models/native/gemm_avx512.h"

extern "C" {
void openblas_set_num_threads(int num_threads);
// Weak: another BLAS still links, and the kernel name is then just "BLAS".
char* openblas_get_corename(void) __attribute__((weak));
}

namespace panic::models::native {
namespace {

bool CpuHasAvx512() {
#if defined(__x86_64__) || defined(__i386__)
  // libgcc's check includes the OS's support (XCR0) for the zmm state. __builtin_cpu_init
  // first, in case this runs during static initialisation, before libgcc's own.
  static const bool has = [] {
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx512f") != 0;
  }();
  return has;
#else
  return false;
#endif
}

float* AlignedFloats(size_t n) {
  const size_t bytes = (std::max<size_t>(n, 1) * sizeof(float) + 63) / 64 * 64;
  void* p = std::aligned_alloc(64, bytes);
  if (p == nullptr) throw std::bad_alloc();
  return static_cast<float*>(p);
}

}  // namespace

namespace avx512 {

void PackB(const float* b, int k, int n, int ldb, float* packed) {
  const int panels = (n + kPanelWidth - 1) / kPanelWidth;
  for (int j = 0; j < panels; ++j) {
    const int col = j * kPanelWidth;
    const int width = std::min(kPanelWidth, n - col);
    float* panel = packed + static_cast<long>(j) * k * kPanelWidth;
    for (int r = 0; r < k; ++r) {
      float* dst = panel + static_cast<long>(r) * kPanelWidth;
      const float* src = b + static_cast<long>(r) * ldb + col;
      std::copy(src, src + width, dst);
      std::fill(dst + width, dst + kPanelWidth, 0.0f);
    }
  }
}

}  // namespace avx512

GemmKernel BestGemmKernel() { return CpuHasAvx512() ? GemmKernel::kAvx512 : GemmKernel::kOpenBlas; }

const char* GemmKernelDescription(GemmKernel kernel) {
  if (kernel == GemmKernel::kAvx512) return "AVX-512 (panic-tda's packed kernel)";
  static const std::string blas = std::string("OpenBLAS, ") + GemmKernelName() + " kernels";
  return blas.c_str();
}

void Gemm(int m, int n, int k, float alpha, const float* a, int lda, const float* b, int ldb,
          bool transpose_b, float beta, float* c, int ldc) {
  if (m == 0 || n == 0) return;
  cblas_sgemm(CblasRowMajor, CblasNoTrans, transpose_b ? CblasTrans : CblasNoTrans, m, n, k, alpha, a, lda, b,
              ldb, beta, c, ldc);
}

void PackedMatrix::Free::operator()(float* p) const { std::free(p); }

PackedMatrix::PackedMatrix(std::span<const float> b, int k, int n, GemmKernel kernel)
    : b_(b.data()), k_(k), n_(n), kernel_(kernel == GemmKernel::kAvx512 && CpuHasAvx512() ? kernel
                                                                                          : GemmKernel::kOpenBlas) {
  if (kernel_ == GemmKernel::kAvx512) {
    packed_.reset(AlignedFloats(static_cast<size_t>(avx512::PackedSize(k, n))));
    avx512::PackB(b.data(), k, n, n, packed_.get());
  }
}

void GemmBias(int m, const float* a, int lda, const PackedMatrix& b, std::span<const float> bias, float* c, int ldc,
              bool accumulate, bool relu) {
  const int n = b.n_;
  if (m <= 0 || n <= 0) return;
  if (b.kernel_ == GemmKernel::kAvx512) {
    avx512::GemmPackedAvx512(m, n, b.k_, a, lda, b.packed_.get(), bias.empty() ? nullptr : bias.data(), c, ldc,
                             accumulate, relu);
    return;
  }
  float beta = accumulate ? 1.0f : 0.0f;
  if (!bias.empty()) {  // C = (C or 0) + bias first, then C += A·B
    for (int i = 0; i < m; ++i) {
      float* ci = c + static_cast<size_t>(i) * ldc;
      for (int j = 0; j < n; ++j) ci[j] = (accumulate ? ci[j] : 0.0f) + bias[j];
    }
    beta = 1.0f;
  }
  Gemm(m, n, b.k_, 1.0f, a, lda, b.b_, n, /*transpose_b=*/false, beta, c, ldc);
  if (relu) {
    for (int i = 0; i < m; ++i) {
      float* ci = c + static_cast<size_t>(i) * ldc;
      for (int j = 0; j < n; ++j) ci[j] = std::max(ci[j], 0.0f);
    }
  }
}

void SetGemmThreads(int threads) { openblas_set_num_threads(threads < 1 ? 1 : threads); }

const char* GemmKernelName() { return openblas_get_corename != nullptr ? openblas_get_corename() : "BLAS"; }

}  // namespace panic::models::native
