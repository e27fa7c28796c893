// The persistent-cohomology engine behind ComputeRips (internal to panic::tda).
//
// Conventions (all of ripser's, U. Bauer 2021):
// - A k-simplex {v_k > … > v_0} is the integer Σ_i C(v_i, i + 1) (binomial_table.h).
// - Filtration order: diameter ascending, ties by index descending. Columns of one
//   dimension are reduced in the reverse order (cohomology), and the pivot of a
//   coboundary column is its earliest cofacet in filtration order.
// - Apparent pair (σ, τ): τ is the earliest cofacet of σ and σ the latest facet of τ,
//   with equal diameters. Such σ are never reduced and such τ never used as columns;
//   a pivot τ that belongs to one is eliminated by adding δσ on the fly.
// - Emergent pair: a column whose earliest cofacet has its own diameter and is not yet
//   taken is reduced at once, before its coboundary is fully enumerated.
// - Clearing (Chen–Kerber): a simplex that was a pivot in dimension k − 1 is no column
//   in dimension k.
// - Dimension 0 is Prim's minimum spanning forest under the same total order (unique,
//   so it pairs exactly the edges a union–find over the sorted edges would).
// - The working coboundary is a lazy merge: each simplex added to a column is a cursor
//   with only its next cofacet in the heap, advanced by a vectorised scan when popped.
// - The reduction is lock-free and parallel (Morozov & Nigmetov): workers take columns
//   from a shared counter, pivots are claimed in an atomic hash table, reduced columns are
//   published immutably, and a column takes its pivot back from a later one (which is then
//   reduced further). The pairs of a reduced matrix are unique, so they do not depend on
//   the interleaving.
// Parallel work (the edge-candidate table, the column assembly) writes disjoint slots
// or per-worker lists that are concatenated and sorted by the total order above, so the
// columns, and hence the bars, are the same for any thread count.
#pragma once

#include <cstdint>
#include <functional>
#include <span>
#include <string_view>
#include <utility>
#include <vector>

#include "panic/tda/diagram.h"
#include "panic/tda/distance_matrix.h"

namespace panic::tda::internal {

struct ReducerOptions {
  int maxdim = 2;
  float threshold = 0;  // simplices of diameter > threshold are not in the complex
  int threads = 1;
  int modulus = 2;
  // The edge-candidate table takes 32 bits an edge past 65 535 points (16 below); true
  // forces 32 bits at any size, so that tests can check that path on small clouds.
  bool wide_edge_table = false;
  // Tests only: true, the triangles are assembled one by one (AssembleTriangles, the path
  // of machines without AVX-512) instead of edge by edge (triangle_scan.h); and how many
  // cofacet candidates of an edge the edge-by-edge tests take before falling back to the
  // per-triangle test (small values send many triangles down that path).
  bool per_triangle_assembly = false;
  // Tests only: true, the triangles are found by the per-edge float scan (triangle_scan.h)
  // instead of the sweep over the edges by length (triangle_sweep.h, the default).
  bool edge_scan_assembly = false;
  // Tests only: non-zero, the sweep takes its edges in bands of about this many (several
  // bands on small clouds); 0, the memory budget of triangle_sweep.h decides.
  size_t sweep_band_edges = 0;
  // Tests only: non-zero, groups of more equal lengths than this take the per-edge scan
  // (0: triangle_sweep.h's kSmallTieGroup).
  size_t sweep_tie_group = 0;
  // The triangle sweep's workers, each with bitsets of its own (n²/8 bytes; triangle_sweep.h);
  // 0: `threads`. ComputeRips gives as many as the memory limit leaves room for.
  int sweep_workers = 0;
  // Tests only: non-zero, the sweep's parts hold about this many edges (0: SweepPartEdges).
  size_t sweep_part_edges = 0;
  int edge_candidates = 64;
  // The assembled columns are sorted on the workers (RipsColumns::SortColumns) from this
  // many on, on one thread below. Tests set 2 to sort small clouds' columns in ranges.
  size_t parallel_sort_columns_at = size_t{1} << 16;
  // Tests only: non-zero, the workers take the columns of each dimension in an order
  // shuffled by this seed instead of the reduction order, so that even one worker meets
  // pivots owned by later columns and takes them back (the lock-free reduction's rarer path).
  uint64_t shuffle_columns = 0;
  // A column whose coboundary heap reaches this many cursors is compacted (the simplices
  // added more than once summed, cancelled ones dropped), and again each time the heap
  // has doubled since — or, with compact_on_garbage below, on its garbage; 0 never. Tests
  // set small values to compact nearly every column.
  size_t compact_cursors_at = 4096;
  // Over Z/2, from a column's first compaction on: a simplex added where a live cursor of
  // it stands already cancels that cursor instead of getting one of its own (RipsCursors::
  // CancelsLiveCursor); false: the duplicates wait for the next compaction. Tests compare.
  bool cancel_duplicate_cursors = true;
  // Once duplicates are cancelled when they are made (the line above, from a column's
  // first compaction on), the column is not compacted each time its heap doubles: when it
  // holds a quarter as many dead cursors (cancelled or exhausted) as it kept live ones
  // (RipsCursors::SweepAt), they are swept out (RipsCursors::Sweep: no sort, nothing
  // merged), and only a heap grown
  // kGrowthBeforeCompaction-fold is compacted (RipsCursors::Compact); false: at every
  // doubling, as before. Tests compare the two.
  bool compact_on_garbage = true;
  // A cursor's own-diameter cofacets come from its longest edge's link (edge_link.h) when
  // that link is cached, or when its column has at least this many cursors (the link is
  // then built); otherwise from scans. SIZE_MAX: scans only. Tests set 0 and SIZE_MAX.
  size_t link_cursors_at = 64;
  // The past-diameter cofacet scans read a byte copy of the distances (quantized_scan.h,
  // n² bytes more); false: the float rows (NextCofacets). Tests compare the two.
  bool quantized_scans = true;
  // A locality order of the vertices: scan_order[t] is the vertex at place t, where
  // neighbouring places hold points near each other (ComputeRips passes its input order,
  // since trajectories arrive in time order). Non-empty, those scans
  // read a byte copy with its columns in this order and skip the 64-column blocks that
  // cannot hold a vertex of their window (quantized_scan.h, LocalityRows; n² bytes more).
  // The same cofacets are found either way. REQUIRES: empty or a permutation of 0..n−1.
  std::span<const uint32_t> scan_order;
  // The simplices of a column added to the working one (and of a column taken back) start
  // at its pivot instead of at their own first cofacets (RipsReducer::AddReduced); false:
  // from the start, as before. Tests compare the two.
  bool seek_added_columns = true;
  // A column that added anything publishes its frontier (its live cursors right after its
  // pivot, with the cofacets they stand at; from a diameter slice, the slice's other
  // entries too) instead of V, and a column that adds it starts those cursors there, with
  // no seek scan (Snapshot::kFrontier, docs/TDA.md item 6f); false: V only, as before.
  // Needs seek_added_columns. Tests compare the two.
  bool frontier_snapshots = true;
  // A column with at least this many cursors tests a pivot for an apparent pair before it
  // looks the pivot up in the pivot table (RipsReducer::ReduceChain); SIZE_MAX: never.
  size_t apparent_first_cursors_at = 64;
  // Columns are taken this many at a time while more than a sixty-fourth of the dimension
  // is left, and their first step (the emergent-pair test) is run for the whole batch in
  // stages, each stage's random reads asked for at once (RipsFirstSteps::ProbeBatch); then one
  // at a time. 1: one at a time throughout, each column's test run when it starts. Tests
  // compare the two.
  size_t probe_batch = 16;
  // A past-diameter byte-row scan keeps more of the exact prefix it found than the cursor's
  // queue holds, in the column's spill (rips_reducer_types.h, Workspace::spill), so that
  // one O(n) scan serves more of the cursor's pops; false: the queue's worth only, the rest
  // found again by the next scan. Tests compare the two.
  bool spill_queued_cofacets = true;
  // A column's spill holds at most 1 entry a cursor plus this many (kSpillPerCursor);
  // a scan past the bound keeps its queue's worth only. Tests set 0 to fill it often.
  size_t spill_entries_base = size_t{1} << 15;
  // Every edge has a length of its own (rank keys, edge_ranks.h: ComputeRips sets it), so
  // every simplex of diameter d contains the one edge of length d.
  bool distinct_lengths = false;
  // With distinct lengths, over Z/2, in dimension 2: a column with at least this many
  // cursors reduces the entries of its pivot's diameter as bit rows over that edge's link
  // graph (rips_slice.h) instead of one heap pop each; SIZE_MAX never. Tests set 0.
  size_t slice_cursors_at = 64;
  // Tests only: the first try of each dimension's snapshot directory (rips_reducer_types.h,
  // SnapshotDirectory): 2^snapshot_block_shift units a block, and at most snapshot_blocks
  // block numbers (0: all that 31-bit handles allow). Small values fill it on small
  // clouds, so that the reducer drops the work and redoes the dimension (with the default
  // directory and units twice as large).
  int snapshot_block_shift = 17;
  uint32_t snapshot_blocks = 0;
  // A dimension of more columns than this lays its snapshots out in 8-byte units from the
  // start, not 4-byte ones (SnapshotDirectory: 4-byte units address 8 GiB; at ≈ 29 bytes a
  // column — N = 10 000 on the unit-sphere walk, 1.6 GB for 5.6·10⁷ columns — 2^27 columns
  // would fill half of that, and a dimension redone costs its time). Tests set 0.
  size_t four_byte_unit_columns = size_t{1} << 27;
  // Called on the calling thread as each of the reduction's phases ends (RipsOptions::
  // on_phase has the names and their order); empty: not called.
  std::function<void(std::string_view)> on_phase;
};

// The diagram of dimensions 0..maxdim. REQUIRES: options validated by the caller
// (maxdim in 0..3, prime modulus < 256, threads ≥ 1), the simplex count indexable
// (C(n, maxdim + 2) < 2^56), fewer than 2^32 columns and 2^31 published snapshots a
// dimension (rips_reducer_types.h, SnapshotDirectory).
Diagram ReduceRips(const DistanceMatrix& distances, const ReducerOptions& options);

// Tests only: the columns of dimension `dim` (1 ≤ dim ≤ options.maxdim) as the reduction
// gets them (apparent pairs removed, cleared by dimension dim − 1), as (diameter, simplex
// index) in reduction order. Diagrams cannot tell every wrong column apart (a column whose
// pivot has its own diameter gives no bar), so the assemblies are compared by these.
std::vector<std::pair<float, int64_t>> AssembledColumns(const DistanceMatrix& distances,
                                                        const ReducerOptions& options, int dim);

// Tests only: the pairs of the reduced matrix of dimension `dim` (1 ≤ dim ≤ options.maxdim)
// as (column simplex, pivot simplex), sorted. They are unique, so any two correct
// reductions give the same list, zero-length pairs included (which diagrams do not show).
std::vector<std::pair<int64_t, int64_t>> ReducedPairs(const DistanceMatrix& distances,
                                                      const ReducerOptions& options, int dim);

// Tests only: for every column the whole reduction published inline (rips_reducer_types.h,
// Published: V empty, its pivot of its own diameter, no coefficient stored), the pivot's
// coefficient as the reduction found it and as it is recomputed from the two simplices
// when the column is read. They must be equal.
std::vector<std::pair<uint32_t, uint32_t>> InlineOwnerCoefs(const DistanceMatrix& distances,
                                                            const ReducerOptions& options);

}  // namespace panic::tda::internal
