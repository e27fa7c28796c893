#include "panic/engine/stage_registry.h"

#include <cstdio>
#include <cstdlib>
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
    Status added = r.Add([] { return std::make_unique<RunsStage>(); });
    if (added.ok()) added = r.Add([] { return std::make_unique<EmbeddingsStage>(); });
    if (added.ok()) added = r.Add([] { return std::make_unique<DiagramsStage>(); });
    if (added.ok()) added = r.Add([] { return std::make_unique<PromptEmbeddingsStage>(); });
    if (added.ok()) added = r.Add([] { return std::make_unique<LyapunovStage>(); });
    if (!added.ok()) {  // a programming error (tests/engine/option_schema_test.cpp guards it)
      std::fprintf(stderr, "panic-tda: %s\n", added.ToString().c_str());
      std::abort();
    }
    return r;
  }();
  return kRegistry;
}

Status StageRegistry::Add(Factory factory) {
  StageInfo info = factory()->info();
  for (const auto& key : info.options) {
    for (const auto& other : infos_) {
      for (const auto& taken : other.options) {
        if (taken.name == key.name) {
          return Status::Internal("stage '" + info.name + "': option '" + key.name + "' is declared by the " +
                                  taken.owner + " already (an option has one owner)");
        }
      }
    }
  }
  infos_.push_back(std::move(info));
  factories_.push_back(std::move(factory));
  return Status::Ok();
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
