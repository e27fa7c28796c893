#include "panic/tda/distance_matrix.h"

#include <algorithm>
#include <cmath>

#include "panic/core/blas.h"
#include "panic/core/huge_pages.h"
#include "panic/core/parallel.h"

namespace panic::tda::internal {
namespace {

constexpr size_t kTile = 64;  // rows per Gram tile (small: 0.4 MiB of doubles per row block
                             // at 768-D); fixed so results ignore `threads`
// d² below this fraction of ‖x‖² + ‖y‖² is recomputed directly: the Gram formula's
// error is ~1e-16 · (‖x‖² + ‖y‖²) · dim, which is then no longer negligible.
constexpr double kCancellationRatio = 1e-6;

// Fills the symmetric matrix from the float rows of `points` (n × dim), each row
// scaled by scale[i] and widened to double one tile at a time (so no double copy of the
// whole cloud is held). `finish` maps the squared Euclidean distance of the scaled rows
// to the stored value (sqrt for Euclidean, half for cosine). `exact_zero(i, j)` is asked
// only where cancellation forces the direct sum: true means the distance is exactly 0
// (the scaled rows, rounded, may still differ by an ulp although the inputs do not).
// `residuals`: the upper triangle gets the rounding residuals (distance_matrix.h).
template <typename Finish, typename ExactZero>
DistanceMatrix FromRows(std::span<const float> points, const std::vector<double>& scale, size_t n,
                        size_t dim, int threads, bool residuals, Finish finish, ExactZero exact_zero) {
  blas::UseSingleThreadedBlas();
  auto widen = [&](size_t i0, size_t rows, std::vector<double>& out) {
    out.resize(rows * dim);
    for (size_t a = 0; a < rows; ++a) {
      for (size_t k = 0; k < dim; ++k) {
        out[a * dim + k] = static_cast<double>(points[(i0 + a) * dim + k]) * scale[i0 + a];
      }
    }
  };
  std::vector<double> norms(n);
  for (size_t i = 0; i < n; ++i) {
    double s = 0;
    for (size_t k = 0; k < dim; ++k) {
      double x = static_cast<double>(points[i * dim + k]) * scale[i];
      s += x * x;
    }
    norms[i] = s;
  }
  DistanceMatrix d;
  d.n = n;
  core::ReserveHugePages(d.values, n * n);  // the kernel's reads are random: huge_pages.h
  d.values.assign(n * n, 0.0f);
  size_t tiles = (n + kTile - 1) / kTile;
  // Tile pairs (I ≥ J) in a fixed order; each is computed the same way by any worker.
  std::vector<std::pair<size_t, size_t>> pairs;
  for (size_t ti = 0; ti < tiles; ++ti) {
    for (size_t tj = 0; tj <= ti; ++tj) pairs.emplace_back(ti, tj);
  }
  struct Scratch {
    std::vector<double> gram, xi, xj;
  };
  std::vector<Scratch> scratch(static_cast<size_t>(std::max(threads, 1)));
  ParallelFor(pairs.size(), 1, threads, [&](size_t begin, size_t end, int worker) {
    Scratch& sc = scratch[static_cast<size_t>(worker)];
    sc.gram.resize(kTile * kTile);
    for (size_t p = begin; p < end; ++p) {
      size_t i0 = pairs[p].first * kTile, j0 = pairs[p].second * kTile;
      size_t mi = std::min(kTile, n - i0), mj = std::min(kTile, n - j0);
      widen(i0, mi, sc.xi);
      widen(j0, mj, sc.xj);
      cblas_dgemm(blas::kRowMajor, blas::kNoTrans, blas::kTrans, static_cast<int>(mi),
                  static_cast<int>(mj), static_cast<int>(dim), 1.0, sc.xi.data(),
                  static_cast<int>(dim), sc.xj.data(), static_cast<int>(dim), 0.0, sc.gram.data(),
                  static_cast<int>(mj));
      for (size_t a = 0; a < mi; ++a) {
        size_t i = i0 + a;
        for (size_t b = 0; b < mj; ++b) {
          size_t j = j0 + b;
          if (j >= i) break;
          double sum = norms[i] + norms[j];
          double sq = sum - 2.0 * sc.gram[a * mj + b];
          if (sq < kCancellationRatio * sum) {
            sq = 0;
            if (!exact_zero(i, j)) {
              for (size_t k = 0; k < dim; ++k) {
                double t = sc.xi[a * dim + k] - sc.xj[b * dim + k];
                sq += t * t;
              }
            }
          }
          const double exact = finish(std::max(sq, 0.0));
          const auto v = static_cast<float>(exact);
          d.values[i * n + j] = v;
          d.values[j * n + i] = residuals ? static_cast<float>(exact - static_cast<double>(v)) : v;
        }
      }
    }
  });
  return d;
}

}  // namespace

DistanceMatrix EuclideanDistances(std::span<const float> points, size_t n, size_t dim,
                                  int threads, bool residuals) {
  // Equal points already give exactly 0 through the direct sum.
  return FromRows(points, std::vector<double>(n, 1.0), n, dim, threads, residuals,
                  [](double sq) { return std::sqrt(sq); }, [](size_t, size_t) { return false; });
}

DistanceMatrix CosineDistances(std::span<const float> points, size_t n, size_t dim,
                               int threads, bool residuals) {
  std::vector<double> inverse_norm(n);
  for (size_t i = 0; i < n; ++i) {
    double s = 0;
    for (size_t k = 0; k < dim; ++k) {
      double x = points[i * dim + k];
      s += x * x;
    }
    inverse_norm[i] = 1.0 / std::sqrt(s);
  }
  return FromRows(points, inverse_norm, n, dim, threads, residuals,
                  [](double sq) { return std::min(0.5 * sq, 2.0); },
                  [&](size_t i, size_t j) { return PositivelyParallel(points.data() + i * dim, points.data() + j * dim, dim); });
}

// Whether rows x and y are positive multiples of each other, decided exactly: with k
// the coordinate of y of largest magnitude, x = c·y (c > 0) iff x_m·y_k = x_k·y_m for
// every m and x_k·y_k > 0. Each product of two floats is exact in double (24 + 24 < 53
// significant bits), so no rounding enters the comparison. Then 1 − cos = 0 exactly,
// which the normalised rows (each rounded) cannot always show. REQUIRES: y ≠ 0.
bool PositivelyParallel(const float* x, const float* y, size_t dim) {
  size_t k = 0;
  for (size_t m = 1; m < dim; ++m) {
    if (std::fabs(y[m]) > std::fabs(y[k])) k = m;
  }
  const double xk = x[k], yk = y[k];
  if (!(xk * yk > 0)) return false;
  for (size_t m = 0; m < dim; ++m) {
    if (static_cast<double>(x[m]) * yk != xk * static_cast<double>(y[m])) return false;
  }
  return true;
}

float EnclosingRadius(const DistanceMatrix& d) {
  float radius = std::numeric_limits<float>::infinity();
  for (size_t i = 0; i < d.n; ++i) {
    const float* r = d.row(i);
    float m = 0;
    for (size_t j = 0; j < d.n; ++j) m = std::max(m, r[j]);
    radius = std::min(radius, m);
  }
  return radius;
}

}  // namespace panic::tda::internal
