// The model interfaces: a genAI model (T2I or I2T) and an embedding model, both called
// one batch at a time (DESIGN.md §6). Backends (dummy, native, python worker) implement
// them; the registry (registry.h) names and loads them.
//
// Thread safety: implementations must allow concurrent calls from several threads
// (a backend that cannot guards itself).
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <variant>
#include <vector>

#include "panic/core/image.h"
#include "panic/core/status.h"

namespace panic::models {

enum class Modality { kText, kImage };
enum class ModelKind { kTextToImage, kImageToText, kTextEmbedding, kImageEmbedding };

const char* ModalityName(Modality m);   // "text" | "image"
const char* ModelKindName(ModelKind k);  // "T2I" | "I2T" | "text-embedding" | "image-embedding"

// A model's input or output: a text or an image.
using Payload = std::variant<std::string, RgbImage>;

inline Modality PayloadModality(const Payload& p) {
  return std::holds_alternative<std::string>(p) ? Modality::kText : Modality::kImage;
}

struct ModelInfo {
  std::string name;
  ModelKind kind;
  Modality input;
  Modality output;      // for embedding models: the modality they embed (== input)
  int dimension = 0;    // embedding models: vector length; 0 for genAI models
  std::string backend;  // "dummy", "native", "python"
  std::string description;
  int max_batch = 0;    // largest batch one call takes; 0 = unlimited

  bool is_embedding() const { return kind == ModelKind::kTextEmbedding || kind == ModelKind::kImageEmbedding; }
};

class GenAIModel {
 public:
  virtual ~GenAIModel() = default;
  virtual const ModelInfo& info() const = 0;
  // One output per input, in order. seeds[i] is the run's seed for inputs[i]; −1 means
  // non-deterministic. REQUIRES: inputs.size() == seeds.size(), every input of info().input.
  virtual Result<std::vector<Payload>> InvokeBatch(std::span<const Payload> inputs,
                                                   std::span<const int64_t> seeds) = 0;
};

class EmbeddingModel {
 public:
  virtual ~EmbeddingModel() = default;
  virtual const ModelInfo& info() const = 0;
  // One vector of info().dimension floats per input, in order.
  // REQUIRES: every input of info().input.
  virtual Result<std::vector<std::vector<float>>> EmbedBatch(std::span<const Payload> inputs) = 0;
};

}  // namespace panic::models
