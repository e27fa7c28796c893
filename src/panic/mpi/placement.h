// Where rank 0 of `--mpi` sends each unit (docs/MPI.md, "Diagrams by memory"): the policy
// alone, without MPI, so that it is tested directly (tests/mpi/placement_test.cpp).
//
// Units arrive in the stage's order (the diagrams stage hands them out longest first) with
// the memory they need (0: anything holds them; only diagrams units carry an estimate).
// Each rank has the memory it last reported (rank_memory.h) and is free or busy with one
// unit. Assign gives each waiting unit, in arrival order, to the first free worker rank (in
// the order they became free) whose memory holds it, else to rank 0 when it is free and
// holds it (rank 0 computes only when no worker can: it also receives and commits). A unit
// that no free rank holds waits, and the units behind it may pass it; one that no rank
// holds at all (more than the largest rank's memory) is Unplaceable, which the executor
// fails with a message instead of letting it wait forever.
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <vector>

namespace panic::mpi {

class Placement {
 public:
  // Ranks 0..ranks−1, all free, every memory 0 until reported.
  explicit Placement(int ranks);

  void SetMemory(int rank, uint64_t bytes) { memory_[static_cast<size_t>(rank)] = bytes; }
  uint64_t memory(int rank) const { return memory_[static_cast<size_t>(rank)]; }
  uint64_t LargestMemory() const;

  // A unit that wants a rank.
  void Add(uint64_t ticket, uint64_t memory_bytes);
  struct Assignment {
    uint64_t ticket = 0;
    int rank = 0;
  };
  // Gives waiting units to free ranks (see above); the ranks given one are busy after.
  std::vector<Assignment> Assign();
  // Removes and returns the waiting units that no rank holds (need > LargestMemory()).
  std::vector<uint64_t> TakeUnplaceable();
  // A rank's unit came back: it is free again (a worker goes to the back of the free list).
  void Free(int rank);

  bool busy(int rank) const { return busy_[static_cast<size_t>(rank)]; }
  size_t waiting() const { return waiting_.size(); }
  size_t busy_count() const;
  uint64_t need(uint64_t ticket) const;  // of a waiting unit; 0 when not waiting

 private:
  struct Waiting {
    uint64_t ticket = 0;
    uint64_t need = 0;
  };
  std::vector<uint64_t> memory_;
  std::vector<bool> busy_;
  std::deque<int> free_workers_;  // in the order they became free
  std::deque<Waiting> waiting_;   // in arrival order
};

}  // namespace panic::mpi
