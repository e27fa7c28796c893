// Registers the eight dummy models of the Python reference (issue 2 §4, §4b): native
// C++, no GPU, no weights, bit for bit with the reference's recipes.
#include "panic/models/dummy/dummy_embeddings.h"
#include "panic/models/dummy/dummy_i2t.h"
#include "panic/models/dummy/dummy_t2i.h"
#include "panic/models/registry.h"

namespace panic::models {

namespace {

void AddGenAI(ModelRegistry& registry, ModelInfo info, std::unique_ptr<GenAIModel> (*make)()) {
  registry.RegisterGenAI(std::move(info), [make]() -> Result<std::shared_ptr<GenAIModel>> {
    return std::shared_ptr<GenAIModel>(make());
  });
}

void AddEmbedding(ModelRegistry& registry, ModelInfo info, std::unique_ptr<EmbeddingModel> (*make)()) {
  registry.RegisterEmbedding(std::move(info), [make]() -> Result<std::shared_ptr<EmbeddingModel>> {
    return std::shared_ptr<EmbeddingModel>(make());
  });
}

}  // namespace

void RegisterDummyModels(ModelRegistry& registry) {
  AddGenAI(registry, DummyT2IInfo(), MakeDummyT2I);
  AddGenAI(registry, DummyT2I2Info(), MakeDummyT2I2);
  AddGenAI(registry, DummyI2TInfo(), MakeDummyI2T);
  AddGenAI(registry, DummyI2T2Info(), MakeDummyI2T2);
  AddEmbedding(registry, DummyTextInfo(), MakeDummyText);
  AddEmbedding(registry, DummyText2Info(), MakeDummyText2);
  AddEmbedding(registry, DummyVisionInfo(), MakeDummyVision);
  AddEmbedding(registry, DummyVision2Info(), MakeDummyVision2);
}

}  // namespace panic::models
