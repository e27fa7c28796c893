// The OpenBLAS entry points the distance kernels call (tda/distance_matrix, cluster/unit_rows),
// declared here rather than through <cblas.h>, so that no include path depends on which BLAS
// alternative Debian has selected. Only code of the layers that link openblas (tda, cluster,
// analysis, models) includes it; core itself calls none of them.
#pragma once

#include <mutex>

extern "C" {
void cblas_sgemm(int order, int trans_a, int trans_b, int m, int n, int k, float alpha, const float* a, int lda,
                 const float* b, int ldb, float beta, float* c, int ldc);
void cblas_dgemm(int order, int trans_a, int trans_b, int m, int n, int k, double alpha, const double* a, int lda,
                 const double* b, int ldb, double beta, double* c, int ldc);
void openblas_set_num_threads(int num_threads);
}

namespace panic::blas {

// CBLAS_ORDER and CBLAS_TRANSPOSE values.
inline constexpr int kRowMajor = 101;
inline constexpr int kNoTrans = 111;
inline constexpr int kTrans = 112;

// OpenBLAS single-threaded, once per process: the kernels parallelise over tiles with their
// own workers (core/parallel.h), each tile one BLAS call.
inline void UseSingleThreadedBlas() {
  static std::once_flag once;
  std::call_once(once, [] { openblas_set_num_threads(1); });
}

}  // namespace panic::blas
