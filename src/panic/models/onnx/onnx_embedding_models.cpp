#include "panic/models/onnx/onnx_embedding_models.h"

#include <algorithm>
#include <numeric>

#include "panic/models/onnx/batching.h"
#include "panic/models/onnx/image_preprocess.h"
#include "panic/models/onnx/pooling.h"

namespace panic::models::onnx {

Status ExpectEmbeddingOutput(const OnnxSession& session, const std::string& name, int rank, int dimension) {
  PANIC_RETURN_IF_ERROR(ExpectOutput(session, name, {ElementType::kFloat32}, rank));
  const TensorSpec* spec = FindSpec(session.outputs(), name);
  if (spec->shape.back() >= 0 && spec->shape.back() != dimension) {
    return Status::InvalidArgument(session.path().string() + ": output '" + name + "' has shape " +
                                   ShapeText(spec->shape) + ", but the manifest's dimension is " +
                                   std::to_string(dimension));
  }
  return Status::Ok();
}

Result<std::unique_ptr<OnnxTextEmbedding>> OnnxTextEmbedding::Load(const Manifest& manifest, const SessionOptions& options) {
  std::unique_ptr<OnnxTextEmbedding> m(new OnnxTextEmbedding());
  m->manifest_ = manifest;
  m->info_ = manifest.Info();
  PANIC_ASSIGN_OR_RETURN(m->tokenizer_, HfTokenizer::LoadFile(manifest.tokenizer->file, {.unigram_ties_to_last = manifest.tokenizer->unigram_ties_to_last}));
  m->pad_id_ = manifest.tokenizer->pad_id.value_or(m->tokenizer_->PaddingId().value_or(0));
  PANIC_ASSIGN_OR_RETURN(m->session_, OnnxSession::Open(manifest.graphs.at("encoder"), options));
  const OnnxSession& s = *m->session_;
  PANIC_RETURN_IF_ERROR(ExpectInput(s, "input_ids", {ElementType::kInt64, ElementType::kInt32}, 2));
  m->ids_type_ = FindSpec(s.inputs(), "input_ids")->type;
  m->feeds_mask_ = FindSpec(s.inputs(), "attention_mask") != nullptr;
  m->feeds_type_ids_ = FindSpec(s.inputs(), "token_type_ids") != nullptr;
  if (m->feeds_mask_) PANIC_RETURN_IF_ERROR(ExpectInput(s, "attention_mask", {m->ids_type_}, 2));
  if (m->feeds_type_ids_) PANIC_RETURN_IF_ERROR(ExpectInput(s, "token_type_ids", {m->ids_type_}, 2));
  PANIC_RETURN_IF_ERROR(ExpectOnlyInputs(s, {"input_ids", "attention_mask", "token_type_ids"}));
  PANIC_RETURN_IF_ERROR(ExpectEmbeddingOutput(s, manifest.embedding.output,
                                              manifest.embedding.pooling == Pooling::kNone ? 2 : 3, manifest.dimension));
  return m;
}

std::vector<int64_t> OnnxTextEmbedding::Tokenize(const std::string& text) const {
  return tokenizer_->Encode(manifest_.embedding.prefix + text, /*add_special_tokens=*/true, manifest_.tokenizer->max_tokens);
}

Result<std::vector<std::vector<float>>> OnnxTextEmbedding::EmbedBatch(std::span<const Payload> inputs) {
  std::vector<std::vector<int64_t>> ids;
  ids.reserve(inputs.size());
  for (size_t i = 0; i < inputs.size(); ++i) {
    const auto* text = std::get_if<std::string>(&inputs[i]);
    if (text == nullptr) return Status::InvalidArgument(info_.name + " embeds texts; input " + std::to_string(i) + " is an image");
    ids.push_back(Tokenize(*text));
  }
  return EmbedIds(ids);
}

Result<std::vector<std::vector<float>>> OnnxTextEmbedding::EmbedIds(const std::vector<std::vector<int64_t>>& ids) const {
  // Graph calls take texts of similar length (shortest first), so that padding to the longest
  // of a call wastes little; the vectors go back in input order.
  std::vector<size_t> order(ids.size());
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) { return ids[a].size() < ids[b].size(); });
  std::vector<std::vector<float>> out(ids.size());
  PANIC_RETURN_IF_ERROR(ForEachChunk(ids.size(), manifest_.max_batch, [&](size_t first, size_t count) -> Status {
    size_t longest = 1;  // a graph cannot take zero tokens; an all-empty call gets one pad
    for (size_t i = first; i < first + count; ++i) longest = std::max(longest, ids[order[i]].size());
    std::vector<int64_t> flat(count * longest, pad_id_), mask(count * longest, 0);
    for (size_t b = 0; b < count; ++b) {
      const auto& row = ids[order[first + b]];
      std::copy(row.begin(), row.end(), flat.begin() + static_cast<std::ptrdiff_t>(b * longest));
      std::fill_n(mask.begin() + static_cast<std::ptrdiff_t>(b * longest), row.size(), 1);
    }
    const std::vector<int64_t> shape = {static_cast<int64_t>(count), static_cast<int64_t>(longest)};
    const Tensor ids_t = IdsTensor(ids_type_, shape, flat);
    const Tensor mask_t = IdsTensor(ids_type_, shape, mask);
    const Tensor types_t = IdsTensor(ids_type_, shape, std::vector<int64_t>(flat.size(), 0));
    std::vector<std::pair<std::string, const Tensor*>> feeds = {{"input_ids", &ids_t}};
    if (feeds_mask_) feeds.emplace_back("attention_mask", &mask_t);
    if (feeds_type_ids_) feeds.emplace_back("token_type_ids", &types_t);
    PANIC_ASSIGN_OR_RETURN(auto outs, session_->Run(feeds, {manifest_.embedding.output}));
    PANIC_ASSIGN_OR_RETURN(auto vectors, PoolEmbeddings(outs[0], mask, count, manifest_.embedding.pooling,
                                                        manifest_.embedding.normalize, manifest_.dimension, info_.name));
    for (size_t b = 0; b < count; ++b) out[order[first + b]] = std::move(vectors[b]);
    return Status::Ok();
  }));
  return out;
}

Result<std::unique_ptr<OnnxImageEmbedding>> OnnxImageEmbedding::Load(const Manifest& manifest, const SessionOptions& options) {
  std::unique_ptr<OnnxImageEmbedding> m(new OnnxImageEmbedding());
  m->manifest_ = manifest;
  m->info_ = manifest.Info();
  if (manifest.embedding.pooling == Pooling::kMean) {
    return Status::InvalidArgument((manifest.folder / "manifest.json").string() +
                                   ": embedding.pooling: \"mean\" is for text models (image models: \"none\" or \"cls\")");
  }
  PANIC_ASSIGN_OR_RETURN(m->session_, OnnxSession::Open(manifest.graphs.at("encoder"), options));
  PANIC_RETURN_IF_ERROR(ExpectInput(*m->session_, "pixel_values", {ElementType::kFloat32}, 4));
  PANIC_RETURN_IF_ERROR(ExpectOnlyInputs(*m->session_, {"pixel_values"}));
  PANIC_RETURN_IF_ERROR(ExpectEmbeddingOutput(*m->session_, manifest.embedding.output,
                                              manifest.embedding.pooling == Pooling::kNone ? 2 : 3, manifest.dimension));
  return m;
}

Result<std::vector<std::vector<float>>> OnnxImageEmbedding::EmbedBatch(std::span<const Payload> inputs) {
  const ImageSpec& spec = *manifest_.image;
  PANIC_RETURN_IF_ERROR(ExpectImages(inputs, info_.name));
  std::vector<std::vector<float>> out;
  out.reserve(inputs.size());
  PANIC_RETURN_IF_ERROR(ForEachChunk(inputs.size(), manifest_.max_batch, [&](size_t first, size_t count) -> Status {
    const Tensor t = PixelValues(inputs, first, count, spec);
    PANIC_ASSIGN_OR_RETURN(auto outs, session_->Run({{"pixel_values", &t}}, {manifest_.embedding.output}));
    PANIC_ASSIGN_OR_RETURN(auto vectors, PoolEmbeddings(outs[0], {}, count, manifest_.embedding.pooling,
                                                        manifest_.embedding.normalize, manifest_.dimension, info_.name));
    for (auto& v : vectors) out.push_back(std::move(v));
    return Status::Ok();
  }));
  return out;
}

}  // namespace panic::models::onnx
