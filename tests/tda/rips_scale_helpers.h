// Shared by the exact-Rips-at-scale tests (issue 18; suite RipsScaleTest, split by theme:
// rips_limits_test.cpp, rips_parallel_test.cpp, rips_assembly_test.cpp, rips_paths_test.cpp,
// rips_approximate_test.cpp): reducer options at the enclosing radius, and the checks that a
// reducer path (an option off and on) gives the same reduced pairs and diagrams.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "panic/tda/distance_matrix.h"
#include "panic/tda/rips_reducer.h"
#include "tda/tda_oracle_helpers.h"

namespace panic::testing {

// Reducer options for maxdim 2 over Z/modulus at the enclosing radius of d.
tda::internal::ReducerOptions Maxdim2At(const tda::internal::DistanceMatrix& d, int modulus);

// The options that the path tests vary, for failure messages.
std::string Describe(const tda::internal::ReducerOptions& r);

// A setting of reducer options: the path off (the reference), or one setting of it on.
using ReducerSetting = std::function<void(tda::internal::ReducerOptions&)>;

// A cloud for ExpectSamePairs. ranked: its Euclidean lengths replaced by rank keys
// (edge_ranks.h: every edge its own length); the variants are then told so
// (distinct_lengths), the reference is not.
struct PathCloud {
  PointCloud cloud;
  bool ranked = false;
};

// "Option X off and on give the same pairs": for every cloud and modulus 2 and 3, at
// maxdim 2 and the enclosing radius (Maxdim2At), the reference (`reference` applied) gives
// the expected reduced pairs of dimension 2 (not empty) — and of dimension 1, the assembled
// columns of dimension 2 (over 100 of them) and the diagram against ripser (Z/2), when
// asked — and the diagram; each variant (the reference's options, then `variants[k]`
// applied) must give the same pairs, columns and diagram.
struct SamePairsCheck {
  std::vector<PathCloud> clouds;
  ReducerSetting reference = [](tda::internal::ReducerOptions&) {};
  std::vector<ReducerSetting> variants;
  bool pairs_of_dimension_1 = true;
  bool columns = false;
  bool ripser = false;
};
void ExpectSamePairs(const SamePairsCheck& check);

// The maxdim-3 check of a reducer path (4-vertex cursors, on a sphere sample, on rank keys
// when `ranked`): the reduced pairs of dimensions 2 and 3 and the diagram with
// `path(r, false)` and `path(r, true)` are equal.
void ExpectMaxdim3SamePairs(const std::function<void(tda::internal::ReducerOptions&, bool)>& path,
                            bool ranked = false);

}  // namespace panic::testing
