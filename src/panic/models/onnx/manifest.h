// The manifest of an ONNX model folder (manifest.json; the schema is in docs/ONNX.md):
// what kind of model it is, its graph files, its tokenizer and pre/post-processing, its
// output dimension and its batch cap.
//
// ParseManifest checks the structure and every value (types, ranges, unknown keys) and that
// each file it names exists in the folder; errors are InvalidArgument naming the manifest's
// path, the field, the value and what is allowed. It does not open the graphs (that needs
// ONNX Runtime and happens when the model is first used).
//
// Thread safety: a value type.
#pragma once

#include <array>
#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "panic/core/status.h"
#include "panic/models/model.h"

namespace panic::models::onnx {

enum class Pooling { kNone, kMean, kCls };
enum class Decoding { kGreedy, kBeam, kSample };
enum class Scheduler { kEuler, kEulerAncestral };
enum class Resample { kBilinear, kBicubic };

struct TokenizerSpec {
  std::filesystem::path file;  // absolute: the folder joined with the manifest's "file"
  int max_tokens = 0;          // truncation (and, for text-to-image, the padded length)
  std::optional<int64_t> pad_id;  // absent: the tokenizer.json's padding id, else 0
  bool unigram_ties_to_last = false;  // "unigram_ties": "first" (default) | "last"
};

struct ImageSpec {           // CLIP-style preprocessing
  int resize = 224;          // the shorter side is resized to this
  int crop = 224;            // then a centred square of this side is cut
  Resample resample = Resample::kBicubic;
  std::array<float, 3> mean{0.48145466f, 0.4578275f, 0.40821073f};
  std::array<float, 3> std{0.26862954f, 0.26130258f, 0.27577711f};
};

struct EmbeddingSpec {
  std::string output;        // the graph output to read
  Pooling pooling = Pooling::kMean;
  bool normalize = true;
  std::string prefix;        // text models: put in front of every text (e.g. "search_document: ")
};

struct CaptionSpec {
  int max_length = 32;       // new tokens at most
  Decoding decoding = Decoding::kGreedy;
  int num_beams = 4;
  double length_penalty = 1.0;
  double temperature = 1.0;
  int top_k = 0;             // 0: the whole vocabulary
  int64_t decoder_start_id = 0;
  int64_t eos_id = 0;
  std::string encoder_output = "last_hidden_state";
  std::string logits_output = "logits";
};

struct DiffusionSpec {
  int steps = 1;
  double guidance_scale = 0.0;  // ≤ 1: no classifier-free guidance (one UNet pass per step)
  Scheduler scheduler = Scheduler::kEulerAncestral;
  int width = 512, height = 512;
  int latent_channels = 4;
  int vae_scale_factor = 8;
  double scaling_factor = 0.18215;
  double beta_start = 0.00085, beta_end = 0.012;
  int train_timesteps = 1000;
  std::string timestep_spacing = "trailing";  // "trailing" | "leading" | "linspace"
  int steps_offset = 0;
};

struct Manifest {
  std::filesystem::path folder;
  std::string name;            // the folder's name
  ModelKind kind = ModelKind::kTextEmbedding;
  std::string description;
  int dimension = 0;           // embedding kinds
  int max_batch = 0;           // 0: unlimited
  std::map<std::string, std::filesystem::path> graphs;  // role -> absolute path
  std::optional<TokenizerSpec> tokenizer;
  std::optional<ImageSpec> image;
  EmbeddingSpec embedding;
  CaptionSpec caption;
  DiffusionSpec diffusion;

  ModelInfo Info() const;
};

// The graph roles each kind needs.
std::vector<std::string> RequiredGraphs(ModelKind kind);

// Parses `folder`/manifest.json. NotFound when the file is missing; InvalidArgument for
// anything wrong in it (or a file it names that is missing).
Result<Manifest> LoadManifest(const std::filesystem::path& folder);
Result<Manifest> ParseManifest(std::string_view json_text, const std::filesystem::path& folder);
// Only the "kind" of `folder`/manifest.json, when it can be read (for reporting a bad one).
std::optional<ModelKind> ManifestKind(const std::filesystem::path& folder);

}  // namespace panic::models::onnx
