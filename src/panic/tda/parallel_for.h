// A minimal fork-join helper for the TDA kernels: no pool, no global state.
#pragma once

#include <algorithm>
#include <atomic>
#include <cstddef>
#include <thread>
#include <vector>

namespace panic::tda::internal {

// Calls body(chunk_begin, chunk_end, worker) for consecutive chunks of [0, count) of
// at most `grain` items, on `threads` workers (the calling thread is worker 0). Chunks
// are handed out dynamically, so which worker runs a chunk varies from run to run:
// callers must make their results independent of it (per-worker outputs merged in a
// fixed order, or written to disjoint slots).
template <typename Body>
void ParallelFor(size_t count, size_t grain, int threads, Body&& body) {
  if (count == 0) return;
  grain = std::max<size_t>(grain, 1);
  size_t chunks = (count + grain - 1) / grain;
  size_t workers = std::min<size_t>(static_cast<size_t>(std::max(threads, 1)), chunks);
  std::atomic<size_t> next{0};
  auto work = [&](int worker) {
    for (;;) {
      size_t c = next.fetch_add(1, std::memory_order_relaxed);
      if (c >= chunks) return;
      size_t begin = c * grain;
      body(begin, std::min(count, begin + grain), worker);
    }
  };
  std::vector<std::thread> pool;
  pool.reserve(workers - 1);
  for (size_t w = 1; w < workers; ++w) pool.emplace_back(work, static_cast<int>(w));
  work(0);
  for (auto& t : pool) t.join();
}

}  // namespace panic::tda::internal
