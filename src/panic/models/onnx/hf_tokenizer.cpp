#include "panic/models/onnx/hf_tokenizer.h"

#include <algorithm>
#include <fstream>
#include <sstream>
#include <unordered_map>

#include "panic/core/utf8.h"
#include "panic/models/onnx/hf_components.h"
#include "panic/models/onnx/tokenizer_models.h"

namespace panic::models::onnx {

using hf::json;
using hf::Decoder;
using hf::Normalizer;
using hf::PreTokenizer;
using hf::Template;
using hf::Flag;
using hf::MakeDecoder;
using hf::MakeNormalizer;
using hf::MakePreTokenizer;
using hf::MakeTemplate;

struct HfTokenizer::Impl {
  std::optional<Normalizer> normalizer;
  std::optional<PreTokenizer> pre_tokenizer;
  std::unique_ptr<TokenizerModel> model;
  std::optional<Template> post;
  std::optional<Decoder> decoder;
  // Added tokens, longest first, so that the longest literal match wins.
  std::vector<std::pair<std::u32string, int64_t>> added;
  std::unordered_map<int64_t, bool> added_special;  // id -> special
  std::unordered_map<int64_t, std::string> added_text;
  std::optional<int64_t> pad_id;
};

HfTokenizer::HfTokenizer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
HfTokenizer::~HfTokenizer() = default;

Result<std::shared_ptr<const HfTokenizer>> HfTokenizer::LoadFile(const std::filesystem::path& path,
                                                                  const TokenizerOptions& options) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::NotFound(path.string() + " does not exist");
  std::ostringstream text;
  text << in.rdbuf();
  return FromJson(text.str(), path.string(), options);
}

Result<std::shared_ptr<const HfTokenizer>> HfTokenizer::FromJson(std::string_view json_text, const std::string& where,
                                                                  const TokenizerOptions& options) {
  const json doc = json::parse(json_text, nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded() || !doc.is_object()) return Status::InvalidArgument(where + ": not a JSON object");
  if (!doc.contains("model") || !doc["model"].is_object()) return Status::InvalidArgument(where + ": no \"model\" object");
  auto impl = std::make_unique<Impl>();
  // The library throws on malformed components; here a wrong type is a clear error.
  try {
    if (doc.contains("normalizer") && !doc["normalizer"].is_null()) {
      PANIC_ASSIGN_OR_RETURN(Normalizer n, MakeNormalizer(doc["normalizer"], where));
      impl->normalizer = std::move(n);
    }
    if (doc.contains("pre_tokenizer") && !doc["pre_tokenizer"].is_null()) {
      PANIC_ASSIGN_OR_RETURN(PreTokenizer p, MakePreTokenizer(doc["pre_tokenizer"], where));
      impl->pre_tokenizer = std::move(p);
    }
    PANIC_ASSIGN_OR_RETURN(impl->model, MakeTokenizerModel(doc["model"], where, options));
    PANIC_ASSIGN_OR_RETURN(impl->post, MakeTemplate(doc.value("post_processor", json()), where));
    if (doc.contains("decoder") && !doc["decoder"].is_null()) {
      PANIC_ASSIGN_OR_RETURN(Decoder d, MakeDecoder(doc["decoder"], where));
      impl->decoder = std::move(d);
    }
    if (doc.contains("added_tokens") && doc["added_tokens"].is_array()) {
      for (const auto& t : doc["added_tokens"]) {
        if (!t.is_object() || !t.contains("id") || !t.contains("content")) {
          return Status::InvalidArgument(where + ": an added token lacks id or content");
        }
        const int64_t id = t["id"].get<int64_t>();
        const std::string content = t["content"].get<std::string>();
        impl->added.emplace_back(DecodeUtf8(content), id);
        impl->added_special[id] = Flag(t, "special", false);
        impl->added_text[id] = content;
      }
      std::stable_sort(impl->added.begin(), impl->added.end(),
                       [](const auto& a, const auto& b) { return a.first.size() > b.first.size(); });
    }
    if (doc.contains("padding") && doc["padding"].is_object() && doc["padding"].contains("pad_id")) {
      impl->pad_id = doc["padding"]["pad_id"].get<int64_t>();
    }
  } catch (const json::exception& e) {
    return Status::InvalidArgument(where + ": a field has the wrong type: " + e.what());
  }
  return std::shared_ptr<const HfTokenizer>(std::make_shared<HfTokenizer>(std::move(impl)));
}

std::vector<int64_t> HfTokenizer::Encode(std::string_view utf8, bool add_special_tokens, int max_tokens) const {
  const Impl& m = *impl_;
  const std::u32string text = DecodeUtf8(utf8);
  std::vector<int64_t> ids;
  // Split out added tokens; the text between them goes through the pipeline.
  auto run = [&](std::u32string part) {
    if (part.empty()) return;
    if (m.normalizer) (*m.normalizer)(part);
    std::vector<std::u32string> pieces{std::move(part)};
    if (m.pre_tokenizer) (*m.pre_tokenizer)(pieces);
    for (const auto& p : pieces) {
      if (!p.empty()) m.model->Tokenize(p, ids);
    }
  };
  size_t start = 0;
  for (size_t i = 0; i < text.size();) {
    bool matched = false;
    for (const auto& [content, id] : m.added) {
      if (!content.empty() && text.compare(i, content.size(), content) == 0) {
        run(text.substr(start, i - start));
        ids.push_back(id);
        i += content.size();
        start = i;
        matched = true;
        break;
      }
    }
    if (!matched) ++i;
  }
  run(text.substr(start));
  if (add_special_tokens && m.post) {
    const size_t specials = m.post->before.size() + m.post->after.size();
    if (max_tokens > 0) ids.resize(std::min(ids.size(), static_cast<size_t>(std::max<int>(0, max_tokens - static_cast<int>(specials)))));
    std::vector<int64_t> out = m.post->before;
    out.insert(out.end(), ids.begin(), ids.end());
    out.insert(out.end(), m.post->after.begin(), m.post->after.end());
    return out;
  }
  if (max_tokens > 0 && ids.size() > static_cast<size_t>(max_tokens)) ids.resize(static_cast<size_t>(max_tokens));
  return ids;
}

std::string HfTokenizer::Decode(std::span<const int64_t> ids) const {
  const Impl& m = *impl_;
  std::vector<std::string> tokens;
  for (int64_t id : ids) {
    auto special = m.added_special.find(id);
    if (special != m.added_special.end()) {
      if (!special->second) tokens.push_back(m.added_text.at(id));
      continue;
    }
    if (auto t = m.model->IdToToken(id)) tokens.push_back(*t);
  }
  if (m.decoder) (*m.decoder)(tokens);
  std::string out;
  for (const auto& t : tokens) out += t;
  return out;
}

std::optional<int64_t> HfTokenizer::TokenId(std::string_view token) const {
  for (const auto& [content, id] : impl_->added) {
    if (EncodeUtf8(content) == token) return id;
  }
  return impl_->model->TokenToId(std::string(token));
}

std::optional<int64_t> HfTokenizer::PaddingId() const { return impl_->pad_id; }
size_t HfTokenizer::vocab_size() const { return impl_->model->vocab_size(); }

}  // namespace panic::models::onnx
