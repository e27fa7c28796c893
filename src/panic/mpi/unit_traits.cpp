#include "panic/mpi/unit_traits.h"

#include "panic/core/byte_text.h"
#include "panic/engine/diagrams_stage.h"
#include "panic/engine/embeddings_stage.h"
#include "panic/engine/runs_stage.h"
#include "panic/mpi/rank_memory.h"

namespace panic::mpi {

uint64_t UnitMemory(const std::string& stage, const std::any& unit) {
  if (stage != "diagrams") return 0;
  const auto* u = std::any_cast<engine::DiagramUnit>(&unit);
  return u ? u->memory_bytes : 0;
}

uint64_t UnitGroup(const std::string& stage, const std::any& unit) {
  const auto* u = stage == "runs" ? std::any_cast<engine::RunStepUnit>(&unit) : nullptr;
  return u ? u->group : 0;
}

bool IsReleaseUnit(const std::string& stage, const std::any& unit) {
  const auto* u = stage == "runs" ? std::any_cast<engine::RunStepUnit>(&unit) : nullptr;
  return u && u->release;
}

void KeepModels(std::any& unit) {
  if (auto* u = std::any_cast<engine::RunStepUnit>(&unit); u && u->release) u->keep_models = true;
}

bool KeepsModels(const std::string& stage, const std::any& unit) {
  const auto* u = stage == "runs" ? std::any_cast<engine::RunStepUnit>(&unit) : nullptr;
  return u && u->release && u->keep_models;
}

std::vector<std::string> UnitModels(const std::string& stage, const std::any& unit) {
  std::vector<std::string> out;
  if (const auto* u = stage == "runs" ? std::any_cast<engine::RunStepUnit>(&unit) : nullptr) {
    for (const auto& b : u->batches) out.push_back(b.model);
  } else if (const auto* e = stage == "embeddings" ? std::any_cast<engine::EmbeddingUnit>(&unit) : nullptr) {
    out.push_back(e->model);
  }
  return out;
}

Result<std::any> RefusedOutput(const std::string& stage, const std::any& unit, uint64_t largest) {
  const auto* u = stage == "diagrams" ? std::any_cast<engine::DiagramUnit>(&unit) : nullptr;
  if (!u) return Status::Internal("mpi: a unit of " + stage + " without a memory estimate was refused");
  engine::DiagramOutput out;
  for (const auto& task : u->tasks) {
    std::string why = "not computed under --mpi: the exact diagram of run " + task.run_id + " (" +
                      std::to_string(task.vectors.size()) + " points) needs at least " +
                      core::ByteText(engine::TaskMemory(task, u->rips.maxdim)) +
                      " (the distance matrix, the edge table and the byte copies of the distances)";
    if (u->tasks.size() > 1) {
      why += ", " + core::ByteText(u->memory_bytes) + " with the " + std::to_string(u->tasks.size() - 1) +
             " other diagram(s) of its unit, computed at once";
    }
    why += ", more than the largest rank can use (" + core::ByteText(largest) +
           ": the node's available memory divided among its ranks, or " + kRankMemoryVariable +
           "); set the experiment option \"approximate\" (or \"exact_up_to\") for long runs, or run fewer "
           "ranks per node; resume retries it";
    out.diagrams.push_back(engine::FailedDiagram(task, why));
  }
  return std::any(std::move(out));
}

}  // namespace panic::mpi
