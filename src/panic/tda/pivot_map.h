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
#include <type_traits>
#include <utility>
#include <vector>

#include "panic/core/huge_pages.h"

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
// that owns it now. T is that column's handle: a 4- or 8-byte trivially copyable value
// whose value-initialised T{} means "none" (rips_reducer_types.h's Published: a 32-bit
// snapshot handle or a column number); what it refers to is immutable and lives while the
// map is in use.
//
// Invariants that make it simple:
// - A key, once inserted, stays; only its owner changes (by compare-and-swap). Every key
//   has one owner and every column owns at most one key, so there are never more keys
//   than columns: the capacity is fixed at construction and nothing is ever rehashed.
//   It is not a power of two but max_keys · 4/3 (the load stays ≤ 3/4): the table is
//   the reduction's largest array after the columns (8 bytes of key and sizeof(T) of
//   owner a slot, in two arrays: 12 bytes with Published; at N = 10 000 on the
//   unit-sphere walk 5.6·10⁷ triangle columns, 0.9 GB), and rounding up to a power of two
//   cost up to twice that. A hash picks its home slot by a multiply-shift (fastrange),
//   not a mask.
// - Insertion claims the key's slot by a CAS on the key, then stores the owner (release).
//   A reader that finds the key before the owner is stored waits for it (Owner()): the
//   window is two instructions of the inserting thread.
// - Owners are published with release and read with acquire, so a reader of an owner
//   sees the whole column written before it was published.
// - An owner CAS compares handle values, so no two publications may share one unless
//   they are the same state of the same column (Published: handles are never reused,
//   and an inline owner is a column whose V is empty, one state per column).
template <typename T>
class ConcurrentPivotMap {
 public:
  static constexpr size_t kNone = ~size_t{0};
  static_assert((sizeof(T) == 4 || sizeof(T) == 8) && std::is_trivially_copyable_v<T> &&
                std::atomic<T>::is_always_lock_free);

  explicit ConcurrentPivotMap(size_t max_keys) : capacity_(Capacity(max_keys)) {
    // Huge pages (core/huge_pages.h): the probes land at random in 0.9 GB at N = 10 000.
    keys_ = core::MakeHugePageArray<std::atomic<uint64_t>>(capacity_);
    owners_ = core::MakeHugePageArray<std::atomic<T>>(capacity_);
    for (size_t i = 0; i < capacity_; ++i) {
      keys_[i].store(kEmpty, std::memory_order_relaxed);
      owners_[i].store(T{}, std::memory_order_relaxed);
    }
  }
  // The slots of a map for max_keys keys: ⌈4 · max_keys / 3⌉ + 1 (at least one stays empty,
  // which ends every probe).
  static size_t Capacity(size_t max_keys) { return (4 * max_keys + 2) / 3 + 1; }
  size_t capacity() const { return capacity_; }
  // The slot of `key`, or kNone.
  size_t Find(uint64_t key) const {
    for (size_t i = Home(key);; i = Next(i)) {
      const uint64_t k = keys_[i].load(std::memory_order_acquire);
      if (k == key) return i;
      if (k == kEmpty) return kNone;
    }
  }
  // The owner of a found slot (waits while its inserter is still storing it).
  T Owner(size_t slot) const {
    for (;;) {
      const T owner = owners_[slot].load(std::memory_order_acquire);
      if (!(owner == T{})) return owner;
      std::this_thread::yield();
    }
  }
  // Inserts key → owner if the key is absent: {its slot, true}; else {the key's slot, false}.
  // REQUIRES: key < 2^64 − 1, owner ≠ T{}, fewer than max_keys keys so far.
  std::pair<size_t, bool> Insert(uint64_t key, T owner) {
    for (size_t i = Home(key);; i = Next(i)) {
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
  bool Replace(size_t slot, T expected, T owner) {
    return owners_[slot].compare_exchange_strong(expected, owner, std::memory_order_acq_rel);
  }
  // f(key, owner) for every key. REQUIRES: no thread is changing the map.
  template <typename F>
  void ForEach(F&& f) const {
    ForEachIn(0, capacity_, f);
  }
  // The same for the keys in slots [begin, end) only (several threads may read disjoint
  // ranges at once). REQUIRES: end ≤ capacity(), no thread is changing the map.
  template <typename F>
  void ForEachIn(size_t begin, size_t end, F&& f) const {
    for (size_t i = begin; i < end; ++i) {
      const uint64_t k = keys_[i].load(std::memory_order_acquire);
      if (k != kEmpty) f(k, Owner(i));
    }
  }

 private:
  static constexpr uint64_t kEmpty = ~uint64_t{0};
  size_t Home(uint64_t key) const {
    __extension__ using u128 = unsigned __int128;  // (-Wpedantic: a GCC/Clang extension)
    return static_cast<size_t>((static_cast<u128>(SplitMix64Finaliser(key)) * capacity_) >> 64);
  }
  size_t Next(size_t i) const { return i + 1 == capacity_ ? 0 : i + 1; }
  size_t capacity_ = 0;
  core::HugePageArray<std::atomic<uint64_t>> keys_;
  core::HugePageArray<std::atomic<T>> owners_;
};

}  // namespace panic::tda::internal
