#include "panic/tda/rips.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>
#include <string>
#include <vector>

#include "panic/tda/binomial_table.h"
#include "panic/core/byte_text.h"
#include "panic/tda/distance_matrix.h"
#include "panic/tda/edge_ranks.h"
#include "panic/tda/quantized_scan.h"
#include "panic/tda/rips_input.h"
#include "panic/tda/rips_reducer.h"
#include "panic/tda/triangle_sweep.h"
#include "panic/tda/vertex_order.h"

namespace panic::tda {
namespace {

constexpr int64_t kMaxSimplexIndex = int64_t{1} << 56;  // the packed index's width
// Vertices are ints in the reducer and the edge table; n(n − 1)/2 must fit 63 bits.
constexpr size_t kMaxIndexablePoints = size_t{1} << 31;

// One sweep worker's neighbour bitsets: n bits a vertex (triangle_sweep.h).
double SweepBitsetBytes(size_t n) {
  const double nn = static_cast<double>(n);
  return nn * 8.0 * std::ceil(nn / 64.0);
}

bool IsPrime(int p) {
  if (p < 2) return false;
  for (int q = 2; q * q <= p; ++q) {
    if (p % q == 0) return false;
  }
  return true;
}

// The diagram of `d` up to `threshold`, reduced with the vertices renumbered by
// ScrambledVertexOrder (the diagram does not depend on the numbering, the work does:
// vertex_order.h). distinct_lengths: every edge has a length of its own (rank keys).
Diagram ReduceAt(internal::DistanceMatrix& d, const RipsOptions& o, float threshold, bool distinct_lengths = false) {
  const std::vector<uint32_t> order = internal::ScrambledVertexOrder(d.n);
  internal::RenumberVertices(d, order, o.threads);
  if (o.on_phase) o.on_phase("vertices renumbered");
  // The input order, in the new numbers, is the past-diameter scans' locality order.
  std::vector<uint32_t> input_order(d.n);
  for (size_t i = 0; i < d.n; ++i) input_order[order[i]] = static_cast<uint32_t>(i);
  internal::ReducerOptions r;
  r.scan_order = input_order;
  r.maxdim = o.maxdim;
  r.threads = o.threads;
  r.sweep_workers = internal::SweepWorkers(d.n, o);
  r.modulus = o.modulus;
  r.threshold = threshold;
  r.distinct_lengths = distinct_lengths;
  r.on_phase = o.on_phase;
  return internal::ReduceRips(d, r);
}

Diagram Reduce(internal::DistanceMatrix& d, const RipsOptions& o) {
  return ReduceAt(d, o, std::isnan(o.threshold) ? internal::EnclosingRadius(d) : o.threshold);
}

// Whether ComputeRips breaks the float ties by rank keys: not for H0 alone (Prim's tree
// gains nothing), not past 2^30 edges (edge_ranks.h), and only when the matrix and the
// ranking's 8 bytes an edge fit the memory limit (the ranking's words are freed before
// the reduction's fixed parts, RipsMemoryLowerBound, are allocated).
bool RanksTies(size_t n, const RipsOptions& o) {
  const size_t edges = n * (n - 1) / 2;
  const double bytes = 4.0 * static_cast<double>(n) * static_cast<double>(n) + 8.0 * static_cast<double>(edges);
  return o.maxdim >= 1 && edges <= internal::kMaxRankedEdges && bytes <= static_cast<double>(o.memory_limit_bytes);
}

// Reduce on the rank keys of `d` (lengths below, residuals above the diagonal), the bars
// read back in float lengths. The threshold, a length (the enclosing radius of the
// lengths is that of the keys read back: max and min commute with the monotone key →
// length map), becomes the last key of that length or below.
Diagram ReduceRanked(internal::DistanceMatrix& d, const RipsOptions& o) {
  const internal::RankValues values = internal::RankEdges(d, o.threads);
  if (o.on_phase) o.on_phase("rank keys");
  const float length = std::isnan(o.threshold) ? values.Value(internal::EnclosingRadius(d)) : o.threshold;
  return internal::DiagramInValues(ReduceAt(d, o, values.KeyAtMost(length), /*distinct_lengths=*/true), values);
}

// The fixed allocations of an exact run, each named for the refusal message: the distance
// matrix (4n² bytes); for maxdim ≥ 1 the edge-candidate table (16 or 32 bits an edge) and
// the byte copies of the distances that the reduction's scans read (n² bytes each, one in
// the kernel's vertex order and one in the input order: quantized_scan.h); for maxdim ≥ 2 the triangle sweep's neighbour bitsets (n bits a
// vertex, triangle_sweep.h; one worker's: more workers take more only where the limit leaves
// room, SweepWorkers), alive together with the others while the triangles are assembled. In
// double, so that no product wraps for absurd n.
struct FixedPart {
  const char* what;
  double bytes;
};
std::vector<FixedPart> FixedParts(size_t n, int maxdim) {
  const double nn = static_cast<double>(n);
  std::vector<FixedPart> parts{{"distance matrix", 4.0 * nn * nn}};
  if (maxdim >= 1) {
    parts.push_back({"edge table", (n > 65535 ? 4.0 : 2.0) * nn * (nn - 1) / 2});
    parts.push_back({"byte copy of the distances", nn * nn});
    parts.push_back({"byte copy in input order", internal::LocalityCopy::Bytes(n)});
  }
  if (maxdim >= 2 && n <= internal::kMaxSweepPoints) {
    parts.push_back({"triangle sweep's bitsets", SweepBitsetBytes(n)});
  }
  return parts;
}

}  // namespace

size_t RipsMemoryLowerBound(size_t n, int maxdim) {
  double bytes = 0;
  for (const FixedPart& part : FixedParts(n, maxdim)) bytes += part.bytes;
  return bytes >= 1.8e19 ? std::numeric_limits<size_t>::max() : static_cast<size_t>(bytes);  // saturates
}

namespace internal {

int SweepWorkers(size_t n, const RipsOptions& o) {
  if (o.maxdim < 2 || n > kMaxSweepPoints || n == 0) return 1;
  const double spare =
      static_cast<double>(o.memory_limit_bytes) - static_cast<double>(RipsMemoryLowerBound(n, o.maxdim));
  const double more = spare > 0 ? std::floor(spare / SweepBitsetBytes(n)) : 0.0;
  return static_cast<int>(std::min(static_cast<double>(std::max(o.threads, 1)), 1.0 + more));
}

Status ValidateRipsOptions(const RipsOptions& o, size_t n, bool dense_memory) {
  if (n == 0) return Status::InvalidArgument("n: the point set is empty");
  if (o.maxdim < 0 || o.maxdim > 3) {
    return Status::InvalidArgument("maxdim: " + std::to_string(o.maxdim) + " is outside 0..3");
  }
  if (o.threads < 1) {
    return Status::InvalidArgument("threads: " + std::to_string(o.threads) + " is less than 1");
  }
  if (o.modulus >= 256 || !IsPrime(o.modulus)) {
    return Status::InvalidArgument("modulus: " + std::to_string(o.modulus) +
                                   " is not a prime below 256");
  }
  if (!std::isnan(o.threshold) && o.threshold < 0) {
    return Status::InvalidArgument("threshold: " + std::to_string(o.threshold) + " is negative");
  }
  // The memory check comes first, before anything of size n² (even the binomial table
  // is only O(n)) is touched, so a too-large input fails at once.
  const size_t need = RipsMemoryLowerBound(n, o.maxdim);
  if (n > kMaxIndexablePoints || (dense_memory && need > o.memory_limit_bytes)) {
    std::string parts;
    for (const FixedPart& part : FixedParts(n, o.maxdim)) {
      parts += parts.empty() ? "the " + std::to_string(n) + " × " + std::to_string(n) + " " : ", the ";
      parts += std::string(part.what) + " " + core::ByteText(part.bytes);
    }
    return Status::InvalidArgument(
        "n: " + std::to_string(n) + " points need at least " + core::ByteText(static_cast<double>(need)) +
        " for persistence up to H" + std::to_string(o.maxdim) + " (" + parts +
        "), more than the memory limit of " + core::ByteText(static_cast<double>(o.memory_limit_bytes)) +
        "; subsample the cloud or raise the limit");
  }
  if (!dense_memory) return Status::Ok();  // the sparse backend checks its own index width
  internal::BinomialTable binomial(static_cast<int64_t>(n), o.maxdim + 2);
  if (binomial(static_cast<int64_t>(n), o.maxdim + 2) >= kMaxSimplexIndex) {
    return Status::InvalidArgument("n: " + std::to_string(n) +
                                   " points are too many to index the simplices of maxdim " +
                                   std::to_string(o.maxdim));
  }
  return Status::Ok();
}

Status ValidateCloud(std::span<const float> points, size_t n, size_t dim,
                     const RipsOptions& options) {
  if (dim == 0) return Status::InvalidArgument("dim: points have no coordinates");
  if (points.size() != n * dim) {
    return Status::InvalidArgument("points: " + std::to_string(points.size()) +
                                   " values given, n × dim = " + std::to_string(n * dim));
  }
  float largest = 0;
  for (size_t i = 0; i < points.size(); ++i) {
    if (!std::isfinite(points[i])) {
      return Status::InvalidArgument("points: coordinate " + std::to_string(i % dim) +
                                     " of point " + std::to_string(i / dim) +
                                     " is not finite");
    }
    largest = std::max(largest, std::fabs(points[i]));
  }
  if (options.metric == Metric::kCosine) {
    for (size_t i = 0; i < n; ++i) {
      bool zero = true;
      for (size_t k = 0; k < dim && zero; ++k) zero = points[i * dim + k] == 0.0f;
      if (zero) {
        return Status::InvalidArgument("points: point " + std::to_string(i) +
                                       " is the zero vector, which has no cosine distance");
      }
    }
    return Status::Ok();  // cosine distances are ≤ 2: they cannot overflow
  }
  // A distance is at most 2 · largest · √dim; only past the float range can one round
  // to +inf (distances are computed in double), and then the first such pair (i
  // ascending, then j < i) is reported. The scan is O(n² dim) but runs only then.
  const double bound = 2.0 * largest * std::sqrt(static_cast<double>(dim));
  if (bound > std::numeric_limits<float>::max()) {
    for (size_t i = 0; i < n; ++i) {
      for (size_t j = 0; j < i; ++j) {
        double sq = 0;
        for (size_t k = 0; k < dim; ++k) {
          double t = static_cast<double>(points[i * dim + k]) - points[j * dim + k];
          sq += t * t;
        }
        if (std::isfinite(static_cast<float>(std::sqrt(sq)))) continue;
        char buf[32];
        std::snprintf(buf, sizeof buf, "%.3g", std::sqrt(sq));
        return Status::InvalidArgument(
            "points: the distance between point " + std::to_string(j) + " and point " +
            std::to_string(i) + " is " + buf +
            ", beyond the float range of distances (3.4e+38); rescale the cloud");
      }
    }
  }
  return Status::Ok();
}

Result<DistanceMatrix> CloudDistances(std::span<const float> points, size_t n, size_t dim,
                                      const RipsOptions& options, bool residuals) {
  PANIC_RETURN_IF_ERROR(ValidateCloud(points, n, dim, options));
  if (options.metric == Metric::kCosine) return CosineDistances(points, n, dim, options.threads, residuals);
  return EuclideanDistances(points, n, dim, options.threads, residuals);
}

Result<Diagram> ComputeRipsOfCloud(std::span<const float> points, size_t n, size_t dim,
                                   const RipsOptions& options, bool rank_ties) {
  PANIC_RETURN_IF_ERROR(ValidateRipsOptions(options, n));
  const bool ranked = rank_ties && RanksTies(n, options);
  PANIC_ASSIGN_OR_RETURN(DistanceMatrix d, CloudDistances(points, n, dim, options, ranked));
  if (options.on_phase) options.on_phase("distances");
  return ranked ? ReduceRanked(d, options) : Reduce(d, options);
}

}  // namespace internal

Result<Diagram> ComputeRips(std::span<const float> points, size_t n, size_t dim,
                            const RipsOptions& options) {
  return internal::ComputeRipsOfCloud(points, n, dim, options, /*rank_ties=*/true);
}

Result<Diagram> ComputeRipsFromDistances(std::span<const float> distances, size_t n,
                                         const RipsOptions& options) {
  PANIC_RETURN_IF_ERROR(internal::ValidateRipsOptions(options, n));
  if (distances.size() != n * n) {
    return Status::InvalidArgument("distances: " + std::to_string(distances.size()) +
                                   " values given, n × n = " + std::to_string(n * n));
  }
  internal::DistanceMatrix d;
  d.n = n;
  d.values.assign(distances.begin(), distances.end());
  for (size_t i = 0; i < n; ++i) {
    d.values[i * n + i] = 0.0f;
    for (size_t j = 0; j < i; ++j) {
      float a = d.values[i * n + j], b = d.values[j * n + i];
      if (!std::isfinite(a) || a < 0 || a != b) {
        return Status::InvalidArgument("distances: entry (" + std::to_string(i) + ", " +
                                       std::to_string(j) +
                                       ") is negative, not finite or not symmetric");
      }
    }
  }
  return Reduce(d, options);
}

}  // namespace panic::tda
