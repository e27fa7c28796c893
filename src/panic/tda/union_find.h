// Disjoint sets over 0..n−1 with path halving and union by rank: the dimension-0
// step of the Rips kernel (Kruskal's algorithm on the sorted edges).
#pragma once

#include <cstddef>
#include <cstdint>
#include <numeric>
#include <vector>

namespace panic::tda::internal {

class UnionFind {
 public:
  explicit UnionFind(size_t n) : parent_(n), rank_(n, 0), components_(n) {
    std::iota(parent_.begin(), parent_.end(), size_t{0});
  }
  size_t Find(size_t x) {
    while (parent_[x] != x) {
      parent_[x] = parent_[parent_[x]];
      x = parent_[x];
    }
    return x;
  }
  // Merges the sets of a and b; false when they were already one set.
  bool Union(size_t a, size_t b) {
    a = Find(a);
    b = Find(b);
    if (a == b) return false;
    if (rank_[a] < rank_[b]) std::swap(a, b);
    parent_[b] = a;
    if (rank_[a] == rank_[b]) ++rank_[a];
    --components_;
    return true;
  }
  size_t components() const { return components_; }

 private:
  std::vector<size_t> parent_;
  std::vector<uint8_t> rank_;
  size_t components_;
};

}  // namespace panic::tda::internal
