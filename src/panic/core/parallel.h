// ParallelFor: the one fork-join helper of panic-tda (no pool, no global state). The
// calling thread works too (as worker 0); each call returns when all work is done. The
// bodies must not throw.
#pragma once

#include <algorithm>
#include <atomic>
#include <cstddef>
#include <thread>
#include <vector>

namespace panic {

// The default worker count: the machine's hardware threads (at least 1).
inline int DefaultThreads() { return std::max(1u, std::thread::hardware_concurrency()); }

// Calls body(chunk_begin, chunk_end, worker) for consecutive chunks of [0, count) of at
// most `grain` items, on up to `threads` workers (worker ∈ [0, threads)). Chunks are
// handed out dynamically, so which worker runs a chunk varies from run to run: callers
// must make their results independent of it (per-worker outputs merged in a fixed order,
// or written to disjoint slots).
template <typename Body>
void ParallelFor(size_t count, size_t grain, int threads, Body&& body) {
  if (count == 0) return;
  grain = std::max<size_t>(grain, 1);
  const size_t chunks = (count + grain - 1) / grain;
  const size_t workers = std::min<size_t>(static_cast<size_t>(std::max(threads, 1)), chunks);
  if (workers == 1) {  // no threads, no atomics; the same chunks in order
    for (size_t begin = 0; begin < count; begin += grain) body(begin, std::min(count, begin + grain), 0);
    return;
  }
  std::atomic<size_t> next{0};
  auto work = [&](int worker) {
    for (;;) {
      const size_t c = next.fetch_add(1, std::memory_order_relaxed);
      if (c >= chunks) return;
      const size_t begin = c * grain;
      body(begin, std::min(count, begin + grain), worker);
    }
  };
  std::vector<std::jthread> pool;
  pool.reserve(workers - 1);
  for (size_t w = 1; w < workers; ++w) pool.emplace_back(work, static_cast<int>(w));
  work(0);
}

// Calls fn(i) for each i in [0, n), each exactly once, on up to `threads` threads.
template <typename Fn>
void ParallelFor(size_t n, int threads, Fn&& fn) {
  ParallelFor(n, 1, threads, [&fn](size_t begin, size_t end, int) {
    for (size_t i = begin; i < end; ++i) fn(i);
  });
}

}  // namespace panic
