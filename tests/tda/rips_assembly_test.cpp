// Issue 18: the triangle assemblies (edge by edge, the sweep over the edges by length, the
// sweep in chunks on the workers) against the per-triangle assembly, column for column, on
// clouds full of ties; and against ripser.
#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

#include "panic/tda/distance_matrix.h"
#include "panic/tda/rips_reducer.h"
#include "tda/tda_oracle_helpers.h"

namespace panic::tda {
namespace {

using testing::CompareDiagrams;
using testing::LatticeCloud;
using testing::NoisyTorus;
using testing::PointCloud;

// Clouds for the triangle assemblies: loopy walks, a torus, a Gaussian blob, and clouds full of
// ties (integer grids, duplicated points, the 5-cube's corners, coordinates k/64).
std::vector<PointCloud> AssemblyClouds() {
  std::vector<PointCloud> clouds = {testing::UnitSphereWalk(180, 768, 0.01, 3), testing::WalkCloud(160, 768, 4),
                                    NoisyTorus(150, 0.03, 2), testing::GaussianCloud(90, 5, 6)};
  {
    std::mt19937_64 rng(11);
    clouds.push_back(LatticeCloud(120, rng));
    PointCloud plane{49, 2, {}};
    for (int i = 0; i < 7; ++i) {
      for (int j = 0; j < 7; ++j) {
        plane.values.push_back(static_cast<float>(i));
        plane.values.push_back(static_cast<float>(j));
      }
    }
    clouds.push_back(plane);
    PointCloud cube{80, 5, {}};  // corners of the 5-cube, some twice: distances √1 … √5
    std::uniform_int_distribution<int> corner(0, 31);
    for (size_t i = 0; i < cube.n; ++i) {
      const int k = i < 32 ? static_cast<int>(i) : corner(rng);
      for (int b = 0; b < 5; ++b) cube.values.push_back(static_cast<float>((k >> b) & 1));
    }
    clouds.push_back(cube);
    PointCloud quantized{150, 3, {}};  // coordinates k/64: a few equal lengths per length (the sweep's tie paths)
    std::uniform_int_distribution<int> step(0, 64);
    for (size_t i = 0; i < quantized.n * quantized.dim; ++i) quantized.values.push_back(static_cast<float>(step(rng)) / 64);
    clouds.push_back(quantized);
  }
  return clouds;
}

// Triangles assembled edge by edge (triangle_scan.h, the AVX-512 path) against the
// per-triangle assembly (the path of other machines), on clouds full of ties (integer
// grids, duplicated points: the fast tests leave such triangles to the exact ones), below
// the enclosing radius too, Z/2 and Z/3, and with 1 or 2 candidates an edge (most
// triangles then take the exact fallback); and against ripser.
TEST(RipsScaleTest, EdgeByEdgeAndSweptTriangleAssemblyGiveTheSameDiagram) {
  const std::vector<PointCloud> clouds = AssemblyClouds();
  for (const PointCloud& c : clouds) {
    internal::DistanceMatrix d = internal::EuclideanDistances(c.values, c.n, c.dim, 1);
    const float radius = internal::EnclosingRadius(d);
    for (float threshold : {radius, 0.8f * radius}) {
      for (int modulus : {2, 3}) {
        internal::ReducerOptions r;
        r.maxdim = 2;
        r.modulus = modulus;
        r.threshold = threshold;
        r.per_triangle_assembly = true;
        const Diagram expected = internal::ReduceRips(d, r);
        const auto expected_columns = internal::AssembledColumns(d, r, 2);
        r.per_triangle_assembly = false;
        r.edge_scan_assembly = true;
        for (int candidates : {32, 2, 1}) {
          r.edge_candidates = candidates;
          r.threads = candidates == 2 ? 2 : 1;
          const std::string what = "n=" + std::to_string(c.n) + " threshold=" + std::to_string(threshold) +
                                   " modulus=" + std::to_string(modulus) + " candidates=" + std::to_string(candidates);
          EXPECT_EQ(internal::AssembledColumns(d, r, 2), expected_columns) << what;
          EXPECT_EQ(internal::ReduceRips(d, r), expected) << what;
        }
        // The sweep over the edges by length (triangle_sweep.h), in one band and in bands
        // of 1 000 and 50 edges (there with groups of 4+ equal lengths left to the per-edge
        // scan); its tie edges take the per-edge scan with 2 candidates.
        r.edge_scan_assembly = false;
        r.edge_candidates = 2;
        for (size_t band : {size_t{0}, size_t{1000}, size_t{50}}) {
          r.sweep_band_edges = band;
          r.sweep_tie_group = band == 50 ? 3 : 0;  // groups of 4+ equal lengths: the per-edge scan
          r.threads = band == 1000 ? 2 : 1;
          const std::string what = "sweep n=" + std::to_string(c.n) + " threshold=" + std::to_string(threshold) +
                                   " modulus=" + std::to_string(modulus) + " band=" + std::to_string(band);
          EXPECT_EQ(internal::AssembledColumns(d, r, 2), expected_columns) << what;
          EXPECT_EQ(internal::ReduceRips(d, r), expected) << what;
        }
        r.sweep_band_edges = 0;
        r.sweep_tie_group = 0;
        if (modulus == 2 && threshold == radius && testing::HaveRipser()) {
          EXPECT_EQ(CompareDiagrams(expected, testing::RipserOnCloud(c, 2), 1e-5), "") << "n=" << c.n;
        }
      }
    }
  }
}

// The sweep in parts on the workers (triangle_sweep.h: each worker with bitsets of its own,
// caught up on the parts the others took) against the per-triangle assembly, column for
// column: parts of 1 edge (one group), 2, 7, 50 and 1 000 edges, one worker, two, and one
// worker of two threads, bands of 50 edges, and groups of 4+ equal lengths split across parts
// (sweep_tie_group 3: those take the per-edge test).
TEST(RipsScaleTest, PartedSweepGivesTheSameColumns) {
  for (const PointCloud& c : AssemblyClouds()) {
    internal::DistanceMatrix d = internal::EuclideanDistances(c.values, c.n, c.dim, 1);
    const float radius = internal::EnclosingRadius(d);
    for (float threshold : {radius, 0.8f * radius}) {
      internal::ReducerOptions r;
      r.maxdim = 2;
      r.threshold = threshold;
      r.per_triangle_assembly = true;
      const auto expected = internal::AssembledColumns(d, r, 2);
      const Diagram expected_diagram = internal::ReduceRips(d, r);
      r.per_triangle_assembly = false;
      r.edge_candidates = 2;
      for (size_t part : {size_t{1}, size_t{2}, size_t{7}, size_t{50}, size_t{1000}}) {
        for (const auto& [threads, workers] : {std::pair{1, 0}, std::pair{2, 0}, std::pair{2, 1}}) {
          for (size_t band : {size_t{0}, size_t{50}}) {
            r.sweep_part_edges = part;
            r.threads = threads;
            r.sweep_workers = workers;
            r.sweep_band_edges = band;
            r.sweep_tie_group = band == 50 ? 3 : 0;
            const std::string what = "n=" + std::to_string(c.n) + " threshold=" + std::to_string(threshold) +
                                     " part=" + std::to_string(part) + " threads=" + std::to_string(threads) +
                                     " workers=" + std::to_string(workers) + " band=" + std::to_string(band);
            EXPECT_EQ(internal::AssembledColumns(d, r, 2), expected) << what;
          }
        }
      }
      r.sweep_part_edges = 7;
      r.sweep_workers = 0;
      r.sweep_band_edges = 0;
      r.sweep_tie_group = 0;
      EXPECT_EQ(internal::ReduceRips(d, r), expected_diagram) << "n=" << c.n;
    }
  }
}

}  // namespace
}  // namespace panic::tda
