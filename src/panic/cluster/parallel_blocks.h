// Fork-join over consecutive chunks, with the worker's number passed to the body so
// that each worker can keep its own scratch and partial results.
#pragma once

#include <algorithm>
#include <atomic>
#include <cstddef>
#include <thread>
#include <vector>

namespace panic::cluster::internal {

// Calls body(item, worker) for every item of [0, count) on up to `threads` workers (the
// caller is worker 0). Items are handed out dynamically, so which worker runs an item
// varies: callers make results independent of it (disjoint output slots, or per-worker
// partial results merged with a total order).
template <typename Body>
void ParallelItems(size_t count, int threads, Body&& body) {
  if (count == 0) return;
  const size_t workers = std::min<size_t>(static_cast<size_t>(std::max(threads, 1)), count);
  std::atomic<size_t> next{0};
  auto work = [&](size_t worker) {
    for (size_t i = next.fetch_add(1, std::memory_order_relaxed); i < count;
         i = next.fetch_add(1, std::memory_order_relaxed)) {
      body(i, worker);
    }
  };
  std::vector<std::thread> pool;
  pool.reserve(workers - 1);
  for (size_t w = 1; w < workers; ++w) pool.emplace_back(work, w);
  work(0);
  for (auto& t : pool) t.join();
}

// The number of workers ParallelItems uses for `count` items.
inline size_t WorkerCount(size_t count, int threads) {
  return std::max<size_t>(1, std::min<size_t>(static_cast<size_t>(std::max(threads, 1)), count));
}

}  // namespace panic::cluster::internal
