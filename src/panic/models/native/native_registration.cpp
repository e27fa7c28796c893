#include <memory>

#include "panic/models/native/gemm.h"
#include "panic/models/native/use_lite_model.h"
#include "panic/models/registry.h"

namespace panic::models {

void RegisterNativeModels(ModelRegistry& registry) {
  // The factory runs on first use, so a missing model directory is reported then (with the
  // command that fetches it), never at start-up.
  registry.RegisterEmbedding(native::UseLiteModel::Info(), []() -> Result<std::shared_ptr<EmbeddingModel>> {
    // The engine embeds several batches at once, one per thread; OpenBLAS's own threads on
    // top of that only oversubscribe the cores (and spin in sched_yield), so GEMMs run
    // single-threaded inside each call.
    native::SetGemmThreads(1);
    auto loaded = native::UseLiteModel::LoadDefault();
    if (!loaded.ok()) return loaded.status();
    return std::shared_ptr<EmbeddingModel>(std::move(loaded).value());
  });
}

}  // namespace panic::models
