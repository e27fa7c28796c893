#include "panic/models/native/gemm.h"

#include <cblas.h>

extern "C" {
void openblas_set_num_threads(int num_threads);
// Weak: another BLAS still links, and the kernel name is then just "BLAS".
char* openblas_get_corename(void) __attribute__((weak));
}

namespace panic::models::native {

void Gemm(int m, int n, int k, float alpha, const float* a, int lda, const float* b, int ldb,
          bool transpose_b, float beta, float* c, int ldc) {
  if (m == 0 || n == 0) return;
  cblas_sgemm(CblasRowMajor, CblasNoTrans, transpose_b ? CblasTrans : CblasNoTrans, m, n, k, alpha, a, lda, b,
              ldb, beta, c, ldc);
}

void SetGemmThreads(int threads) { openblas_set_num_threads(threads < 1 ? 1 : threads); }

const char* GemmKernelName() { return openblas_get_corename != nullptr ? openblas_get_corename() : "BLAS"; }

}  // namespace panic::models::native
