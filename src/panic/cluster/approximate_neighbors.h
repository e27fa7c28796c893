// Approximate k nearest neighbours and core distances through HNSW graphs (hnswlib,
// Malkov & Yashunin) built on the rows quantised to int8.
//
// At D = 768 an HNSW insertion is bound by the memory traffic of the vectors it
// compares, and hnswlib keeps its own copy of every vector: int8 rows (one scale for
// all, so every coordinate keeps its weight) stream a quarter of the bytes and hnswlib's
// copy is a quarter of the size. (A projection onto the top 96–128 principal directions
// was tried and dropped: on caption-like data, whose within-cluster spread is isotropic,
// it lost a third of the true neighbours and the labels' agreement with the exact path
// fell to ARI 0.79–0.96 at n = 4 000.) Every candidate the graphs return is re-ranked by
// its exact float distance on the unit rows, so the lists, and everything computed from
// them, hold exact distances.
//
// Core distances need the min_samples-th neighbour, and min_samples grows with n under the
// reference defaults (⌊0.001 n⌋: 1 000 at n = 10⁶). Lists that long would cost n ·
// min_samples memory and search; past the list length the core distance is instead
// estimated from a deterministic subsample — every s-th row, s = ⌈(min_samples − 1) /
// kCoreSampleRank⌉ — as the exact distance to the m-th nearest sampled row (itself
// excluded), m = round((min_samples − 1) / s): the sample holds about 1/s of the rows
// within any radius.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "panic/cluster/exact_neighbors.h"
#include "panic/cluster/unit_rows.h"

namespace panic::cluster::internal {

inline constexpr size_t kCoreSampleRank = 32;   // target rank m in the core subsample

struct ApproximateNeighbors {
  Neighbors neighbors;           // k nearest (approximately), exact distances, ascending
  std::vector<float> core;       // per row: (an estimate of) the core distance
  size_t core_sample_stride = 1; // 1: cores from the lists; s: from every s-th row
};

// Deterministic for any thread count: the rows are dealt round-robin into a fixed number
// of shards, and each shard's graph (and the core sample's) is built by one thread
// inserting in index order with a seed derived from `seed` (hnswlib's own parallel
// insertion depends on timing); the int8 distances are exact integers. Every
// row then queries every shard (read-only, in parallel); the candidates are re-ranked by
// exact distance and the k best kept by (distance, index), as ExactNeighbors orders them.
// REQUIRES: 1 ≤ min_samples ≤ rows.n.
ApproximateNeighbors FindApproximateNeighbors(const UnitRows& rows, size_t k, size_t min_samples,
                                              uint64_t seed, int threads);

// x·y of int8 vectors (values in [−127, 127]) by every kernel this CPU runs — portable,
// then AVX2 and AVX-512 VNNI where supported — for the test that they agree: the graphs
// are the same on every CPU only because these integers are.
std::vector<int32_t> Int8DotByEveryKernel(const int8_t* x, const int8_t* y, size_t dim);

}  // namespace panic::cluster::internal
