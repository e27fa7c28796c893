// What rank 0 of `--mpi` places units by (placement.h), read from a unit of a stage that
// travels: the memory it needs (only diagrams units carry an estimate,
// engine::DiagramUnit::memory_bytes; every other unit needs 0), the network group it steps
// (runs units; a rank keeps the group it last ran), the models it loads (for the count of
// model loads per rank), and the output that fails a unit no rank can hold.
#pragma once

#include <any>
#include <cstdint>
#include <string>
#include <vector>

#include "panic/core/status.h"

namespace panic::mpi {

uint64_t UnitMemory(const std::string& stage, const std::any& unit);

// A runs unit's network group (engine::RunStepUnit::group; 0: none, e.g. another stage).
uint64_t UnitGroup(const std::string& stage, const std::any& unit);
// A runs unit that ends a group: the rank that executes it releases its models, unless
// KeepModels marked it.
bool IsReleaseUnit(const std::string& stage, const std::any& unit);
// Marks a release unit placed on a rank that holds none of its group's models: that rank
// keeps its models (engine::RunStepUnit::keep_models).
void KeepModels(std::any& unit);
bool KeepsModels(const std::string& stage, const std::any& unit);
// The models a unit calls (a runs step's batches, an embeddings batch's model).
std::vector<std::string> UnitModels(const std::string& stage, const std::any& unit);

// The output of a unit that needs more than the largest rank's memory (`largest`): each
// of its diagrams stored as failed with a message naming the run, its length, the
// estimate, the largest rank's memory and what to do. Internal for a stage without
// estimates (it cannot happen).
Result<std::any> RefusedOutput(const std::string& stage, const std::any& unit, uint64_t largest);

}  // namespace panic::mpi
