// Returning freed memory to the system.
#pragma once

#if defined(__GLIBC__)
#include <malloc.h>
#endif

namespace panic::core {

// Gives the allocator's free memory back to the system where it can: with glibc,
// malloc_trim, which also releases the whole free pages inside its heaps, not only at
// their tops. Blocks freed in the middle of a thread's heap otherwise stay resident until
// something reuses them (stop 41: at N = 10 000 on the unit-sphere walk ≈ 0.4 GB of a
// finished monster column's cursor blocks, 2 MiB each, were still resident while the other
// worker reduced the last one). Elsewhere nothing. Costs a walk over the free lists:
// for rare moments, such as the end of a heavy column.
inline void ReleaseFreeMemory() {
#if defined(__GLIBC__)
  malloc_trim(0);
#endif
}

}  // namespace panic::core
