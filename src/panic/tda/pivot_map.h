// An open-addressing hash map from a simplex index to the reduced column whose pivot it
// is (ripser's pivot_column_index). Linear probing, power-of-two capacity, load ≤ 3/4.
// Much faster than std::unordered_map for the billions of lookups of a large reduction.
//
// Thread safety: concurrent Find() calls are safe when nothing inserts meanwhile.
// ConcurrentPivotMap below is the lock-free one of the parallel reduction.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <thread>
#include <utility>
#include <vector>

namespace panic::tda::internal {

// The slot hash of both pivot maps: splitmix64's finaliser (simplex indices are dense, so
// they need mixing before the power-of-two mask).
inline uint64_t SplitMix64Finaliser(uint64_t x) {
  x ^= x >> 30;
  x *= 0xbf58476d1ce4e5b9ULL;
  x ^= x >> 27;
  x *= 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

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
  static uint64_t Hash(uint64_t x) { return SplitMix64Finaliser(x); }
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

// The pivot table of the lock-free parallel reduction (Morozov & Nigmetov, "Towards
// lockfree persistent homology", SPAA 2020): pivot simplex → the published reduced column
// (an immutable T, never freed while the map is in use) that owns it now.
//
// Invariants that make it simple:
// - A key, once inserted, stays; only its owner changes (by compare-and-swap). Every key
//   has one owner and every column owns at most one key, so there are never more keys
//   than columns: the capacity is fixed at construction and nothing is ever rehashed.
// - Insertion claims the key's slot by a CAS on the key, then stores the owner (release).
//   A reader that finds the key before the owner is stored waits for it (Owner()): the
//   window is two instructions of the inserting thread.
// - Owners are published with release and read with acquire, so a reader of an owner
//   sees the whole column written before it was published.
template <typename T>
class ConcurrentPivotMap {
 public:
  static constexpr size_t kNone = ~size_t{0};

  explicit ConcurrentPivotMap(size_t max_keys) {
    size_t cap = 16;
    while (3 * cap < 4 * max_keys + 4) cap *= 2;
    capacity_ = cap;
    keys_ = std::make_unique<std::atomic<uint64_t>[]>(cap);
    owners_ = std::make_unique<std::atomic<const T*>[]>(cap);
    for (size_t i = 0; i < cap; ++i) {
      keys_[i].store(kEmpty, std::memory_order_relaxed);
      owners_[i].store(nullptr, std::memory_order_relaxed);
    }
  }
  // The slot of `key`, or kNone.
  size_t Find(uint64_t key) const {
    const size_t mask = capacity_ - 1;
    for (size_t i = Hash(key) & mask;; i = (i + 1) & mask) {
      const uint64_t k = keys_[i].load(std::memory_order_acquire);
      if (k == key) return i;
      if (k == kEmpty) return kNone;
    }
  }
  // The owner of a found slot (waits while its inserter is still storing it).
  const T* Owner(size_t slot) const {
    for (;;) {
      const T* owner = owners_[slot].load(std::memory_order_acquire);
      if (owner != nullptr) return owner;
      std::this_thread::yield();
    }
  }
  // Inserts key → owner if the key is absent: {its slot, true}; else {the key's slot, false}.
  // REQUIRES: key < 2^64 − 1, owner ≠ nullptr, fewer than max_keys keys so far.
  std::pair<size_t, bool> Insert(uint64_t key, const T* owner) {
    const size_t mask = capacity_ - 1;
    for (size_t i = Hash(key) & mask;; i = (i + 1) & mask) {
      uint64_t k = keys_[i].load(std::memory_order_acquire);
      if (k == kEmpty) {
        if (keys_[i].compare_exchange_strong(k, key, std::memory_order_acq_rel)) {
          owners_[i].store(owner, std::memory_order_release);
          return {i, true};
        }
        // k now holds the key another thread put here.
      }
      if (k == key) return {i, false};
    }
  }
  // Replaces the owner of `slot` if it is still `expected`; false (and nothing changed)
  // when another thread changed it first.
  bool Replace(size_t slot, const T* expected, const T* owner) {
    return owners_[slot].compare_exchange_strong(expected, owner, std::memory_order_acq_rel);
  }
  // f(key, owner) for every key. REQUIRES: no thread is changing the map.
  template <typename F>
  void ForEach(F&& f) const {
    for (size_t i = 0; i < capacity_; ++i) {
      const uint64_t k = keys_[i].load(std::memory_order_acquire);
      if (k != kEmpty) f(k, Owner(i));
    }
  }

 private:
  static constexpr uint64_t kEmpty = ~uint64_t{0};
  static uint64_t Hash(uint64_t x) { return SplitMix64Finaliser(x); }
  size_t capacity_ = 0;
  std::unique_ptr<std::atomic<uint64_t>[]> keys_;
  std::unique_ptr<std::atomic<const T*>[]> owners_;
};

}  // namespace panic::tda::internal
