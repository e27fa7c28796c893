#include "panic/engine/stage_registry.h"

#include <sstream>

#include "panic/engine/diagrams_stage.h"
#include "panic/engine/embeddings_stage.h"
#include "panic/engine/lyapunov_stage.h"
#include "panic/engine/prompt_embeddings_stage.h"
#include "panic/engine/runs_stage.h"

namespace panic::engine {

const StageRegistry& StageRegistry::Default() {
  static const StageRegistry kRegistry = [] {
    StageRegistry r;
    // The registration lines: one per stage, in pipeline order.
    r.Add([] { return std::make_unique<RunsStage>(); });
    r.Add([] { return std::make_unique<EmbeddingsStage>(); });
    r.Add([] { return std::make_unique<DiagramsStage>(); });
    r.Add([] { return std::make_unique<PromptEmbeddingsStage>(); });
    r.Add([] { return std::make_unique<LyapunovStage>(); });
    return r;
  }();
  return kRegistry;
}

void StageRegistry::Add(Factory factory) {
  infos_.push_back(factory()->info());
  factories_.push_back(std::move(factory));
}

std::vector<std::unique_ptr<Stage>> StageRegistry::Instantiate() const {
  std::vector<std::unique_ptr<Stage>> out;
  for (const auto& f : factories_) out.push_back(f());
  return out;
}

std::vector<std::string> StageRegistry::Names() const {
  std::vector<std::string> out;
  for (const auto& i : infos_) out.push_back(i.name);
  return out;
}

std::string StageRegistry::NameList(const std::string& separator) const {
  std::string out;
  for (const auto& i : infos_) out += (out.empty() ? "" : separator) + i.name;
  return out;
}

Result<std::set<std::string>> StageRegistry::Parse(const std::string& list) const {
  std::set<std::string> out;
  std::stringstream ss(list);
  std::string item;
  while (std::getline(ss, item, ',')) {
    bool found = false;
    for (const auto& i : infos_) found = found || i.name == item;
    if (!found) {
      return Status::InvalidArgument("--stages: unknown stage '" + item + "' (allowed: " + NameList() + ")");
    }
    out.insert(item);
  }
  if (out.empty()) return Status::InvalidArgument("--stages: empty (allowed: " + NameList() + ")");
  return out;
}

}  // namespace panic::engine
