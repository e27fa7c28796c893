#include <memory>

#include "panic/models/native/gemm.h"
#include "panic/models/native/model_dir.h"
#include "panic/models/native/use_lite_model.h"
#include "panic/models/registry.h"

namespace panic::models {

void RegisterNativeModels(ModelRegistry& registry) {
  // The factory runs on first use: the weights are loaded then, never at start-up.
  registry.RegisterEmbedding(native::UseLiteModel::Info(), []() -> Result<std::shared_ptr<EmbeddingModel>> {
    // The engine embeds several batches at once, one per thread; OpenBLAS's own threads on
    // top of that only oversubscribe the cores (and spin in sched_yield), so GEMMs run
    // single-threaded inside each call.
    native::SetGemmThreads(1);
    auto loaded = native::UseLiteModel::LoadDefault();
    if (!loaded.ok()) return loaded.status();
    return std::shared_ptr<EmbeddingModel>(std::move(loaded).value());
  });
  // Missing weights are found now (a file test, no loading), so that an experiment that
  // names USELite is refused before anything is written, and `model list` says why.
  if (auto dir = native::FindNpmModelDir(native::kUseLitePackage, "dist", "model.json"); !dir.ok()) {
    registry.SetUnavailable(native::UseLiteModel::Info().name, dir.status().message());
  }
}

}  // namespace panic::models
