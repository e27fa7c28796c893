// The stages of the pipeline, in order. Everything that lists stages (--stages parsing,
// its error message and help text, progress, the summary of `experiment show`, the
// pipeline itself) reads this registry; no other list of stages exists.
#pragma once

#include <functional>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "panic/core/status.h"
#include "panic/engine/stage.h"

namespace panic::engine {

class StageRegistry {
 public:
  using Factory = std::function<std::unique_ptr<Stage>()>;

  // The built-in pipeline: runs → embeddings → diagrams → prompt_embeddings → lyapunov.
  static const StageRegistry& Default();

  // Appends a stage (it runs after the ones added before it). Internal error, and the
  // stage is not added, when it declares an option key another stage declared already.
  Status Add(Factory factory);

  // Fresh instances of every stage, in pipeline order (a stage keeps per-pass state).
  std::vector<std::unique_ptr<Stage>> Instantiate() const;
  const std::vector<StageInfo>& infos() const { return infos_; }
  std::vector<std::string> Names() const;
  // "runs, embeddings, diagrams"
  std::string NameList(const std::string& separator = ", ") const;

  // "runs,embeddings" → names; InvalidArgument naming an unknown stage and the allowed ones.
  Result<std::set<std::string>> Parse(const std::string& list) const;

 private:
  std::vector<Factory> factories_;
  std::vector<StageInfo> infos_;
};

}  // namespace panic::engine
