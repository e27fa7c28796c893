// ONNX genAI models: text-to-image (a Stable-Diffusion-style pipeline) and image-to-text (an
// encoder–decoder captioner), both batched and seeded per input (seeded_random.h), so that
// an output depends only on the model, the input and the run's seed.
//
// Text-to-image (graphs text_encoder, unet, vae_decoder; docs/ONNX.md for the signatures):
//   CLIP BPE ids padded to tokenizer.max_tokens → text_encoder → last_hidden_state;
//   with guidance_scale > 1 the empty prompt too (classifier-free guidance);
//   latents = N(0, 1) · init_noise_sigma, [latent_channels, height/f, width/f] per input;
//   `steps` Euler (ancestral) steps (euler_scheduler.h), the UNet on the whole batch;
//   vae_decoder(latents / scaling_factor) → [−1, 1] → 8-bit RGB.
//
// Image-to-text (graphs encoder, decoder):
//   CLIP-style preprocessing → encoder → encoder_output; the decoder is run on the whole
//   token prefix at each step (no key/value cache: any exported decoder_model.onnx works);
//   greedy, beam (num_beams, length_penalty) or sampling (temperature, top_k, per-input
//   seeded), until eos_id or max_length new tokens; the ids are decoded by the tokenizer.
//
// Load opens the graphs and checks their signatures (names, element types, ranks);
// a mismatch is InvalidArgument naming the graph file and the tensor.
//
// Thread safety: immutable after Load; InvokeBatch may run on several threads at once.
#pragma once

#include <memory>

#include "panic/models/model.h"
#include "panic/models/onnx/hf_tokenizer.h"
#include "panic/models/onnx/manifest.h"
#include "panic/models/onnx/onnx_session.h"

namespace panic::models::onnx {

class OnnxTextToImage final : public GenAIModel {
 public:
  static Result<std::unique_ptr<OnnxTextToImage>> Load(const Manifest& manifest, const SessionOptions& options);
  const ModelInfo& info() const override { return info_; }
  Result<std::vector<Payload>> InvokeBatch(std::span<const Payload> inputs, std::span<const int64_t> seeds) override;
  // The padded ids the text encoder gets for `prompt`.
  std::vector<int64_t> PromptIds(const std::string& prompt) const;

 private:
  OnnxTextToImage() = default;
  Result<std::vector<float>> EncodeText(const std::vector<std::string>& prompts) const;
  Result<std::vector<Payload>> Generate(const std::vector<std::string>& prompts, std::span<const int64_t> seeds) const;

  ModelInfo info_;
  Manifest manifest_;
  std::shared_ptr<const HfTokenizer> tokenizer_;
  std::unique_ptr<OnnxSession> text_encoder_, unet_, vae_;
  int64_t pad_id_ = 0;
  ElementType ids_type_ = ElementType::kInt64, timestep_type_ = ElementType::kFloat32;
  int timestep_rank_ = 1;
  bool timestep_single_ = false;  // a static [1] timestep rather than one per batch row
};

class OnnxImageToText final : public GenAIModel {
 public:
  static Result<std::unique_ptr<OnnxImageToText>> Load(const Manifest& manifest, const SessionOptions& options);
  const ModelInfo& info() const override { return info_; }
  Result<std::vector<Payload>> InvokeBatch(std::span<const Payload> inputs, std::span<const int64_t> seeds) override;
  // The generated ids (without the start token) for each image, before decoding.
  Result<std::vector<std::vector<int64_t>>> GenerateIds(std::span<const Payload> images, std::span<const int64_t> seeds) const;

 private:
  OnnxImageToText() = default;
  // Logits of the last position for each sequence: [rows × vocab].
  Result<std::vector<float>> NextLogits(const std::vector<std::vector<int64_t>>& sequences, const Tensor& encoded,
                                        const std::vector<size_t>& encoded_row, size_t& vocab) const;
  Result<std::vector<std::vector<int64_t>>> Greedy(const Tensor& encoded, size_t batch, std::span<const int64_t> seeds,
                                                   bool sample) const;
  Result<std::vector<std::vector<int64_t>>> Beam(const Tensor& encoded, size_t batch) const;

  ModelInfo info_;
  Manifest manifest_;
  std::shared_ptr<const HfTokenizer> tokenizer_;
  std::unique_ptr<OnnxSession> encoder_, decoder_;
  ElementType ids_type_ = ElementType::kInt64;
  bool feeds_encoder_mask_ = false;
};

}  // namespace panic::models::onnx
