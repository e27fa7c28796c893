#include "panic/models/onnx/euler_scheduler.h"

#include <algorithm>
#include <cmath>

namespace panic::models::onnx {

EulerScheduler::EulerScheduler(const DiffusionSpec& spec) : ancestral_(spec.scheduler == Scheduler::kEulerAncestral) {
  const int T = spec.train_timesteps;
  std::vector<double> full(static_cast<size_t>(T));
  double cumprod = 1;
  const double a = std::sqrt(spec.beta_start), b = std::sqrt(spec.beta_end);
  for (int i = 0; i < T; ++i) {
    const double root = a + (b - a) * i / (T - 1);
    cumprod *= 1.0 - root * root;
    full[static_cast<size_t>(i)] = std::sqrt((1.0 - cumprod) / cumprod);
  }
  const int n = spec.steps;
  if (spec.timestep_spacing == "trailing") {
    const double ratio = static_cast<double>(T) / n;
    for (int i = 0; i < n; ++i) timesteps_.push_back(std::nearbyint(T - i * ratio) - 1);
  } else if (spec.timestep_spacing == "leading") {
    const int ratio = T / n;
    for (int i = n - 1; i >= 0; --i) timesteps_.push_back(static_cast<double>(i * ratio + spec.steps_offset));
  } else {
    for (int i = n - 1; i >= 0; --i) timesteps_.push_back(n == 1 ? 0.0 : static_cast<double>(T - 1) * i / (n - 1));
  }
  for (double t : timesteps_) {
    t = std::clamp(t, 0.0, static_cast<double>(T - 1));
    const auto lo = static_cast<size_t>(std::floor(t));
    const size_t hi = std::min(lo + 1, static_cast<size_t>(T - 1));
    const double frac = t - static_cast<double>(lo);
    sigmas_.push_back(full[lo] * (1 - frac) + full[hi] * frac);
  }
  const double max_sigma = *std::max_element(sigmas_.begin(), sigmas_.end());
  sigmas_.push_back(0.0);
  init_noise_sigma_ = spec.timestep_spacing == "leading" ? std::sqrt(max_sigma * max_sigma + 1) : max_sigma;
}

double EulerScheduler::InputScale(int step) const {
  const double s = sigmas_[static_cast<size_t>(step)];
  return 1.0 / std::sqrt(s * s + 1);
}

void EulerScheduler::Step(int step, const std::vector<float>& epsilon, const std::vector<float>& noise,
                          std::vector<float>& x) const {
  const double sigma = sigmas_[static_cast<size_t>(step)], next = sigmas_[static_cast<size_t>(step) + 1];
  double target = next, up = 0;
  if (ancestral_) {
    up = std::sqrt(next * next * (sigma * sigma - next * next) / (sigma * sigma));
    target = std::sqrt(next * next - up * up);
  }
  const double dt = target - sigma;
  for (size_t i = 0; i < x.size(); ++i) {
    // d = (x − (x − σ·ε)) / σ = ε
    x[i] = static_cast<float>(x[i] + epsilon[i] * dt + (ancestral_ ? noise[i] * up : 0.0));
  }
}

}  // namespace panic::models::onnx
