#include "panic/models/dummy/recipe_model.h"

#include <string>

namespace panic::models {

namespace {

Status CheckModality(const ModelInfo& info, const Payload& input, size_t index) {
  if (PayloadModality(input) == info.input) return Status::Ok();
  return Status::InvalidArgument(info.name + " takes " + ModalityName(info.input) + " inputs, but input " +
                                 std::to_string(index) + " is " + ModalityName(PayloadModality(input)));
}

}  // namespace

Status CheckImageShape(const RgbImage& image) {
  if (image.width < 0 || image.height < 0 ||
      image.pixels.size() != static_cast<size_t>(image.width) * static_cast<size_t>(image.height) * 3) {
    return Status::InvalidArgument("malformed image: " + std::to_string(image.width) + "x" +
                                   std::to_string(image.height) + " with " + std::to_string(image.pixels.size()) +
                                   " bytes of pixels");
  }
  return Status::Ok();
}

Result<std::vector<Payload>> RecipeGenAIModel::InvokeBatch(std::span<const Payload> inputs,
                                                           std::span<const int64_t> seeds) {
  if (inputs.size() != seeds.size()) {
    return Status::InvalidArgument(info_.name + ": " + std::to_string(inputs.size()) + " inputs but " +
                                   std::to_string(seeds.size()) + " seeds");
  }
  for (size_t i = 0; i < inputs.size(); ++i) PANIC_RETURN_IF_ERROR(CheckModality(info_, inputs[i], i));
  std::vector<Payload> outputs;
  outputs.reserve(inputs.size());
  for (size_t i = 0; i < inputs.size(); ++i) {
    PANIC_ASSIGN_OR_RETURN(Payload out, recipe_(inputs[i], seeds[i]));
    outputs.push_back(std::move(out));
  }
  return outputs;
}

Result<std::vector<std::vector<float>>> RecipeEmbeddingModel::EmbedBatch(std::span<const Payload> inputs) {
  for (size_t i = 0; i < inputs.size(); ++i) PANIC_RETURN_IF_ERROR(CheckModality(info_, inputs[i], i));
  std::vector<std::vector<float>> vectors;
  vectors.reserve(inputs.size());
  for (const Payload& input : inputs) {
    PANIC_ASSIGN_OR_RETURN(std::vector<float> v, recipe_(input));
    vectors.push_back(std::move(v));
  }
  return vectors;
}

}  // namespace panic::models
