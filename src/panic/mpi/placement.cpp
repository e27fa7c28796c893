#include "panic/mpi/placement.h"

#include <algorithm>

namespace panic::mpi {

Placement::Placement(int ranks) : memory_(static_cast<size_t>(std::max(1, ranks)), 0), busy_(memory_.size(), false) {
  for (int r = 1; r < ranks; ++r) free_workers_.push_back(r);
}

uint64_t Placement::LargestMemory() const { return *std::max_element(memory_.begin(), memory_.end()); }

void Placement::Add(uint64_t ticket, uint64_t memory_bytes) { waiting_.push_back({ticket, memory_bytes}); }

std::vector<Placement::Assignment> Placement::Assign() {
  std::vector<Assignment> out;
  for (auto it = waiting_.begin(); it != waiting_.end();) {
    auto holds = [&](int r) { return memory_[static_cast<size_t>(r)] >= it->need; };
    int to = -1;
    if (auto w = std::find_if(free_workers_.begin(), free_workers_.end(), holds); w != free_workers_.end()) {
      to = *w;
      free_workers_.erase(w);
    } else if (!busy_[0] && holds(0)) {
      to = 0;
    }
    if (to < 0) {
      ++it;  // waits for a rank that holds it; the units behind may pass
      continue;
    }
    busy_[static_cast<size_t>(to)] = true;
    out.push_back({it->ticket, to});
    it = waiting_.erase(it);
  }
  return out;
}

std::vector<uint64_t> Placement::TakeUnplaceable() {
  std::vector<uint64_t> out;
  const uint64_t largest = LargestMemory();
  for (auto it = waiting_.begin(); it != waiting_.end();) {
    if (it->need <= largest) {
      ++it;
      continue;
    }
    out.push_back(it->ticket);
    it = waiting_.erase(it);
  }
  return out;
}

void Placement::Free(int rank) {
  if (!busy_[static_cast<size_t>(rank)]) return;
  busy_[static_cast<size_t>(rank)] = false;
  if (rank != 0) free_workers_.push_back(rank);
}

size_t Placement::busy_count() const { return static_cast<size_t>(std::count(busy_.begin(), busy_.end(), true)); }

uint64_t Placement::need(uint64_t ticket) const {
  for (const auto& w : waiting_) {
    if (w.ticket == ticket) return w.need;
  }
  return 0;
}

}  // namespace panic::mpi
