#include "panic/mpi/placement.h"

#include <algorithm>

namespace panic::mpi {

Placement::Placement(int ranks, bool rank0_computes)
    : memory_(static_cast<size_t>(std::max(1, ranks)), 0), group_(memory_.size(), 0), busy_(memory_.size(), false),
      rank0_computes_(rank0_computes) {
  for (int r = 1; r < ranks; ++r) free_workers_.push_back(r);
}

uint64_t Placement::LargestMemory() const {
  // Rank 0 counts only when it computes (a job of one rank has no other).
  const auto from = rank0_computes_ || memory_.size() == 1 ? memory_.begin() : memory_.begin() + 1;
  return *std::max_element(from, memory_.end());
}

void Placement::Add(uint64_t ticket, uint64_t memory_bytes, uint64_t group, bool release) {
  waiting_.push_back({ticket, memory_bytes, group, release});
}

template <typename Fits>
int Placement::Find(const Waiting& w, Fits fits) const {
  auto ok = [&](int r) { return memory_[static_cast<size_t>(r)] >= w.need && fits(group_[static_cast<size_t>(r)]); };
  if (auto it = std::find_if(free_workers_.begin(), free_workers_.end(), ok); it != free_workers_.end()) return *it;
  return rank0_computes_ && !busy_[0] && ok(0) ? 0 : -1;
}

std::vector<Placement::Assignment> Placement::Assign(bool may_switch) {
  std::vector<Assignment> out;
  auto give = [&](std::deque<Waiting>::iterator it, int to) {
    busy_[static_cast<size_t>(to)] = true;
    if (to != 0) free_workers_.erase(std::find(free_workers_.begin(), free_workers_.end(), to));
    uint64_t& held = group_[static_cast<size_t>(to)];
    // A group's step on a rank that holds another group: a switch (a release unit is no
    // step: the rank holds after it what the executor makes of it).
    const uint64_t before = held;
    const uint64_t switched_from = it->group != 0 && !it->release && held != 0 && held != it->group ? held : 0;
    if (it->group != 0 && !it->release) held = it->group;
    out.push_back({it->ticket, to, switched_from, before});
    return waiting_.erase(it);
  };
  // First every unit of a group to a free rank that holds that group already.
  for (auto it = waiting_.begin(); it != waiting_.end();) {
    const int to = it->group == 0 ? -1 : Find(*it, [&](uint64_t g) { return g == it->group; });
    it = to < 0 ? std::next(it) : give(it, to);
  }
  // Then in arrival order: a group's unit to a rank that holds no group, else (a switch,
  // when allowed; a release unit always) to any; a unit without a group to any free rank.
  // A unit no free rank holds waits.
  for (auto it = waiting_.begin(); it != waiting_.end();) {
    int to = it->group == 0 ? -1 : Find(*it, [](uint64_t g) { return g == 0; });
    if (to < 0 && (it->group == 0 || it->release || may_switch)) to = Find(*it, [](uint64_t) { return true; });
    it = to < 0 ? std::next(it) : give(it, to);
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
