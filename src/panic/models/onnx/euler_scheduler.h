// The Euler and Euler-ancestral samplers of k-diffusion, as diffusers'
// EulerDiscreteScheduler and EulerAncestralDiscreteScheduler compute them for an
// epsilon-predicting UNet with a "scaled_linear" beta schedule (Stable Diffusion, SD-Turbo):
//
//   betas        = linspace(√beta_start, √beta_end, T)²,  ᾱ = cumprod(1 − betas)
//   σ(t)         = √((1 − ᾱ_t) / ᾱ_t), interpolated linearly between integer t
//   timesteps    "trailing": round(arange(T, 0, −T/steps)) − 1   (SD-Turbo)
//                "leading":  arange(steps)·(T // steps) reversed + steps_offset
//                "linspace": linspace(0, T − 1, steps) reversed
//   sigmas       σ(timesteps) followed by 0; the first latents are noise · init_noise_sigma
//   each step    model input = x / √(σ² + 1); x0 = x − σ·ε; d = (x − x0) / σ
//     Euler      x ← x + d·(σ_next − σ)
//     ancestral  σ_up = √(σ_next²(σ² − σ_next²)/σ²), σ_down = √(σ_next² − σ_up²),
//                x ← x + d·(σ_down − σ) + noise·σ_up
//
// Thread safety: immutable after construction.
#pragma once

#include <vector>

#include "panic/models/onnx/manifest.h"

namespace panic::models::onnx {

class EulerScheduler {
 public:
  explicit EulerScheduler(const DiffusionSpec& spec);

  const std::vector<double>& timesteps() const { return timesteps_; }  // what the UNet is given
  const std::vector<double>& sigmas() const { return sigmas_; }        // steps + 1 values, last 0
  double init_noise_sigma() const { return init_noise_sigma_; }
  double InputScale(int step) const;  // 1 / √(σ² + 1)
  bool ancestral() const { return ancestral_; }

  // One step on latents x (in place), given the model's ε and, for the ancestral sampler,
  // standard-normal `noise` of x's size (ignored otherwise).
  void Step(int step, const std::vector<float>& epsilon, const std::vector<float>& noise, std::vector<float>& x) const;

 private:
  std::vector<double> timesteps_, sigmas_;
  double init_noise_sigma_ = 1;
  bool ancestral_ = true;
};

}  // namespace panic::models::onnx
