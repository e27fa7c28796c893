// An open-addressing hash map from a simplex index to the reduced column whose pivot it
// is (ripser's pivot_column_index). Linear probing, power-of-two capacity, load ≤ 3/4.
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
    std::vector<uint64_t>(16, kEmpty).swap(keys_);
    std::vector<uint32_t>(16, 0).swap(columns_);
    size_ = 0;
  }
  void Reserve(size_t n) {
    size_t cap = 16;
    while (3 * cap < 4 * n + 4) cap *= 2;
    if (cap > keys_.size()) Rehash(cap);
  }
  // The value stored for `key`, or kEmpty.
  uint64_t Find(uint64_t key) const {
    size_t mask = keys_.size() - 1;
    for (size_t i = Hash(key) & mask;; i = (i + 1) & mask) {
      uint64_t k = keys_[i];
      if ((k & kKeyMask) == key) return (k & ~kKeyMask) | columns_[i];
      if (k == kEmpty) return kEmpty;
    }
  }
  // REQUIRES: key is not present, key < 2^56 − 1, and value = column | (tag << 56)
  // with column < 2^32 (the tag is the pivot's coefficient).
  void Insert(uint64_t key, uint64_t value) {
    if (4 * (size_ + 1) > 3 * keys_.size()) Rehash(keys_.size() * 2);
    Place(key | (value & ~kKeyMask), static_cast<uint32_t>(value & kKeyMask));
    ++size_;
  }
  size_t size() const { return size_; }

 private:
  // Keys are simplex indices (< 2^56); the value's top 8 bits ride in the key's, and its
  // low bits (a column number) in a parallel 32-bit array: 12 bytes a slot, load ≤ 3/4.
  static constexpr uint64_t kKeyMask = (uint64_t{1} << 56) - 1;
  static uint64_t Hash(uint64_t x) {  // splitmix64 finaliser
    x ^= x >> 30;
    x *= 0xbf58476d1ce4e5b9ULL;
    x ^= x >> 27;
    x *= 0x94d049bb133111ebULL;
    return x ^ (x >> 31);
  }
  void Place(uint64_t packed, uint32_t column) {
    size_t mask = keys_.size() - 1;
    size_t i = Hash(packed & kKeyMask) & mask;
    while (keys_[i] != kEmpty) i = (i + 1) & mask;
    keys_[i] = packed;
    columns_[i] = column;
  }
  void Rehash(size_t cap) {
    std::vector<uint64_t> old_keys = std::move(keys_);
    std::vector<uint32_t> old_columns = std::move(columns_);
    keys_.assign(cap, kEmpty);
    columns_.assign(cap, 0);
    for (size_t i = 0; i < old_keys.size(); ++i) {
      if (old_keys[i] != kEmpty) Place(old_keys[i], old_columns[i]);
    }
  }
  std::vector<uint64_t> keys_ = std::vector<uint64_t>(16, kEmpty);
  std::vector<uint32_t> columns_ = std::vector<uint32_t>(16, 0);
  size_t size_ = 0;
};

}  // namespace panic::tda::internal
