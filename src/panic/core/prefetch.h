// Asking the cache for a line that will be read soon (issue 18's reducer: its heavy
// columns read the distance matrix, their heap and their duplicate index at random).
#pragma once

namespace panic::core {

// Starts loading the cache line of `p` into every level; never faults. An asm statement,
// not __builtin_prefetch: GCC 12 deleted a loop whose body was only __builtin_prefetch
// calls (RipsComplex::PrefetchCofacetDistances; no prefetch instruction was left in the
// binary), while it keeps an asm volatile.
inline void PrefetchLine(const void* p) {
#if defined(__x86_64__)
  asm volatile("prefetcht0 %0" : : "m"(*static_cast<const char*>(p)));
#else
  __builtin_prefetch(p);
#endif
}

}  // namespace panic::core
