// What rank 0 of `--mpi` places units by (placement.h): the memory a unit needs, and the
// output that fails a unit no rank can hold. Only diagrams units carry an estimate
// (engine::DiagramUnit::memory_bytes); every other unit needs 0 (anything holds it).
#pragma once

#include <any>
#include <cstdint>
#include <string>

#include "panic/core/status.h"

namespace panic::mpi {

uint64_t UnitMemory(const std::string& stage, const std::any& unit);

// The output of a unit that needs more than the largest rank's memory (`largest`): each
// of its diagrams stored as failed with a message naming the run, its length, the
// estimate, the largest rank's memory and what to do. Internal for a stage without
// estimates (it cannot happen).
Result<std::any> RefusedOutput(const std::string& stage, const std::any& unit, uint64_t largest);

}  // namespace panic::mpi
