// Transparent huge pages for the large arrays of the exact Rips kernel (issue 18).
//
// The kernel's big arrays — the n × n distance matrix and its byte copy, the edge table, the
// columns, the pivot table (0.1–1.2 GB each at N = 10 000) — are read at random places far
// beyond what 4 KiB pages' TLB reach covers, and each 4 KiB page is faulted in (zeroed) on
// its own. Debian's kernels back anonymous memory with 2 MiB pages only where a program asks
// (THP mode "madvise"); these helpers ask, for those arrays only. Measured on the unit-sphere
// walk (2 threads, glibc's own switch `GLIBC_TUNABLES=glibc.malloc.hugetlb=1` against none,
// same binary): N = 10 000, 55 873 201 of 55 933 643 dimension-2 columns reduced after 226 s
// against 55 870 834 after 241 s; N = 3 000, 1 thread, 15.5 / 15.9 s user against 17.8 / 17.6.
//
// Only a hint: where the kernel has THP off, or no huge page is free, the memory stays in
// 4 KiB pages and nothing else changes. It must be given before the memory is first
// touched (pages already faulted stay small), so the arrays are reserved, advised, then filled.
#pragma once

#include <sys/mman.h>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <new>
#include <type_traits>
#include <vector>

namespace panic::core {

// 2 MiB: the huge page size of x86-64 and of arm64 with 4 KiB base pages.
inline constexpr size_t kHugePageBytes = size_t{1} << 21;
// x rounded up to a whole number of huge pages (0 when that wraps past the largest value).
constexpr uintptr_t RoundUpToHugePage(uintptr_t x) { return (x + kHugePageBytes - 1) & ~(kHugePageBytes - 1); }

// Asks for huge pages over the whole 2 MiB pages inside [p, p + bytes); smaller ranges
// hold none and are left alone. Errors (no THP support, an old kernel) are ignored: it is
// a hint.
inline void AdviseHugePages(const void* p, size_t bytes) {
  const auto begin = reinterpret_cast<uintptr_t>(p);
  const uintptr_t first = RoundUpToHugePage(begin);
  const uintptr_t last = (begin + bytes) & ~(kHugePageBytes - 1);
  if (p == nullptr || last <= first) return;
#ifdef MADV_HUGEPAGE
  (void)madvise(reinterpret_cast<void*>(first), last - first, MADV_HUGEPAGE);
#endif
}

// Makes v's storage hold at least `count` elements, huge-page advised when it is newly
// allocated here (REQUIRES: v empty, so that nothing in it has been touched yet).
template <typename T, typename A>
void ReserveHugePages(std::vector<T, A>& v, size_t count) {
  v.reserve(count);
  AdviseHugePages(v.data(), v.capacity() * sizeof(T));
}

// The owner of an array from MakeHugePageArray (its elements are trivially destructible).
struct HugePageArrayDeleter {
  template <typename T>
  void operator()(T* p) const {
    static_assert(std::is_trivially_destructible_v<T>);
    ::operator delete(p, std::align_val_t{alignof(T)});
  }
};
template <typename T>
using HugePageArray = std::unique_ptr<T[], HugePageArrayDeleter>;

// n value-initialised T's in storage advised for huge pages before they are constructed
// (std::make_unique<T[]> would touch every page first). Throws std::bad_alloc.
template <typename T>
HugePageArray<T> MakeHugePageArray(size_t n) {
  static_assert(std::is_trivially_destructible_v<T>);
  T* p = static_cast<T*>(::operator new(n * sizeof(T), std::align_val_t{alignof(T)}));
  AdviseHugePages(p, n * sizeof(T));
  std::uninitialized_value_construct_n(p, n);
  return HugePageArray<T>(p);
}

// Whole 2 MiB pages for a short-lived large array, mapped apart from malloc's heap: at
// least `bytes`, 2 MiB-aligned, advised for huge pages before any is touched. A heavy column
// of the exact kernel grows and frees arrays of 10⁷–10⁸ bytes (its cursors, their index, the
// spilled cofacets); from malloc they came back as 4 KiB pages each time: at N = 10 000 on
// the unit-sphere walk a run took 6.0–6.1·10⁶ page faults and 44–47 s of system time, 2.5·10⁶
// and 37–41 s with those arrays mapped here (issue 18, stop 45). Throws std::bad_alloc.
inline void* MapHugePages(size_t bytes) {
  const size_t length = RoundUpToHugePage(bytes);
  if (length < bytes) throw std::bad_alloc();
  // One huge page more than needed, so that a 2 MiB-aligned range lies inside; the rest is
  // given back at once.
  void* raw = mmap(nullptr, length + kHugePageBytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (raw == MAP_FAILED) throw std::bad_alloc();
  const auto begin = reinterpret_cast<uintptr_t>(raw);
  const uintptr_t aligned = RoundUpToHugePage(begin);
  if (aligned > begin) (void)munmap(raw, aligned - begin);
  const uintptr_t end = begin + length + kHugePageBytes;
  if (end > aligned + length) (void)munmap(reinterpret_cast<void*>(aligned + length), end - (aligned + length));
  AdviseHugePages(reinterpret_cast<void*>(aligned), length);
  return reinterpret_cast<void*>(aligned);
}
// Gives back what MapHugePages(bytes) returned.
inline void UnmapHugePages(void* p, size_t bytes) {
  if (p != nullptr) (void)munmap(p, RoundUpToHugePage(bytes));
}

// n T's in whole huge pages (MapHugePages), given back when it goes. The elements are not
// constructed: the memory reads as zero until written, and no page is touched here, so the
// threads that write the array fault its pages in, each its own (T trivial).
template <typename T>
class MappedHugePages {
  static_assert(std::is_trivial_v<T>);

 public:
  // Throws std::bad_alloc (std::bad_array_new_length when n T's overflow size_t).
  explicit MappedHugePages(size_t n) : bytes_(Bytes(n)), p_(static_cast<T*>(MapHugePages(bytes_))) {}
  ~MappedHugePages() { UnmapHugePages(p_, bytes_); }
  MappedHugePages(const MappedHugePages&) = delete;
  MappedHugePages& operator=(const MappedHugePages&) = delete;
  T* get() const { return p_; }
  T& operator[](size_t i) const { return p_[i]; }

 private:
  static size_t Bytes(size_t n) {
    if (n > SIZE_MAX / sizeof(T)) throw std::bad_array_new_length();
    return n * sizeof(T);
  }
  size_t bytes_;
  T* p_;
};

// An allocator for std::vector whose large arrays (kMapAt bytes and more) are mapped by
// MapHugePages; smaller ones come from operator new. Its storage is zero when mapped, and
// is given back to the kernel when freed, so a trimmed vector's memory leaves the process
// as before. Up to 2 MiB − 1 bytes more of an array's tail may be resident (its last huge
// page), against the 4 KiB pages it replaces.
template <typename T>
struct HugePageAllocator {
  static_assert(alignof(T) <= __STDCPP_DEFAULT_NEW_ALIGNMENT__);
  using value_type = T;
  static constexpr size_t kMapAt = kHugePageBytes;
  HugePageAllocator() = default;
  template <typename U>
  HugePageAllocator(const HugePageAllocator<U>&) {}  // NOLINT: allocators convert implicitly
  T* allocate(size_t n) {
    if (n > SIZE_MAX / sizeof(T)) throw std::bad_array_new_length();
    const size_t bytes = n * sizeof(T);
    return static_cast<T*>(bytes < kMapAt ? ::operator new(bytes) : MapHugePages(bytes));
  }
  void deallocate(T* p, size_t n) {
    const size_t bytes = n * sizeof(T);
    if (bytes < kMapAt) {
      ::operator delete(p);
    } else {
      UnmapHugePages(p, bytes);
    }
  }
  template <typename U>
  bool operator==(const HugePageAllocator<U>&) const {
    return true;
  }
};
// A vector whose large storage is in huge pages (HugePageAllocator).
template <typename T>
using HugePageVector = std::vector<T, HugePageAllocator<T>>;

}  // namespace panic::core
