#include <algorithm>
#include <cmath>

#include "panic/models/onnx/batching.h"
#include "panic/models/onnx/euler_scheduler.h"
#include "panic/models/onnx/onnx_genai_models.h"
#include "panic/models/onnx/seeded_random.h"

namespace panic::models::onnx {

Result<std::unique_ptr<OnnxTextToImage>> OnnxTextToImage::Load(const Manifest& manifest, const SessionOptions& options) {
  std::unique_ptr<OnnxTextToImage> m(new OnnxTextToImage());
  m->manifest_ = manifest;
  m->info_ = manifest.Info();
  PANIC_ASSIGN_OR_RETURN(m->tokenizer_, HfTokenizer::LoadFile(manifest.tokenizer->file, {.unigram_ties_to_last = manifest.tokenizer->unigram_ties_to_last}));
  m->pad_id_ = manifest.tokenizer->pad_id.value_or(m->tokenizer_->PaddingId().value_or(0));
  PANIC_ASSIGN_OR_RETURN(m->text_encoder_, OnnxSession::Open(manifest.graphs.at("text_encoder"), options));
  PANIC_ASSIGN_OR_RETURN(m->unet_, OnnxSession::Open(manifest.graphs.at("unet"), options));
  PANIC_ASSIGN_OR_RETURN(m->vae_, OnnxSession::Open(manifest.graphs.at("vae_decoder"), options));
  const auto ids = {ElementType::kInt64, ElementType::kInt32};
  const auto f32 = {ElementType::kFloat32};
  PANIC_RETURN_IF_ERROR(ExpectInput(*m->text_encoder_, "input_ids", ids, 2));
  PANIC_RETURN_IF_ERROR(ExpectOnlyInputs(*m->text_encoder_, {"input_ids"}));
  PANIC_RETURN_IF_ERROR(ExpectOutput(*m->text_encoder_, "last_hidden_state", f32, 3));
  m->ids_type_ = FindSpec(m->text_encoder_->inputs(), "input_ids")->type;
  PANIC_RETURN_IF_ERROR(ExpectInput(*m->unet_, "sample", f32, 4));
  PANIC_RETURN_IF_ERROR(ExpectInput(*m->unet_, "timestep", {ElementType::kFloat32, ElementType::kInt64}, -1));
  PANIC_RETURN_IF_ERROR(ExpectInput(*m->unet_, "encoder_hidden_states", f32, 3));
  PANIC_RETURN_IF_ERROR(ExpectOnlyInputs(*m->unet_, {"sample", "timestep", "encoder_hidden_states"}));
  PANIC_RETURN_IF_ERROR(ExpectOutput(*m->unet_, "out_sample", f32, 4));
  const TensorSpec* t = FindSpec(m->unet_->inputs(), "timestep");
  m->timestep_type_ = t->type;
  m->timestep_rank_ = static_cast<int>(t->shape.size());
  if (m->timestep_rank_ > 1) {
    return Status::InvalidArgument(manifest.graphs.at("unet").string() + ": input 'timestep' has shape " +
                                   ShapeText(t->shape) + ", expected a scalar or one dimension");
  }
  m->timestep_single_ = m->timestep_rank_ == 1 && t->shape[0] == 1;
  PANIC_RETURN_IF_ERROR(ExpectInput(*m->vae_, "latent_sample", f32, 4));
  PANIC_RETURN_IF_ERROR(ExpectOnlyInputs(*m->vae_, {"latent_sample"}));
  PANIC_RETURN_IF_ERROR(ExpectOutput(*m->vae_, "sample", f32, 4));
  // Static channel counts must agree with the manifest.
  const auto& sample = FindSpec(m->unet_->inputs(), "sample")->shape;
  if (sample[1] >= 0 && sample[1] != manifest.diffusion.latent_channels) {
    return Status::InvalidArgument(manifest.graphs.at("unet").string() + ": input 'sample' has shape " +
                                   ShapeText(sample) + ", but diffusion.latent_channels is " +
                                   std::to_string(manifest.diffusion.latent_channels));
  }
  return m;
}

std::vector<int64_t> OnnxTextToImage::PromptIds(const std::string& prompt) const {
  const int n = manifest_.tokenizer->max_tokens;
  std::vector<int64_t> ids = tokenizer_->Encode(prompt, /*add_special_tokens=*/true, n);
  ids.resize(static_cast<size_t>(n), pad_id_);
  return ids;
}

Result<std::vector<float>> OnnxTextToImage::EncodeText(const std::vector<std::string>& prompts) const {
  const int n = manifest_.tokenizer->max_tokens;
  std::vector<int64_t> flat;
  for (const auto& p : prompts) {
    auto ids = PromptIds(p);
    flat.insert(flat.end(), ids.begin(), ids.end());
  }
  const Tensor ids = IdsTensor(ids_type_, {static_cast<int64_t>(prompts.size()), n}, flat);
  PANIC_ASSIGN_OR_RETURN(auto out, text_encoder_->Run({{"input_ids", &ids}}, {"last_hidden_state"}));
  if (out[0].shape.size() != 3 || out[0].shape[0] != static_cast<int64_t>(prompts.size()) || out[0].shape[1] != n) {
    return Status::ModelFailed(info_.name + ": the text encoder returned shape " + ShapeText(out[0].shape) + " for " +
                               std::to_string(prompts.size()) + " prompts of " + std::to_string(n) + " tokens");
  }
  return *out[0].floats();
}

Result<std::vector<Payload>> OnnxTextToImage::InvokeBatch(std::span<const Payload> inputs, std::span<const int64_t> seeds) {
  if (inputs.size() != seeds.size()) return Status::Internal(info_.name + ": inputs and seeds differ in number");
  std::vector<std::string> prompts;
  for (size_t i = 0; i < inputs.size(); ++i) {
    const auto* text = std::get_if<std::string>(&inputs[i]);
    if (text == nullptr) return Status::InvalidArgument(info_.name + " takes text prompts; input " + std::to_string(i) + " is an image");
    prompts.push_back(*text);
  }
  std::vector<Payload> out;
  PANIC_RETURN_IF_ERROR(ForEachChunk(prompts.size(), manifest_.max_batch, [&](size_t first, size_t count) -> Status {
    std::vector<std::string> chunk(prompts.begin() + static_cast<std::ptrdiff_t>(first),
                                   prompts.begin() + static_cast<std::ptrdiff_t>(first + count));
    PANIC_ASSIGN_OR_RETURN(auto images, Generate(chunk, seeds.subspan(first, count)));
    for (auto& im : images) out.push_back(std::move(im));
    return Status::Ok();
  }));
  return out;
}

Result<std::vector<Payload>> OnnxTextToImage::Generate(const std::vector<std::string>& prompts,
                                                       std::span<const int64_t> seeds) const {
  const DiffusionSpec& d = manifest_.diffusion;
  const size_t batch = prompts.size();
  const bool guided = d.guidance_scale > 1.0;
  // Rows: the prompts, then (with guidance) as many empty prompts.
  std::vector<std::string> rows = prompts;
  if (guided) rows.insert(rows.end(), batch, "");
  PANIC_ASSIGN_OR_RETURN(std::vector<float> hidden, EncodeText(rows));
  const int64_t tokens = manifest_.tokenizer->max_tokens;
  const int64_t width = static_cast<int64_t>(hidden.size()) / (static_cast<int64_t>(rows.size()) * tokens);
  const Tensor states = Tensor::Floats({static_cast<int64_t>(rows.size()), tokens, width}, std::move(hidden));

  const EulerScheduler scheduler(d);
  const int64_t c = d.latent_channels, h = d.height / d.vae_scale_factor, w = d.width / d.vae_scale_factor;
  const size_t per = static_cast<size_t>(c * h * w);
  std::vector<SeededRandom> random;
  for (size_t i = 0; i < batch; ++i) random.emplace_back(seeds[i]);
  std::vector<float> latents(batch * per);
  for (size_t i = 0; i < batch; ++i) {
    for (size_t k = 0; k < per; ++k) {
      latents[i * per + k] = static_cast<float>(random[i].Normal() * scheduler.init_noise_sigma());
    }
  }
  const size_t unet_rows = rows.size();
  for (int step = 0; step < d.steps; ++step) {
    const double scale = scheduler.InputScale(step);
    std::vector<float> input(unet_rows * per);
    for (size_t r = 0; r < unet_rows; ++r) {
      for (size_t k = 0; k < per; ++k) input[r * per + k] = static_cast<float>(latents[(r % batch) * per + k] * scale);
    }
    const Tensor sample = Tensor::Floats({static_cast<int64_t>(unet_rows), c, h, w}, std::move(input));
    const double t = scheduler.timesteps()[static_cast<size_t>(step)];
    std::vector<int64_t> t_shape;
    size_t t_count = 1;
    if (timestep_rank_ == 1) {
      t_count = timestep_single_ ? 1 : unet_rows;
      t_shape = {static_cast<int64_t>(t_count)};
    }
    const Tensor timestep = timestep_type_ == ElementType::kInt64
                                ? Tensor::Int64s(t_shape, std::vector<int64_t>(t_count, static_cast<int64_t>(t)))
                                : Tensor::Floats(t_shape, std::vector<float>(t_count, static_cast<float>(t)));
    PANIC_ASSIGN_OR_RETURN(auto out, unet_->Run({{"sample", &sample}, {"timestep", &timestep},
                                                 {"encoder_hidden_states", &states}},
                                                {"out_sample"}));
    const std::vector<float>* eps = out[0].floats();
    if (eps == nullptr || eps->size() != unet_rows * per) {
      return Status::ModelFailed(info_.name + ": the UNet returned shape " + ShapeText(out[0].shape) + ", expected [" +
                                 std::to_string(unet_rows) + ", " + std::to_string(c) + ", " + std::to_string(h) + ", " +
                                 std::to_string(w) + "]");
    }
    for (size_t i = 0; i < batch; ++i) {
      std::vector<float> e(eps->begin() + static_cast<std::ptrdiff_t>(i * per),
                           eps->begin() + static_cast<std::ptrdiff_t>((i + 1) * per));
      if (guided) {  // ε = ε_uncond + g·(ε_cond − ε_uncond)
        const float* u = eps->data() + (batch + i) * per;
        for (size_t k = 0; k < per; ++k) e[k] = static_cast<float>(u[k] + d.guidance_scale * (e[k] - u[k]));
      }
      std::vector<float> noise;
      if (scheduler.ancestral()) {
        noise.resize(per);
        for (float& v : noise) v = static_cast<float>(random[i].Normal());
      }
      std::vector<float> x(latents.begin() + static_cast<std::ptrdiff_t>(i * per),
                           latents.begin() + static_cast<std::ptrdiff_t>((i + 1) * per));
      scheduler.Step(step, e, noise, x);
      std::copy(x.begin(), x.end(), latents.begin() + static_cast<std::ptrdiff_t>(i * per));
    }
  }
  for (float& v : latents) v = static_cast<float>(v / d.scaling_factor);
  const Tensor latent = Tensor::Floats({static_cast<int64_t>(batch), c, h, w}, std::move(latents));
  PANIC_ASSIGN_OR_RETURN(auto decoded, vae_->Run({{"latent_sample", &latent}}, {"sample"}));
  const Tensor& img = decoded[0];
  if (img.shape.size() != 4 || img.shape[0] != static_cast<int64_t>(batch) || img.shape[1] != 3 ||
      img.shape[2] != d.height || img.shape[3] != d.width) {
    return Status::ModelFailed(info_.name + ": the VAE decoder returned shape " + ShapeText(img.shape) + ", expected [" +
                               std::to_string(batch) + ", 3, " + std::to_string(d.height) + ", " +
                               std::to_string(d.width) + "] (diffusion.width and height)");
  }
  const std::vector<float>& px = *img.floats();
  const size_t plane = static_cast<size_t>(d.width) * d.height;
  std::vector<Payload> out;
  for (size_t i = 0; i < batch; ++i) {
    RgbImage im{d.width, d.height, std::vector<uint8_t>(plane * 3)};
    for (size_t p = 0; p < plane; ++p) {
      for (size_t ch = 0; ch < 3; ++ch) {
        const float v = px[(i * 3 + ch) * plane + p];
        if (!std::isfinite(v)) return Status::ModelFailed(info_.name + ": the VAE decoder returned a non-finite value");
        im.pixels[p * 3 + ch] = static_cast<uint8_t>(std::lround(std::clamp(v / 2.0f + 0.5f, 0.0f, 1.0f) * 255.0f));
      }
    }
    out.emplace_back(std::move(im));
  }
  return out;
}

}  // namespace panic::models::onnx
