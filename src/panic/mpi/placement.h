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
//
// Affinity: a unit of a network group (runs units; 0: none) goes first to a free rank that
// holds that group's models (the group it last ran), then to one that holds none, then,
// only when Assign may switch ranks (`may_switch`), to a rank that holds another group: a
// switch. The backends release all their models at once (ReleaseAll), so a rank holds one
// group at a time: the executor releases a switching rank's models (Assignment::
// switched_from) before the new group's unit, and the old group's later release no longer
// concerns it. The executor lets ranks switch only when the pipeline waits for outputs
// (Collect), i.e. when every unit that could be submitted was: a free rank whose group has
// a unit waiting took it already, so it switches only when its group has no step left that
// it could take (its other chunks' steps are out on other ranks, or the group is done). A
// group's release unit and a unit without a group go to any free rank without a switch
// (the executor has a release unit on a rank that does not hold its group keep the rank's
// models: Assignment::held). A rank holds no group after it released its models
// (Released).
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <vector>

namespace panic::mpi {

// Rank 0 computes units itself only in jobs of fewer ranks than this: at -np 2 its share is
// half the work, but with many workers its main thread is busier receiving, handing out and
// committing (each returned unit is one transaction; docs/MPI.md, "The 64-rank estimate"),
// and a unit it computes takes a core (or its GPU) from that while adding 1/N of the
// throughput. From this many ranks on it only schedules and commits.
inline constexpr int kRankZeroComputesBelow = 8;

class Placement {
 public:
  // Ranks 0..ranks−1, all free, every memory 0 until reported. Rank 0 takes units only
  // when `rank0_computes` (see kRankZeroComputesBelow).
  explicit Placement(int ranks, bool rank0_computes = true);

  void SetMemory(int rank, uint64_t bytes) { memory_[static_cast<size_t>(rank)] = bytes; }
  uint64_t memory(int rank) const { return memory_[static_cast<size_t>(rank)]; }
  uint64_t LargestMemory() const;

  // A unit that wants a rank; `group` for affinity (0: none); `release`: the group's
  // release unit.
  void Add(uint64_t ticket, uint64_t memory_bytes, uint64_t group = 0, bool release = false);
  struct Assignment {
    uint64_t ticket = 0;
    int rank = 0;
    uint64_t switched_from = 0;  // the group the rank held and must release first (0: none)
    uint64_t held = 0;           // the group the rank held when given the unit (0: none)
  };
  // Gives waiting units to free ranks (see above); the ranks given one are busy after, and
  // hold the unit's group. Without `may_switch`, a group's unit that only a rank holding
  // another group could take waits.
  std::vector<Assignment> Assign(bool may_switch = true);
  // Removes and returns the waiting units that no rank holds (need > LargestMemory()).
  std::vector<uint64_t> TakeUnplaceable();
  // A rank's unit came back: it is free again (a worker goes to the back of the free list).
  void Free(int rank);
  // A rank released its models: it holds no group.
  void Released(int rank) { group_[static_cast<size_t>(rank)] = 0; }
  uint64_t group(int rank) const { return group_[static_cast<size_t>(rank)]; }

  bool busy(int rank) const { return busy_[static_cast<size_t>(rank)]; }
  size_t waiting() const { return waiting_.size(); }
  size_t busy_count() const;
  uint64_t need(uint64_t ticket) const;  // of a waiting unit; 0 when not waiting

 private:
  struct Waiting {
    uint64_t ticket = 0;
    uint64_t need = 0;
    uint64_t group = 0;
    bool release = false;
  };
  // A free rank for `w` that holds it and passes `fits` (a worker first, in free order, then
  // rank 0); −1 when none.
  template <typename Fits>
  int Find(const Waiting& w, Fits fits) const;
  std::vector<uint64_t> memory_;
  std::vector<uint64_t> group_;  // the group whose models each rank holds (0: none)
  std::vector<bool> busy_;
  bool rank0_computes_ = true;
  std::deque<int> free_workers_;  // in the order they became free
  std::deque<Waiting> waiting_;   // in arrival order
};

}  // namespace panic::mpi
