// An open-addressing hash map from a simplex index to the reduced column whose pivot it
// is (ripser's pivot_column_index). Linear probing, power-of-two capacity, load ≤ 3/4.
// Much faster than std::unordered_map for the billions of lookups of a large reduction.
//
// Thread safety: concurrent Find() calls are safe when nothing inserts meanwhile.
// ConcurrentPivotMap below is the lock-free one of the parallel reduction.
#pragma once

#include <algorithm>
#include <atomic>
#include <bit>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <thread>
#include <type_traits>
#include <unordered_map>
#include <utility>
#include <vector>

#include "panic/core/huge_pages.h"
#include "panic/core/prefetch.h"

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

// A bijection of [0, 2^bits) that scatters dense integers (simplex indices) over it: the
// pivot table's hash when it keeps only part of each key (ConcurrentPivotMap's paged
// layout), which must get the key back from the part kept and the slot. Multiplications by
// odd constants and right xor-shifts are invertible modulo 2^bits; two rounds of each
// spread every input bit over the top bits, which pick the page.
class BitMixer {
 public:
  // REQUIRES: 1 ≤ bits ≤ 64.
  explicit BitMixer(int bits)
      : mask_(bits == 64 ? ~uint64_t{0} : (uint64_t{1} << bits) - 1),
        bits_(bits),
        shift_(std::max(1, (bits + 1) / 2)),
        inverse1_(InverseOdd(kMultiplier1) & mask_),
        inverse2_(InverseOdd(kMultiplier2) & mask_) {}
  uint64_t Mix(uint64_t x) const {
    x = (x * kMultiplier1) & mask_;
    x ^= x >> shift_;
    x = (x * kMultiplier2) & mask_;
    return x ^ (x >> shift_);
  }
  // Mix's inverse. REQUIRES: y < 2^bits.
  uint64_t Unmix(uint64_t y) const {
    y = UnXorShift(y);
    y = (y * inverse2_) & mask_;
    y = UnXorShift(y);
    return (y * inverse1_) & mask_;
  }

 private:
  static constexpr uint64_t kMultiplier1 = 0xbf58476d1ce4e5b9ULL, kMultiplier2 = 0x94d049bb133111ebULL;
  // a⁻¹ modulo 2^64 for odd a, by Newton's iteration (each step doubles the correct low
  // bits; a·a ≡ 1 modulo 8 gives the first 3).
  static constexpr uint64_t InverseOdd(uint64_t a) {
    uint64_t x = a;
    for (int i = 0; i < 5; ++i) x *= 2 - a * x;
    return x;
  }
  // The x with x ^ (x >> shift_) = y: after j steps x ^ (x >> (j + 1)·shift_) is known.
  uint64_t UnXorShift(uint64_t y) const {
    uint64_t x = y;
    for (int known = shift_; known < bits_; known += shift_) x = y ^ (x >> shift_);
    return x;
  }
  uint64_t mask_;
  int bits_, shift_;
  uint64_t inverse1_, inverse2_;
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
//   It is not a power of two but about max_keys · 5/4 (the load stays ≤ 4/5; 3/4 until
//   stop 42, 37 MB more at N = 10 000): the table is
//   the reduction's largest array after the columns (at N = 10 000 on the unit-sphere walk
//   5.6·10⁷ triangle columns, 7.0·10⁷ slots), and rounding up to a power of two cost up
//   to twice that. A hash picks its home slot by a multiply-shift (fastrange), not a mask.
// - Owners are published with release and read with acquire, so a reader of an owner
//   sees the whole column written before it was published.
// - An owner CAS compares handle values, so no two publications may share one unless
//   they are the same state of the same column (Published: handles are never reused,
//   and an inline owner is a column whose V is empty, one state per column).
//
// Two layouts, chosen at construction:
// - Paged (8 bytes a slot; 4-byte T whose T{} is all zero bits, keys below 2^bits): the
//   key, mixed by a bijection of [0, 2^bits) (BitMixer), is split into its top bits − 32
//   bits, which name a page of page_slots() consecutive slots, and its low 32 bits,
//   stored beside the owner in one 64-bit word: {rest, owner}, 0 for an empty slot (an
//   owner is never T{}). A key is probed for from its home slot within its page only,
//   wrapping at the page's end, so the page and the stored bits give the key back. One
//   word holds key and owner, so an insertion is one CAS and a lookup one cache line.
//   A page can fill while the table is not full (at most page_slots() keys; ≈ 427 on
//   average at N = 10 000 in pages of 534): the layout is chosen only when pages have at
//   least kMinPageSlots slots (then a full page is ≥ 3.6 standard deviations above its
//   mean count of keys, ≥ 5.2 at N = 10 000), and a key whose page is full goes to a
//   small locked overflow list, which is correct whatever its size. (A key in a full page
//   is found there: a prober that passed every slot of a page saw each one filled by
//   another key, and keys never leave, so the key was not in it.)
// - Wide (12 or 16 bytes a slot: the key and the owner in two arrays, linear probing over
//   the whole table): for keys too wide for the slots (2^(bits − 32) pages of
//   kMinPageSlots would exceed 5/4 of max_keys: at N = 10 000 and maxdim 2, fewer than
//   2.7·10⁷ columns), and 8-byte T. Insertion claims the key's slot by a CAS on the key,
//   then stores the owner (release); a reader that finds the key before the owner is
//   stored waits for it (Owner()): the window is two instructions of the inserting thread.
template <typename T>
class ConcurrentPivotMap {
 public:
  static constexpr size_t kNone = ~size_t{0};
  // The fewest slots a page of the paged layout may have (see above).
  static constexpr size_t kMinPageSlots = 256;
  static_assert((sizeof(T) == 4 || sizeof(T) == 8) && std::is_trivially_copyable_v<T> &&
                std::atomic<T>::is_always_lock_free);

  // A table for max_keys keys, each below key_bound (a simplex index: C(n, k) for the
  // simplices of k vertices). min_page_slots: tests only (smaller pages, to fill some).
  explicit ConcurrentPivotMap(size_t max_keys, uint64_t key_bound = ~uint64_t{0},
                              size_t min_page_slots = kMinPageSlots)
      : mixer_(KeyBits(key_bound)) {
    const int bits = KeyBits(key_bound);
    const int rest_bits = std::min(bits, 32);
    const int page_bits = bits - rest_bits;
    const size_t slots = Capacity(max_keys);
    const size_t pages = page_bits < 40 ? size_t{1} << page_bits : 0;
    const size_t page_slots = pages == 0 ? 0 : (slots + pages - 1) / pages;
    paged_ = ZeroIsNone() && pages != 0 && (pages == 1 || page_slots >= min_page_slots);
    if (paged_) {
      rest_bits_ = rest_bits;
      page_slots_ = page_slots;
      capacity_ = pages * page_slots_;
      // Huge pages (core/huge_pages.h): the probes land at random in 0.6 GB at N = 10 000.
      words_ = core::MakeHugePageArray<std::atomic<uint64_t>>(capacity_);
      return;
    }
    capacity_ = slots;
    keys_ = core::MakeHugePageArray<std::atomic<uint64_t>>(capacity_);
    owners_ = core::MakeHugePageArray<std::atomic<T>>(capacity_);
    for (size_t i = 0; i < capacity_; ++i) {
      keys_[i].store(kEmpty, std::memory_order_relaxed);
      owners_[i].store(T{}, std::memory_order_relaxed);
    }
  }
  // The slots of a map for max_keys keys: ⌈5 · max_keys / 4⌉ + 1 (at least one stays empty,
  // which ends every probe). The paged layout rounds it up to whole pages.
  static size_t Capacity(size_t max_keys) { return (5 * max_keys + 3) / 4 + 1; }
  // The slots [0, capacity()) that ForEachIn reads (with the paged layout, the overflow's
  // keys after the pages'; their count is fixed once nothing inserts).
  size_t capacity() const {
    if (!paged_) return capacity_;
    const std::lock_guard<std::mutex> lock(overflow_mutex_);
    return capacity_ + overflow_keys_.size();
  }
  bool paged() const { return paged_; }
  size_t page_slots() const { return page_slots_; }
  // Keys whose page was full (paged layout).
  size_t overflow_size() const {
    const std::lock_guard<std::mutex> lock(overflow_mutex_);
    return overflow_keys_.size();
  }
  // The bytes of the slots.
  size_t bytes() const { return capacity_ * (paged_ ? sizeof(uint64_t) : sizeof(uint64_t) + sizeof(T)); }

  // The slot of `key`, or kNone.
  size_t Find(uint64_t key) const {
    if (!paged_) {
      for (size_t i = Home(key);; i = Next(i)) {
        const uint64_t k = keys_[i].load(std::memory_order_acquire);
        if (k == key) return i;
        if (k == kEmpty) return kNone;
      }
    }
    const Place place = PlaceOf(key);
    size_t i = place.home;
    for (size_t probes = 0; probes < page_slots_; ++probes) {
      const uint64_t w = words_[place.page_begin + i].load(std::memory_order_acquire);
      if (w == 0) return kNone;
      if ((w >> 32) == place.rest) return place.page_begin + i;
      i = NextInPage(i);
    }
    return OverflowFind(key);
  }
  // Asks the cache for the slot where a probe for `key` starts (Find, Insert).
  void Prefetch(uint64_t key) const {
    if (paged_) {
      const Place place = PlaceOf(key);
      core::PrefetchLine(&words_[place.page_begin + place.home]);
    } else {
      core::PrefetchLine(&keys_[Home(key)]);
    }
  }
  // The owner of a found slot (the wide layout waits while its inserter is still storing it).
  T Owner(size_t slot) const {
    if (paged_) {
      if (slot >= capacity_) return OverflowOwner(slot - capacity_);
      return FromBits(static_cast<uint32_t>(words_[slot].load(std::memory_order_acquire)));
    }
    for (;;) {
      const T owner = owners_[slot].load(std::memory_order_acquire);
      if (!(owner == T{})) return owner;
      std::this_thread::yield();
    }
  }
  // Inserts key → owner if the key is absent: {its slot, true}; else {the key's slot, false}.
  // REQUIRES: key < key_bound, key < 2^64 − 1, owner ≠ T{}, fewer than max_keys keys so far.
  std::pair<size_t, bool> Insert(uint64_t key, T owner) {
    if (!paged_) {
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
    const Place place = PlaceOf(key);
    const uint64_t word = (place.rest << 32) | ToBits(owner);
    size_t i = place.home;
    for (size_t probes = 0; probes < page_slots_; ++probes) {
      std::atomic<uint64_t>& slot = words_[place.page_begin + i];
      uint64_t w = slot.load(std::memory_order_acquire);
      if (w == 0 && slot.compare_exchange_strong(w, word, std::memory_order_acq_rel)) {
        return {place.page_begin + i, true};
      }
      // w holds what is in the slot now (another thread's key, maybe this one).
      if ((w >> 32) == place.rest) return {place.page_begin + i, false};
      i = NextInPage(i);
    }
    return OverflowInsert(key, owner);
  }
  // Replaces the owner of `slot` if it is still `expected`; false (and nothing changed)
  // when another thread changed it first.
  bool Replace(size_t slot, T expected, T owner) {
    if (!paged_) return owners_[slot].compare_exchange_strong(expected, owner, std::memory_order_acq_rel);
    if (slot >= capacity_) return OverflowReplace(slot - capacity_, expected, owner);
    uint64_t w = words_[slot].load(std::memory_order_acquire);
    if (static_cast<uint32_t>(w) != ToBits(expected)) return false;
    const uint64_t replaced = (w & ~uint64_t{0xFFFFFFFF}) | ToBits(owner);
    return words_[slot].compare_exchange_strong(w, replaced, std::memory_order_acq_rel);
  }
  // f(key, owner) for every key. REQUIRES: no thread is changing the map.
  template <typename F>
  void ForEach(F&& f) const {
    ForEachIn(0, capacity(), f);
  }
  // The same for the keys in slots [begin, end) only (several threads may read disjoint
  // ranges at once). REQUIRES: end ≤ capacity(), no thread is changing the map.
  template <typename F>
  void ForEachIn(size_t begin, size_t end, F&& f) const {
    if (!paged_) {
      for (size_t i = begin; i < end; ++i) {
        const uint64_t k = keys_[i].load(std::memory_order_acquire);
        if (k != kEmpty) f(k, Owner(i));
      }
      return;
    }
    for (size_t i = begin; i < std::min(end, capacity_); ++i) {
      const uint64_t w = words_[i].load(std::memory_order_acquire);
      if (w == 0) continue;
      const uint64_t page = i / page_slots_;
      f(mixer_.Unmix((page << rest_bits_) | (w >> 32)), FromBits(static_cast<uint32_t>(w)));
    }
    if (end <= capacity_) return;
    const std::lock_guard<std::mutex> lock(overflow_mutex_);
    for (size_t i = std::max(begin, capacity_); i < end; ++i) {
      f(overflow_keys_[i - capacity_], FromBits(overflow_owners_[i - capacity_]));
    }
  }

 private:
  static constexpr uint64_t kEmpty = ~uint64_t{0};
  // Bits of the largest key below key_bound (at least 1).
  static int KeyBits(uint64_t key_bound) {
    int bits = 1;
    while (bits < 64 && (key_bound - 1) >> bits != 0) ++bits;
    return bits;
  }
  // Whether T{} is all zero bits (a 4-byte T only), the paged layout's empty slot.
  static bool ZeroIsNone() {
    if constexpr (sizeof(T) != 4) {
      return false;
    } else {
      return ToBits(T{}) == 0;
    }
  }
  // The owner's 32 bits (paged layout only: 4-byte T).
  static uint32_t ToBits(T owner) {
    if constexpr (sizeof(T) == 4) {
      return std::bit_cast<uint32_t>(owner);
    } else {
      return 0;
    }
  }
  static T FromBits(uint32_t bits) {
    if constexpr (sizeof(T) == 4) {
      return std::bit_cast<T>(bits);
    } else {
      return T{};
    }
  }
  // Where a key lives in the paged layout: its page's first slot, its home slot within the
  // page, and the bits stored.
  struct Place {
    size_t page_begin, home;
    uint64_t rest;
  };
  Place PlaceOf(uint64_t key) const {
    const uint64_t mixed = mixer_.Mix(key);
    const uint64_t rest = mixed & ((uint64_t{1} << rest_bits_) - 1);  // rest_bits_ ≤ 32
    const uint64_t page = mixed >> rest_bits_;
    // fastrange on the rest, scaled to 32 bits.
    const size_t home = static_cast<size_t>(((rest << (32 - rest_bits_)) * page_slots_) >> 32);
    return {static_cast<size_t>(page) * page_slots_, home, rest};
  }
  size_t Home(uint64_t key) const {
    __extension__ using u128 = unsigned __int128;  // (-Wpedantic: a GCC/Clang extension)
    return static_cast<size_t>((static_cast<u128>(SplitMix64Finaliser(key)) * capacity_) >> 64);
  }
  size_t Next(size_t i) const { return i + 1 == capacity_ ? 0 : i + 1; }
  size_t NextInPage(size_t i) const { return i + 1 == page_slots_ ? 0 : i + 1; }

  // The overflow of full pages: keys and owners in insertion order (a deque: nothing moves),
  // found through a hash map, all under one mutex. Its slots are capacity_ + position.
  size_t OverflowFind(uint64_t key) const {
    const std::lock_guard<std::mutex> lock(overflow_mutex_);
    const auto it = overflow_index_.find(key);
    return it == overflow_index_.end() ? kNone : capacity_ + it->second;
  }
  T OverflowOwner(size_t position) const {
    const std::lock_guard<std::mutex> lock(overflow_mutex_);
    return FromBits(overflow_owners_[position]);
  }
  std::pair<size_t, bool> OverflowInsert(uint64_t key, T owner) {
    const std::lock_guard<std::mutex> lock(overflow_mutex_);
    const auto [it, inserted] = overflow_index_.emplace(key, overflow_keys_.size());
    if (inserted) {
      overflow_keys_.push_back(key);
      overflow_owners_.push_back(ToBits(owner));
    }
    return {capacity_ + it->second, inserted};
  }
  bool OverflowReplace(size_t position, T expected, T owner) {
    const std::lock_guard<std::mutex> lock(overflow_mutex_);
    if (overflow_owners_[position] != ToBits(expected)) return false;
    overflow_owners_[position] = ToBits(owner);
    return true;
  }

  BitMixer mixer_;
  bool paged_ = false;
  int rest_bits_ = 0;
  size_t page_slots_ = 0;
  size_t capacity_ = 0;  // the pages' slots, or the wide layout's
  core::HugePageArray<std::atomic<uint64_t>> words_;  // paged: {rest, owner} a slot, 0 empty
  core::HugePageArray<std::atomic<uint64_t>> keys_;   // wide: the keys ...
  core::HugePageArray<std::atomic<T>> owners_;        // ... and their owners
  mutable std::mutex overflow_mutex_;
  std::unordered_map<uint64_t, size_t> overflow_index_;
  std::deque<uint64_t> overflow_keys_;
  std::deque<uint32_t> overflow_owners_;
};

}  // namespace panic::tda::internal
