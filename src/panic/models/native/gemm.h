// Single-precision matrix products for the native models.
//
// All matrices are row-major. Two kernels:
//  - kAvx512: our own packed product (gemm_avx512.{h,cpp}), for CPUs with AVX-512F. The
//    right-hand matrices are model weights, so they are packed once (PackedMatrix); the
//    left-hand rows are read in place.
//  - kOpenBlas: cblas_sgemm, for every other CPU. OpenBLAS picks its kernels at run time; on
//    the AMD EPYC machines here the environment sets OPENBLAS_CORETYPE=Haswell (older
//    OpenBLAS builds crash or compute wrong results with their AVX-512 kernels on these
//    CPUs), so OpenBLAS runs its AVX2 kernels there, at about half the AVX-512 speed.
// BestGemmKernel() chooses at run time (__builtin_cpu_supports("avx512f")).
//
// Thread safety: Gemm and GemmAdd may be called from several threads at once (a
// PackedMatrix is never written after construction). SetGemmThreads changes a process-wide
// OpenBLAS setting.
#pragma once

#include <cstddef>
#include <memory>
#include <span>

namespace panic::models::native {

enum class GemmKernel { kOpenBlas, kAvx512 };
class PackedMatrix;

// C[m×n] = (accumulate ? C : 0) + A[m×k] · B + bias (leading dimensions lda, ldc; bias has n
// values, or is empty); then C = max(C, 0) when relu. The AVX-512 kernel adds the bias and
// applies the ReLU as it stores C (no separate pass over C).
void GemmBias(int m, const float* a, int lda, const PackedMatrix& b, std::span<const float> bias, float* c, int ldc,
              bool accumulate, bool relu = false);
// C[m×n] += A[m×k] · B; then C = max(C, 0) when relu.
inline void GemmAdd(int m, const float* a, int lda, const PackedMatrix& b, float* c, int ldc, bool relu = false) {
  GemmBias(m, a, lda, b, {}, c, ldc, /*accumulate=*/true, relu);
}

// kAvx512 when the CPU (and the OS) support AVX-512F, else kOpenBlas.
GemmKernel BestGemmKernel();
// "AVX-512 (panic-tda)" or "OpenBLAS <its kernel family>", for benchmarks and logs.
const char* GemmKernelDescription(GemmKernel kernel);

// C[m×n] = alpha · A[m×k] · B[k×n] + beta · C, with leading dimensions lda, ldb, ldc;
// B is read transposed (B is then n×k) when transpose_b. Always OpenBLAS.
void Gemm(int m, int n, int k, float alpha, const float* a, int lda, const float* b, int ldb,
          bool transpose_b, float beta, float* c, int ldc);

// A constant right-hand matrix B (k × n, row-major, contiguous), prepared for `kernel`:
// packed into the AVX-512 kernel's panels, or (OpenBLAS) referenced as is — then `b` must
// outlive the PackedMatrix. Asking for kAvx512 on a CPU without AVX-512F gives kOpenBlas.
class PackedMatrix {
 public:
  PackedMatrix() = default;
  PackedMatrix(std::span<const float> b, int k, int n, GemmKernel kernel);

  int rows() const { return k_; }
  int cols() const { return n_; }
  GemmKernel kernel() const { return kernel_; }

 private:
  struct Free {
    void operator()(float* p) const;
  };
  friend void GemmBias(int m, const float* a, int lda, const PackedMatrix& b, std::span<const float> bias, float* c,
                       int ldc, bool accumulate, bool relu);

  const float* b_ = nullptr;
  int k_ = 0, n_ = 0;
  GemmKernel kernel_ = GemmKernel::kOpenBlas;
  std::unique_ptr<float[], Free> packed_;  // kAvx512: 64-byte aligned panels
};

// The number of threads one OpenBLAS call may use (OpenBLAS's own pool). 1 when callers
// parallelise themselves; by default OpenBLAS uses every core (or $OPENBLAS_NUM_THREADS).
// The AVX-512 kernel always runs on the calling thread.
void SetGemmThreads(int threads);

// The kernel family OpenBLAS chose for this CPU ("Haswell", "SkylakeX", …), for benchmarks.
const char* GemmKernelName();

}  // namespace panic::models::native
