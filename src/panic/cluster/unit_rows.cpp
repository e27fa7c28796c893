#include "panic/cluster/unit_rows.h"

#include <algorithm>
#include <cmath>

#include "panic/core/blas.h"

namespace panic::cluster::internal {
namespace {

// d² below this fraction of ‖x‖² + ‖y‖² is recomputed directly: the float Gram formula's
// error is ~1e-7 · (‖x‖² + ‖y‖²) · √dim, no longer negligible there.
constexpr float kCancellationRatio = 1e-3f;

double DirectSquaredDistance(const float* x, const float* y, size_t dim) {
  double s = 0;
  for (size_t k = 0; k < dim; ++k) {
    double t = static_cast<double>(x[k]) - static_cast<double>(y[k]);
    s += t * t;
  }
  return s;
}

}  // namespace

UnitRows NormalizeRows(std::span<const float> points, size_t n, size_t dim) {
  UnitRows r;
  r.n = n;
  r.dim = dim;
  r.values.assign(points.begin(), points.begin() + static_cast<std::ptrdiff_t>(n * dim));
  r.sq_norms.assign(n, 0.0f);
  for (size_t i = 0; i < n; ++i) {
    float* row = r.values.data() + i * dim;
    double s = 0;
    for (size_t k = 0; k < dim; ++k) s += static_cast<double>(row[k]) * row[k];
    if (s == 0) continue;
    double inv = 1.0 / std::sqrt(s);
    for (size_t k = 0; k < dim; ++k) row[k] = static_cast<float>(row[k] * inv);
    r.sq_norms[i] = 1.0f;
  }
  return r;
}

UnitRows GatherRows(const UnitRows& rows, std::span<const uint32_t> order) {
  UnitRows r;
  r.n = order.size();
  r.dim = rows.dim;
  r.values.resize(r.n * r.dim);
  r.sq_norms.resize(r.n);
  for (size_t i = 0; i < r.n; ++i) {
    std::copy_n(rows.row(order[i]), rows.dim, r.values.data() + i * r.dim);
    r.sq_norms[i] = rows.sq_norms[order[i]];
  }
  return r;
}

void BlockDistances(const UnitRows& ra, size_t a0, size_t a_count, const UnitRows& rb, size_t b0,
                    size_t b_count, std::vector<float>& gram, float* out) {
  if (a_count == 0 || b_count == 0) return;
  const size_t dim = ra.dim;
  gram.resize(a_count * b_count);
  cblas_sgemm(blas::kRowMajor, blas::kNoTrans, blas::kTrans, static_cast<int>(a_count),
              static_cast<int>(b_count), static_cast<int>(dim), 1.0f, ra.row(a0),
              static_cast<int>(dim), rb.row(b0), static_cast<int>(dim), 0.0f, gram.data(),
              static_cast<int>(b_count));
  for (size_t a = 0; a < a_count; ++a) {
    const float na = ra.sq_norms[a0 + a];
    const float* g = gram.data() + a * b_count;
    float* o = out + a * b_count;
    for (size_t b = 0; b < b_count; ++b) {
      const float sum = na + rb.sq_norms[b0 + b];
      float sq = sum - 2.0f * g[b];
      if (sq < kCancellationRatio * sum) {
        sq = static_cast<float>(DirectSquaredDistance(ra.row(a0 + a), rb.row(b0 + b), dim));
      }
      o[b] = std::sqrt(std::max(sq, 0.0f));
    }
  }
}

float Distance(const UnitRows& rows, size_t i, size_t j) {
  return static_cast<float>(std::sqrt(DirectSquaredDistance(rows.row(i), rows.row(j), rows.dim)));
}

}  // namespace panic::cluster::internal
