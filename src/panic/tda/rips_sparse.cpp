// ComputeApproximateRips: the sparse Rips filtration of Cavanna, Jahanseir & Sheehy
// (CCCG 2015), after Sheehy ("Linear-size approximations to the Vietoris–Rips
// filtration", DCG 2013), as a clique filtration of re-weighted edges, reduced by the
// same kernel as the exact diagram.
//
// The re-weighted lengths are written into the dense distance matrix (+inf for an edge
// that is left out), so this version needs the same memory as the exact computation; it
// saves time where the filtration is sparse, i.e. where the insertion radii fall well
// below the distances (clouds of low doubling dimension).
#include <algorithm>
#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include "panic/tda/distance_matrix.h"
#include "panic/tda/rips.h"
#include "panic/tda/rips_input.h"
#include "panic/tda/rips_reducer.h"
#include "panic/tda/rips_sparse.h"

namespace panic::tda {
namespace {

constexpr float kInf = std::numeric_limits<float>::infinity();

}  // namespace

namespace internal {

std::vector<double> InsertionRadii(const DistanceMatrix& d) {
  const size_t n = d.n;
  std::vector<double> lambda(n, 0.0);
  std::vector<float> nearest(n, kInf);  // distance to the closest chosen point
  std::vector<uint8_t> chosen(n, 0);
  size_t next = 0;
  lambda[0] = std::numeric_limits<double>::infinity();
  for (size_t k = 0; k < n; ++k) {
    const size_t p = next;
    chosen[p] = 1;
    if (k > 0) lambda[p] = nearest[p];
    const float* row = d.row(p);
    float far = -1;
    for (size_t i = 0; i < n; ++i) {
      if (chosen[i]) continue;
      nearest[i] = std::min(nearest[i], row[i]);
      if (nearest[i] > far) {
        far = nearest[i];
        next = i;
      }
    }
  }
  return lambda;
}

size_t SparsifyDistances(DistanceMatrix& d, const std::vector<double>& lambda, double epsilon) {
  const size_t n = d.n;
  const double scale = (1 + epsilon) / epsilon;
  size_t kept = 0;
  for (size_t i = 0; i < n; ++i) {
    for (size_t j = 0; j < i; ++j) {
      const double mu = scale * std::min(lambda[i], lambda[j]);
      const double len = d(i, j);
      float w;
      if (len <= 2 * mu) {
        w = static_cast<float>(len);
      } else if (len <= (2 + epsilon) * mu) {
        // Rounded up, so that the float length is never below the exact one.
        w = std::nextafter(static_cast<float>(2 * (len - mu)), kInf);
      } else {
        w = kInf;
      }
      kept += w != kInf;
      d.values[i * n + j] = w;
      d.values[j * n + i] = w;
    }
  }
  return kept;
}

}  // namespace internal

Result<ApproximateDiagram> ComputeApproximateRips(std::span<const float> points, size_t n,
                                                  size_t dim, const RipsOptions& options,
                                                  double epsilon) {
  if (!(epsilon > 0 && epsilon <= 10)) {
    return Status::InvalidArgument("epsilon: " + std::to_string(epsilon) +
                                   " is outside (0, 10]");
  }
  PANIC_RETURN_IF_ERROR(internal::ValidateRipsOptions(options, n));
  PANIC_ASSIGN_OR_RETURN(internal::DistanceMatrix d,
                         internal::CloudDistances(points, n, dim, options));
  const float enclosing = internal::EnclosingRadius(d);
  ApproximateDiagram out;
  out.epsilon = epsilon;
  out.edges_total = n * (n - 1) / 2;
  out.edges_kept = internal::SparsifyDistances(d, internal::InsertionRadii(d), epsilon);

  internal::ReducerOptions r;
  r.maxdim = options.maxdim;
  r.threads = options.threads;
  r.modulus = options.modulus;
  const bool default_threshold = std::isnan(options.threshold);
  // (1 + ε) × the enclosing radius, rounded up: every class of the sparse filtration born
  // by the enclosing radius R dies by (1 + ε)R, because the interleaving maps it through
  // the exact complex at R, a cone.
  r.threshold = default_threshold
                    ? std::nextafter(static_cast<float>((1 + epsilon) * enclosing), kInf)
                    : options.threshold;
  out.diagram = internal::ReduceRips(d, r);
  if (default_threshold) {
    // A class still alive at the threshold was born past R (above) and dies by (1 + ε)
    // times its birth: a bar within ln(1 + ε)/2 of the diagonal on the log scale, which
    // the exact diagram (no bar born past R) has nothing to match with. Dropping it, i.e.
    // matching it to the diagonal, keeps the ln(1 + ε) bound (docs/TDA.md).
    for (size_t k = 1; k < out.diagram.dimensions.size(); ++k) {
      Bars& bars = out.diagram.dimensions[k];
      bars.erase(std::remove_if(bars.begin(), bars.end(),
                                [&](const Bar& b) { return b.IsEssential() && b.birth > enclosing; }),
                 bars.end());
    }
  }
  return out;
}

}  // namespace panic::tda
