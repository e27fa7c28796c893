// Single-precision matrix products for the native models, on OpenBLAS.
//
// All matrices are row-major. OpenBLAS picks its kernel for the CPU at run time (AVX2,
// AVX-512, …), which is what makes the native models fast without building for one CPU.
//
// Thread safety: Gemm may be called from several threads at once. SetGemmThreads changes
// a process-wide setting.
#pragma once

namespace panic::models::native {

// C[m×n] = alpha · A[m×k] · B[k×n] + beta · C, with leading dimensions lda, ldb, ldc;
// B is read transposed (B is then n×k) when transpose_b.
void Gemm(int m, int n, int k, float alpha, const float* a, int lda, const float* b, int ldb,
          bool transpose_b, float beta, float* c, int ldc);

// The number of threads one Gemm call may use (OpenBLAS's own pool). 1 when callers
// parallelise themselves; by default OpenBLAS uses every core (or $OPENBLAS_NUM_THREADS).
void SetGemmThreads(int threads);

// The kernel family OpenBLAS chose for this CPU ("Haswell", "SkylakeX", …), for benchmarks.
// OpenBLAS 0.3.21 (Debian 12) gives AMD Zen 4 its AVX2 "Haswell" kernels; on such a CPU
// OPENBLAS_CORETYPE=SkylakeX in the environment selects the AVX-512 ones, about twice as
// fast (docs/USELITE.md).
const char* GemmKernelName();

}  // namespace panic::models::native
