// ParallelFor: runs fn(i) for i in [0, n) on up to `threads` threads (the caller's
// included), each index exactly once. Returns when all are done. fn must not throw.
#pragma once

#include <algorithm>
#include <atomic>
#include <cstddef>
#include <thread>
#include <vector>

namespace panic {

// The default worker count: the machine's hardware threads (at least 1).
inline int DefaultThreads() { return std::max(1u, std::thread::hardware_concurrency()); }

template <typename Fn>
void ParallelFor(size_t n, int threads, Fn&& fn) {
  if (n == 0) return;
  size_t workers = std::min(n, static_cast<size_t>(std::max(1, threads)));
  if (workers == 1) {
    for (size_t i = 0; i < n; ++i) fn(i);
    return;
  }
  std::atomic<size_t> next{0};
  auto work = [&] {
    for (size_t i = next.fetch_add(1); i < n; i = next.fetch_add(1)) fn(i);
  };
  std::vector<std::jthread> pool;
  pool.reserve(workers - 1);
  for (size_t t = 1; t < workers; ++t) pool.emplace_back(work);
  work();
}

}  // namespace panic
