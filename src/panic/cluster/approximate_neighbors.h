// Approximate k nearest neighbours through HNSW graphs (hnswlib, Malkov & Yashunin).
#pragma once

#include <cstddef>
#include <cstdint>

#include "panic/cluster/exact_neighbors.h"
#include "panic/cluster/unit_rows.h"

namespace panic::cluster::internal {

// Deterministic for any thread count: the rows are dealt round-robin into a fixed
// number of shards, and each shard's HNSW graph is built by one thread inserting in
// index order with a seed derived from `seed` (hnswlib's own parallel insertion
// depends on timing). Every row then queries every shard (read-only, in parallel);
// the candidates' distances are recomputed with the clustering's own kernel and the
// k best kept by (distance, index), as ExactNeighbors orders them.
Neighbors ApproximateNeighbors(const UnitRows& rows, size_t k, uint64_t seed, int threads);

}  // namespace panic::cluster::internal
