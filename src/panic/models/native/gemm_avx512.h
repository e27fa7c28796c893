// The AVX-512 single-precision product behind GemmAdd (gemm.h), for B packed once.
//
// gemm_avx512.cpp is the only source built with -mavx512f -mavx512bw -mavx512dq -mavx512vl
// -mfma (src/panic/CMakeLists.txt); gemm.cpp calls it only when the CPU reports avx512f.
// That file defines nothing but GemmPackedAvx512 (no inline library templates), so no
// AVX-512 code can be picked by the linker for other sources.
//
// Layout of a packed B (k × n, row-major): panels of kPanelWidth columns, the last one padded
// with zeros; panel j holds its k rows one after another (k × kPanelWidth floats) at
// packed + j·k·kPanelWidth.
#pragma once

namespace panic::models::native::avx512 {

constexpr int kPanelWidth = 32;   // columns of B per panel: two zmm registers
constexpr int kPanelRows = 12;    // rows of A per micro-kernel: 12 × 2 zmm accumulators
constexpr int kDepthBlock = 256;  // k per pass: a 32 KiB B micro-panel stays in L1
constexpr int kRowBlock = 120;    // rows of A per pass: 120 × 256 floats stay in L2

// Floats a packed k × n B takes.
constexpr long PackedSize(int k, int n) {
  return static_cast<long>(k) * ((n + kPanelWidth - 1) / kPanelWidth) * kPanelWidth;
}

// packed (PackedSize(k, n) floats) = b (k × n, leading dimension ldb) in the layout above.
void PackB(const float* b, int k, int n, int ldb, float* packed);

// C[m × n] = (accumulate ? C : 0) + A[m × k] · B + bias (n floats, or null), B packed by
// PackB; then C = max(C, 0) when relu. Only call when the CPU has AVX-512F.
void GemmPackedAvx512(int m, int n, int k, const float* a, int lda, const float* packed_b, const float* bias,
                      float* c, int ldc, bool accumulate, bool relu);

}  // namespace panic::models::native::avx512
