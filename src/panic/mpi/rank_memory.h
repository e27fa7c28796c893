// The memory a rank of `--mpi` can use for its units (docs/MPI.md, "Diagrams by memory"):
// what the diagrams units are placed by. Each rank reports it at start and with each
// result; rank 0 gives a diagrams unit only to a rank whose report holds the unit's
// estimate.
//
// Measured: the smaller of the node's MemAvailable (/proc/meminfo) and the room left in
// the process's cgroup (v2: memory.max − memory.current of its own cgroup; v1:
// memory.limit_in_bytes − memory.usage_in_bytes), divided by the ranks on the node (they
// share its memory). Test and operations override: PANIC_TDA_MPI_RANK_MEMORY=B0,B1,…
// gives rank r the r-th budget (ranks past the list the last one), each a number of bytes
// with an optional K, M, G or T suffix (powers of 1024); it is the rank's budget as is,
// not divided.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "panic/core/status.h"

namespace panic::mpi {

inline constexpr const char* kRankMemoryVariable = "PANIC_TDA_MPI_RANK_MEMORY";

// MemAvailable of a /proc/meminfo text, in bytes; absent when the line is missing.
std::optional<uint64_t> ParseMemAvailable(std::string_view meminfo);
// The room a cgroup leaves: limit − usage (0 when usage exceeds it); absent when the limit
// is "max" (v2), a v1 "no limit" value (≥ 2^60), or either text is not a number.
std::optional<uint64_t> CgroupRoom(std::string_view limit, std::string_view usage);
// Rank `rank`'s budget from the override's text; InvalidArgument naming the variable, the
// entry and what is allowed for a malformed one.
Result<uint64_t> ParseRankMemoryOverride(std::string_view spec, int rank);

// Every entry of the override checked (Session::Start, before anything is opened); OK
// when the variable is unset.
Status CheckRankMemoryOverride();

// Rank `rank`'s budget of `ranks_on_node` ranks on its node: the override when
// PANIC_TDA_MPI_RANK_MEMORY is set, else the measured memory divided by ranks_on_node.
Result<uint64_t> RankMemory(int rank, int ranks_on_node);

}  // namespace panic::mpi
