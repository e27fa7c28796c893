#include "panic/models/onnx/manifest.h"

#include <algorithm>
#include <fstream>
#include <sstream>

#include <nlohmann/json.hpp>

namespace panic::models::onnx {
namespace {

using nlohmann::json;

std::string Show(const json& v) {
  std::string s = v.dump();
  return s.size() > 60 ? s.substr(0, 57) + "..." : s;
}

// Reads the members of one JSON object, remembering which keys were read so that any other
// key can be reported as unknown. Errors name the manifest and the dotted field.
class Fields {
 public:
  Fields(const json& object, std::string prefix, const std::string& where)
      : object_(object), prefix_(std::move(prefix)), where_(where) {}

  Status Bad(const std::string& key, const json& v, const std::string& allowed) const {
    return Status::InvalidArgument(where_ + ": " + prefix_ + key + ": " + Show(v) + " is not allowed (" + allowed + ")");
  }
  Status Missing(const std::string& key, const std::string& what) const {
    return Status::InvalidArgument(where_ + ": " + prefix_ + key + " is missing (" + what + ")");
  }
  const json* Get(const std::string& key) {
    known_.push_back(key);
    auto it = object_.find(key);
    return it == object_.end() ? nullptr : &*it;
  }
  Status Int(const std::string& key, int& out, int min, int max, bool required = false) {
    const json* v = Get(key);
    if (v == nullptr) return required ? Missing(key, "an integer " + std::to_string(min) + ".." + std::to_string(max)) : Status::Ok();
    if (!v->is_number_integer() || v->get<int64_t>() < min || v->get<int64_t>() > max) {
      return Bad(key, *v, "an integer " + std::to_string(min) + ".." + std::to_string(max));
    }
    out = static_cast<int>(v->get<int64_t>());
    return Status::Ok();
  }
  Status Int64(const std::string& key, int64_t& out, bool required) {
    const json* v = Get(key);
    if (v == nullptr) return required ? Missing(key, "a token id") : Status::Ok();
    if (!v->is_number_integer() || v->get<int64_t>() < 0) return Bad(key, *v, "a token id ≥ 0");
    out = v->get<int64_t>();
    return Status::Ok();
  }
  Status Number(const std::string& key, double& out, double min, double max) {
    const json* v = Get(key);
    if (v == nullptr) return Status::Ok();
    if (!v->is_number() || !(v->get<double>() >= min) || !(v->get<double>() <= max)) {
      std::ostringstream allowed;
      allowed << "a number " << min << ".." << max;
      return Bad(key, *v, allowed.str());
    }
    out = v->get<double>();
    return Status::Ok();
  }
  Status Bool(const std::string& key, bool& out) {
    const json* v = Get(key);
    if (v == nullptr) return Status::Ok();
    if (!v->is_boolean()) return Bad(key, *v, "true or false");
    out = v->get<bool>();
    return Status::Ok();
  }
  Status String(const std::string& key, std::string& out, bool required = false) {
    const json* v = Get(key);
    if (v == nullptr) return required ? Missing(key, "a string") : Status::Ok();
    if (!v->is_string() || v->get<std::string>().empty()) return Bad(key, *v, "a non-empty string");
    out = v->get<std::string>();
    return Status::Ok();
  }
  // One of `choices`; returns its index in `out`.
  Status Choice(const std::string& key, int& out, const std::vector<std::string>& choices) {
    const json* v = Get(key);
    if (v == nullptr) return Status::Ok();
    for (size_t i = 0; i < choices.size(); ++i) {
      if (v->is_string() && v->get<std::string>() == choices[i]) {
        out = static_cast<int>(i);
        return Status::Ok();
      }
    }
    std::string allowed;
    for (const auto& c : choices) allowed += (allowed.empty() ? "one of \"" : ", \"") + c + "\"";
    return Bad(key, *v, allowed);
  }
  Status Triple(const std::string& key, std::array<float, 3>& out, bool positive) {
    const json* v = Get(key);
    if (v == nullptr) return Status::Ok();
    const std::string allowed = positive ? "three numbers > 0" : "three numbers";
    if (!v->is_array() || v->size() != 3) return Bad(key, *v, allowed);
    for (size_t i = 0; i < 3; ++i) {
      if (!(*v)[i].is_number() || (positive && !((*v)[i].get<double>() > 0))) return Bad(key, *v, allowed);
      out[i] = (*v)[i].get<float>();
    }
    return Status::Ok();
  }
  // A file in the model folder: a relative path without "..", which must exist.
  Status File(const std::string& key, const std::filesystem::path& folder, std::filesystem::path& out, bool required) {
    std::string rel;
    PANIC_RETURN_IF_ERROR(String(key, rel, required));
    if (rel.empty()) return Status::Ok();
    std::filesystem::path p(rel);
    for (const auto& part : p) {
      if (part == "..") return Bad(key, rel, "a path inside the model folder");
    }
    if (p.is_absolute()) return Bad(key, rel, "a path relative to the model folder");
    std::error_code ec;
    if (!std::filesystem::is_regular_file(folder / p, ec)) {
      return Status::InvalidArgument(where_ + ": " + prefix_ + key + ": the file " + (folder / p).string() +
                                     " does not exist");
    }
    out = folder / p;
    return Status::Ok();
  }
  Status Object(const std::string& key, const json*& out) {
    out = Get(key);
    if (out != nullptr && !out->is_object()) return Bad(key, *out, "an object");
    return Status::Ok();
  }
  // Fails on a key nobody read.
  Status NoOthers() const {
    for (const auto& [key, v] : object_.items()) {
      if (std::find(known_.begin(), known_.end(), key) == known_.end()) {
        std::string list;
        for (const auto& k : known_) list += (list.empty() ? "" : ", ") + k;
        return Status::InvalidArgument(where_ + ": " + prefix_ + key + ": unknown key (known here: " + list + ")");
      }
    }
    return Status::Ok();
  }

 private:
  const json& object_;
  std::string prefix_;
  const std::string& where_;
  std::vector<std::string> known_;
};

}  // namespace

std::vector<std::string> RequiredGraphs(ModelKind kind) {
  switch (kind) {
    case ModelKind::kTextEmbedding:
    case ModelKind::kImageEmbedding: return {"encoder"};
    case ModelKind::kImageToText: return {"encoder", "decoder"};
    case ModelKind::kTextToImage: return {"text_encoder", "unet", "vae_decoder"};
  }
  return {};
}

ModelInfo Manifest::Info() const {
  ModelInfo info;
  info.name = name;
  info.kind = kind;
  info.input = kind == ModelKind::kTextToImage || kind == ModelKind::kTextEmbedding ? Modality::kText : Modality::kImage;
  info.output = kind == ModelKind::kTextToImage ? Modality::kImage
                : kind == ModelKind::kImageToText ? Modality::kText
                                                  : info.input;
  info.dimension = dimension;
  info.backend = "onnx";
  info.description = description.empty() ? "ONNX model in " + folder.string() : description;
  info.max_batch = max_batch;
  return info;
}

Result<Manifest> LoadManifest(const std::filesystem::path& folder) {
  const auto path = folder / "manifest.json";
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::NotFound(path.string() + " does not exist");
  std::ostringstream text;
  text << in.rdbuf();
  return ParseManifest(text.str(), folder);
}

std::optional<ModelKind> ManifestKind(const std::filesystem::path& folder) {
  std::ifstream in(folder / "manifest.json", std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  const json doc = json::parse(text.str(), nullptr, /*allow_exceptions=*/false);
  if (!doc.is_object() || !doc.contains("kind") || !doc["kind"].is_string()) return std::nullopt;
  const std::string kind = doc["kind"].get<std::string>();
  if (kind == "text-embedding") return ModelKind::kTextEmbedding;
  if (kind == "image-embedding") return ModelKind::kImageEmbedding;
  if (kind == "image-to-text") return ModelKind::kImageToText;
  if (kind == "text-to-image") return ModelKind::kTextToImage;
  return std::nullopt;
}

Result<Manifest> ParseManifest(std::string_view json_text, const std::filesystem::path& folder) {
  const std::string where = (folder / "manifest.json").string();
  const json doc = json::parse(json_text, nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded()) return Status::InvalidArgument(where + ": not valid JSON");
  if (!doc.is_object()) return Status::InvalidArgument(where + ": expected a JSON object");
  Manifest m;
  m.folder = folder;
  m.name = folder.filename().string();
  Fields top(doc, "", where);

  int schema = 0;
  PANIC_RETURN_IF_ERROR(top.Int("schema", schema, 1, 1, /*required=*/true));
  int kind = -1;
  const std::vector<std::string> kinds = {"text-embedding", "image-embedding", "image-to-text", "text-to-image"};
  PANIC_RETURN_IF_ERROR(top.Choice("kind", kind, kinds));
  if (kind < 0) return top.Missing("kind", "one of \"text-embedding\", \"image-embedding\", \"image-to-text\", \"text-to-image\"");
  m.kind = kind == 0 ? ModelKind::kTextEmbedding
           : kind == 1 ? ModelKind::kImageEmbedding
           : kind == 2 ? ModelKind::kImageToText
                       : ModelKind::kTextToImage;
  const bool embedding = kind <= 1;
  PANIC_RETURN_IF_ERROR(top.String("description", m.description));
  if (embedding) {
    PANIC_RETURN_IF_ERROR(top.Int("dimension", m.dimension, 1, 1 << 20, /*required=*/true));
  }
  PANIC_RETURN_IF_ERROR(top.Int("max_batch", m.max_batch, 1, 1 << 16));

  const json* graphs = nullptr;
  PANIC_RETURN_IF_ERROR(top.Object("graphs", graphs));
  std::string roles;
  for (const auto& r : RequiredGraphs(m.kind)) roles += (roles.empty() ? "" : ", ") + r;
  if (graphs == nullptr) return top.Missing("graphs", "an object naming the graph files: " + roles);
  Fields g(*graphs, "graphs.", where);
  for (const auto& role : RequiredGraphs(m.kind)) {
    PANIC_RETURN_IF_ERROR(g.File(role, folder, m.graphs[role], /*required=*/true));
  }
  PANIC_RETURN_IF_ERROR(g.NoOthers());

  const json* tok = nullptr;
  PANIC_RETURN_IF_ERROR(top.Object("tokenizer", tok));
  const bool needs_tokenizer = m.kind != ModelKind::kImageEmbedding;
  if (tok == nullptr && needs_tokenizer) return top.Missing("tokenizer", "an object with file and max_tokens");
  if (tok != nullptr) {
    Fields t(*tok, "tokenizer.", where);
    TokenizerSpec spec;
    PANIC_RETURN_IF_ERROR(t.File("file", folder, spec.file, /*required=*/true));
    PANIC_RETURN_IF_ERROR(t.Int("max_tokens", spec.max_tokens, 1, 1 << 16, /*required=*/true));
    int64_t pad = -1;
    PANIC_RETURN_IF_ERROR(t.Int64("pad_id", pad, false));
    if (pad >= 0) spec.pad_id = pad;
    int ties = 0;
    PANIC_RETURN_IF_ERROR(t.Choice("unigram_ties", ties, {"first", "last"}));
    spec.unigram_ties_to_last = ties == 1;
    PANIC_RETURN_IF_ERROR(t.NoOthers());
    m.tokenizer = spec;
  }

  const json* image = nullptr;
  PANIC_RETURN_IF_ERROR(top.Object("image", image));
  const bool needs_image = m.kind == ModelKind::kImageEmbedding || m.kind == ModelKind::kImageToText;
  if (needs_image) {
    ImageSpec spec;
    if (image != nullptr) {
      Fields f(*image, "image.", where);
      PANIC_RETURN_IF_ERROR(f.Int("resize", spec.resize, 1, 4096));
      PANIC_RETURN_IF_ERROR(f.Int("crop", spec.crop, 1, 4096));
      int resample = 1;
      PANIC_RETURN_IF_ERROR(f.Choice("resample", resample, {"bilinear", "bicubic"}));
      spec.resample = resample == 0 ? Resample::kBilinear : Resample::kBicubic;
      PANIC_RETURN_IF_ERROR(f.Triple("mean", spec.mean, false));
      PANIC_RETURN_IF_ERROR(f.Triple("std", spec.std, true));
      PANIC_RETURN_IF_ERROR(f.NoOthers());
      if (spec.crop > spec.resize) return f.Bad("crop", spec.crop, "at most image.resize");
    }
    m.image = spec;
  } else if (image != nullptr) {
    return top.Bad("image", *image, "only for image-embedding and image-to-text models");
  }

  const json* section = nullptr;
  if (embedding) {
    PANIC_RETURN_IF_ERROR(top.Object("embedding", section));
    if (section == nullptr) return top.Missing("embedding", "an object with output, pooling and normalize");
    Fields e(*section, "embedding.", where);
    PANIC_RETURN_IF_ERROR(e.String("output", m.embedding.output, /*required=*/true));
    int pooling = 1;
    PANIC_RETURN_IF_ERROR(e.Choice("pooling", pooling, {"none", "mean", "cls"}));
    m.embedding.pooling = static_cast<Pooling>(pooling);
    PANIC_RETURN_IF_ERROR(e.Bool("normalize", m.embedding.normalize));
    if (m.kind == ModelKind::kTextEmbedding) PANIC_RETURN_IF_ERROR(e.String("prefix", m.embedding.prefix));
    PANIC_RETURN_IF_ERROR(e.NoOthers());
  } else if (m.kind == ModelKind::kImageToText) {
    PANIC_RETURN_IF_ERROR(top.Object("decoding", section));
    if (section == nullptr) return top.Missing("decoding", "an object with decoder_start_id and eos_id");
    Fields d(*section, "decoding.", where);
    CaptionSpec& c = m.caption;
    PANIC_RETURN_IF_ERROR(d.Int("max_length", c.max_length, 1, 1024));
    int decoding = 0;
    PANIC_RETURN_IF_ERROR(d.Choice("strategy", decoding, {"greedy", "beam", "sample"}));
    c.decoding = static_cast<Decoding>(decoding);
    PANIC_RETURN_IF_ERROR(d.Int("num_beams", c.num_beams, 1, 64));
    PANIC_RETURN_IF_ERROR(d.Number("length_penalty", c.length_penalty, -10, 10));
    PANIC_RETURN_IF_ERROR(d.Number("temperature", c.temperature, 1e-3, 100));
    PANIC_RETURN_IF_ERROR(d.Int("top_k", c.top_k, 0, 1 << 20));
    PANIC_RETURN_IF_ERROR(d.Int64("decoder_start_id", c.decoder_start_id, true));
    PANIC_RETURN_IF_ERROR(d.Int64("eos_id", c.eos_id, true));
    PANIC_RETURN_IF_ERROR(d.String("encoder_output", c.encoder_output));
    PANIC_RETURN_IF_ERROR(d.String("logits_output", c.logits_output));
    PANIC_RETURN_IF_ERROR(d.NoOthers());
  } else {
    PANIC_RETURN_IF_ERROR(top.Object("diffusion", section));
    if (section == nullptr) return top.Missing("diffusion", "an object with steps, guidance_scale, width, height");
    Fields d(*section, "diffusion.", where);
    DiffusionSpec& s = m.diffusion;
    PANIC_RETURN_IF_ERROR(d.Int("steps", s.steps, 1, 1000));
    PANIC_RETURN_IF_ERROR(d.Number("guidance_scale", s.guidance_scale, 0, 100));
    int scheduler = 1;
    PANIC_RETURN_IF_ERROR(d.Choice("scheduler", scheduler, {"euler", "euler_ancestral"}));
    s.scheduler = static_cast<Scheduler>(scheduler);
    PANIC_RETURN_IF_ERROR(d.Int("width", s.width, 8, 4096));
    PANIC_RETURN_IF_ERROR(d.Int("height", s.height, 8, 4096));
    PANIC_RETURN_IF_ERROR(d.Int("latent_channels", s.latent_channels, 1, 64));
    PANIC_RETURN_IF_ERROR(d.Int("vae_scale_factor", s.vae_scale_factor, 1, 64));
    PANIC_RETURN_IF_ERROR(d.Number("scaling_factor", s.scaling_factor, 1e-6, 100));
    PANIC_RETURN_IF_ERROR(d.Number("beta_start", s.beta_start, 1e-8, 1));
    PANIC_RETURN_IF_ERROR(d.Number("beta_end", s.beta_end, 1e-8, 1));
    PANIC_RETURN_IF_ERROR(d.Int("train_timesteps", s.train_timesteps, 2, 100000));
    int spacing = 0;
    PANIC_RETURN_IF_ERROR(d.Choice("timestep_spacing", spacing, {"trailing", "leading", "linspace"}));
    s.timestep_spacing = spacing == 0 ? "trailing" : spacing == 1 ? "leading" : "linspace";
    PANIC_RETURN_IF_ERROR(d.Int("steps_offset", s.steps_offset, 0, 1000));
    PANIC_RETURN_IF_ERROR(d.NoOthers());
    if (s.width % s.vae_scale_factor != 0 || s.height % s.vae_scale_factor != 0) {
      return d.Bad("width", s.width, "width and height must be multiples of diffusion.vae_scale_factor");
    }
    if (s.steps > s.train_timesteps) return d.Bad("steps", s.steps, "at most diffusion.train_timesteps");
    if (!(s.beta_end > s.beta_start)) return d.Bad("beta_end", s.beta_end, "greater than diffusion.beta_start");
  }
  PANIC_RETURN_IF_ERROR(top.NoOthers());
  return m;
}

}  // namespace panic::models::onnx
