// Registers the eight dummy models of the Python reference (issue 2 §4, §4b): native
// C++, no GPU, no weights, bit for bit with the reference's recipes.
#include "panic/models/dummy/dummy_embeddings.h"
#include "panic/models/dummy/dummy_i2t.h"
#include "panic/models/dummy/dummy_t2i.h"
#include "panic/models/registry.h"

namespace panic::models {

namespace {

void AddGenAI(ModelRegistry& registry, std::unique_ptr<GenAIModel> (*make)()) {
  ModelInfo info = make()->info();
  registry.RegisterGenAI(std::move(info), [make]() -> Result<std::shared_ptr<GenAIModel>> {
    return std::shared_ptr<GenAIModel>(make());
  });
}

void AddEmbedding(ModelRegistry& registry, std::unique_ptr<EmbeddingModel> (*make)()) {
  ModelInfo info = make()->info();
  registry.RegisterEmbedding(std::move(info), [make]() -> Result<std::shared_ptr<EmbeddingModel>> {
    return std::shared_ptr<EmbeddingModel>(make());
  });
}

}  // namespace

void RegisterDummyModels(ModelRegistry& registry) {
  AddGenAI(registry, MakeDummyT2I);
  AddGenAI(registry, MakeDummyT2I2);
  AddGenAI(registry, MakeDummyI2T);
  AddGenAI(registry, MakeDummyI2T2);
  AddEmbedding(registry, MakeDummyText);
  AddEmbedding(registry, MakeDummyText2);
  AddEmbedding(registry, MakeDummyVision);
  AddEmbedding(registry, MakeDummyVision2);
}

}  // namespace panic::models
