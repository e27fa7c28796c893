// Adapters that turn a per-item recipe into the batch model interfaces of model.h.
// The dummy models are pure functions of (input, seed), so a batch is the recipe
// applied to each item in order; the adapters check the batch's shape and types
// before any recipe runs.
//
// Thread safety: the adapters hold only constant state; InvokeBatch/EmbedBatch may be
// called concurrently provided the recipe may (every dummy recipe is a pure function
// or uses per-thread state).
#pragma once

#include <functional>
#include <memory>
#include <utility>

#include "panic/models/model.h"

namespace panic::models {

// A genAI model from a recipe. The recipe receives an input of info.input (checked
// before it is called) and the run's seed; it returns an output of info.output.
class RecipeGenAIModel final : public GenAIModel {
 public:
  using Recipe = std::function<Result<Payload>(const Payload& input, int64_t seed)>;
  RecipeGenAIModel(ModelInfo info, Recipe recipe) : info_(std::move(info)), recipe_(std::move(recipe)) {}

  const ModelInfo& info() const override { return info_; }
  // InvalidArgument when inputs.size() != seeds.size() or an input is of the wrong
  // modality (naming its index); otherwise the recipe's first error, or all outputs.
  Result<std::vector<Payload>> InvokeBatch(std::span<const Payload> inputs,
                                           std::span<const int64_t> seeds) override;

 private:
  const ModelInfo info_;
  const Recipe recipe_;
};

// An embedding model from a recipe. The recipe receives an input of info.input and
// returns info.dimension floats.
class RecipeEmbeddingModel final : public EmbeddingModel {
 public:
  using Recipe = std::function<Result<std::vector<float>>(const Payload& input)>;
  RecipeEmbeddingModel(ModelInfo info, Recipe recipe) : info_(std::move(info)), recipe_(std::move(recipe)) {}

  const ModelInfo& info() const override { return info_; }
  // InvalidArgument when an input is of the wrong modality (naming its index);
  // otherwise the recipe's first error, or all vectors.
  Result<std::vector<std::vector<float>>> EmbedBatch(std::span<const Payload> inputs) override;

 private:
  const ModelInfo info_;
  const Recipe recipe_;
};

// InvalidArgument unless image.pixels holds exactly width × height RGB triples.
Status CheckImageShape(const RgbImage& image);

}  // namespace panic::models
