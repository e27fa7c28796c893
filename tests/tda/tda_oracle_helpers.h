// Test helpers for the TDA kernels: point clouds with known shapes, the Debian
// `ripser` binary as oracle, and a tolerant comparison of diagrams as multisets.
#pragma once

#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "panic/tda/diagram.h"

namespace panic::testing {

struct PointCloud {
  size_t n = 0;
  size_t dim = 0;
  std::vector<float> values;  // row-major n × dim
};

bool HaveRipser();  // /usr/bin/ripser is installed

// Runs /usr/bin/ripser on the cloud (--format point-cloud) or on a lower-triangular
// distance matrix, and parses its bars. `threshold` < 0 leaves ripser's default.
tda::Diagram RipserOnCloud(const PointCloud& cloud, int maxdim, double threshold = -1);
tda::Diagram RipserOnLowerDistances(const std::vector<double>& full, size_t n, int maxdim,
                                    int modulus = 2);
// Runs ripser on the edges of a full n × n matrix with finite entries ≤ threshold
// (--format sparse, --threshold): a clique filtration that need not be a metric.
tda::Diagram RipserOnSparseEdges(const std::vector<float>& full, size_t n, int maxdim,
                                 double threshold);

// Empty string when every dimension of a and b matches as multisets: each bar matched
// to one of the other diagram with both coordinates within `tol`, or, when its
// persistence is at most 2·tol, left unmatched (a bar that rounding may create or
// remove). Otherwise a description of the first mismatch.
std::string CompareDiagrams(const tda::Diagram& a, const tda::Diagram& b, double tol);

// The bottleneck distance of two diagrams with every bar read as (ln birth, ln death),
// the largest over dimensions; H0 deaths matched in sorted order. +inf when the H0 or
// essential counts differ. A (1 + ε)-approximate diagram is within ln(1 + ε) of the exact one.
double LogBottleneck(const tda::Diagram& a, const tda::Diagram& b);

// Clouds. All seeded; unit-scale coordinates so that ripser's 6-digit output is exact
// to the tolerance.
PointCloud Circle(size_t n, double noise, uint64_t seed);
PointCloud SphereSample(size_t n, uint64_t seed);  // S² in R³
PointCloud GaussianCloud(size_t n, size_t dim, uint64_t seed);
// A random walk on the unit sphere of R^dim that now and then jumps back near an
// earlier point, like an embedding trajectory of a looping run.
PointCloud WalkCloud(size_t n, size_t dim, uint64_t seed);
// Issue 18's cloud: a random walk renormalised to the unit sphere after every step of
// `step` per coordinate (Gaussian), with no jumps back.
PointCloud UnitSphereWalk(size_t n, size_t dim, double step, uint64_t seed);
// A noisy torus in R³ (radii 1 and 0.4): one H2 and two H1 classes, and loops at every scale.
PointCloud NoisyTorus(size_t n, double noise, uint64_t seed);
// n points of the 4 × 4 × 4 lattice drawn with repetition (from rng, or seeded): ties
// everywhere, duplicated points (length 0) among them.
PointCloud LatticeCloud(size_t n, std::mt19937_64& rng);
PointCloud LatticeCloud(size_t n, uint64_t seed);

}  // namespace panic::testing
