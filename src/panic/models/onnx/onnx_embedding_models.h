// ONNX text- and image-embedding models (manifest kinds text-embedding, image-embedding).
//
//   text:  HfTokenizer (truncated to tokenizer.max_tokens) → input_ids, attention_mask and,
//          when the graph declares it, token_type_ids (zeros); the batch sorted by length and
//          cut into graph calls of max_batch, each padded to its longest → graph → pooling
//   image: CLIP preprocessing (image_preprocess.h) → pixel_values [batch, 3, crop, crop]
//          → graph → pooling (none or cls)
//
// Load opens the graph and checks its signature against the manifest (input names and
// types, the output's rank and, when static, its last dimension); a mismatch is
// InvalidArgument naming the graph file and the tensor. Batches larger than max_batch are
// run in several graph calls.
//
// Thread safety: immutable after Load; EmbedBatch may run on several threads at once.
#pragma once

#include <memory>

#include "panic/models/model.h"
#include "panic/models/onnx/hf_tokenizer.h"
#include "panic/models/onnx/manifest.h"
#include "panic/models/onnx/onnx_session.h"

namespace panic::models::onnx {

class OnnxTextEmbedding final : public EmbeddingModel {
 public:
  static Result<std::unique_ptr<OnnxTextEmbedding>> Load(const Manifest& manifest, const SessionOptions& options);
  const ModelInfo& info() const override { return info_; }
  Result<std::vector<std::vector<float>>> EmbedBatch(std::span<const Payload> inputs) override;
  // The same from token ids (what Tokenize gives), for comparing with other tokenizers.
  Result<std::vector<std::vector<float>>> EmbedIds(const std::vector<std::vector<int64_t>>& ids) const;
  std::vector<int64_t> Tokenize(const std::string& text) const;
  const HfTokenizer& tokenizer() const { return *tokenizer_; }

 private:
  OnnxTextEmbedding() = default;
  ModelInfo info_;
  Manifest manifest_;
  std::shared_ptr<const HfTokenizer> tokenizer_;
  std::unique_ptr<OnnxSession> session_;
  int64_t pad_id_ = 0;
  bool feeds_mask_ = false, feeds_type_ids_ = false;
  ElementType ids_type_ = ElementType::kInt64;
};

class OnnxImageEmbedding final : public EmbeddingModel {
 public:
  static Result<std::unique_ptr<OnnxImageEmbedding>> Load(const Manifest& manifest, const SessionOptions& options);
  const ModelInfo& info() const override { return info_; }
  Result<std::vector<std::vector<float>>> EmbedBatch(std::span<const Payload> inputs) override;

 private:
  OnnxImageEmbedding() = default;
  ModelInfo info_;
  Manifest manifest_;
  std::unique_ptr<OnnxSession> session_;
};

// Checks that `session` has an output `name` of float32 whose rank is `rank` and whose last
// dimension, when static, is `dimension`.
Status ExpectEmbeddingOutput(const OnnxSession& session, const std::string& name, int rank, int dimension);

}  // namespace panic::models::onnx
