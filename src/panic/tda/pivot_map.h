// An open-addressing hash map from a simplex index to the reduced column whose pivot it
// is (ripser's pivot_column_index). Linear probing, power-of-two capacity, load ≤ 1/2.
// Much faster than std::unordered_map for the billions of lookups of a large reduction.
//
// Thread safety: concurrent Find() calls are safe when nothing inserts meanwhile.
#pragma once

#include <cstdint>
#include <vector>

namespace panic::tda::internal {

class PivotMap {
 public:
  static constexpr uint64_t kEmpty = ~uint64_t{0};

  void Clear() {
    slots_.assign(16, Slot{kEmpty, 0});
    size_ = 0;
  }
  void Reserve(size_t n) {
    size_t cap = 16;
    while (cap < 2 * n + 2) cap *= 2;
    if (cap > slots_.size()) Rehash(cap);
  }
  // The value stored for `key`, or kEmpty.
  uint64_t Find(uint64_t key) const {
    size_t mask = slots_.size() - 1;
    for (size_t i = Hash(key) & mask;; i = (i + 1) & mask) {
      if (slots_[i].key == key) return slots_[i].value;
      if (slots_[i].key == kEmpty) return kEmpty;
    }
  }
  // REQUIRES: key is not present and key != kEmpty.
  void Insert(uint64_t key, uint64_t value) {
    if (2 * (size_ + 1) > slots_.size()) Rehash(slots_.size() * 2);
    Place(key, value);
    ++size_;
  }
  size_t size() const { return size_; }

 private:
  struct Slot {
    uint64_t key;
    uint64_t value;
  };
  static uint64_t Hash(uint64_t x) {  // splitmix64 finaliser
    x ^= x >> 30;
    x *= 0xbf58476d1ce4e5b9ULL;
    x ^= x >> 27;
    x *= 0x94d049bb133111ebULL;
    return x ^ (x >> 31);
  }
  void Place(uint64_t key, uint64_t value) {
    size_t mask = slots_.size() - 1;
    size_t i = Hash(key) & mask;
    while (slots_[i].key != kEmpty) i = (i + 1) & mask;
    slots_[i] = Slot{key, value};
  }
  void Rehash(size_t cap) {
    std::vector<Slot> old = std::move(slots_);
    slots_.assign(cap, Slot{kEmpty, 0});
    for (const Slot& s : old) {
      if (s.key != kEmpty) Place(s.key, s.value);
    }
  }
  std::vector<Slot> slots_ = std::vector<Slot>(16, Slot{kEmpty, 0});
  size_t size_ = 0;
};

}  // namespace panic::tda::internal
