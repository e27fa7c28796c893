#include "panic/models/onnx/image_preprocess.h"

#include <algorithm>
#include <cmath>

namespace panic::models::onnx {
namespace {

double Bicubic(double x) {  // Pillow's, a = -0.5
  constexpr double a = -0.5;
  x = std::fabs(x);
  if (x < 1) return ((a + 2) * x - (a + 3)) * x * x + 1;
  if (x < 2) return (((x - 5) * x + 8) * x - 4) * a;
  return 0;
}
double Triangle(double x) {
  x = std::fabs(x);
  return x < 1 ? 1 - x : 0;
}

struct Taps {
  std::vector<int> first;               // per output index: the first input index
  std::vector<std::vector<double>> w;   // per output index: normalised weights
};

// Pillow's precompute_coeffs: the filter widened by the scale when shrinking (antialias).
Taps Coefficients(int in_size, int out_size, Resample filter) {
  const double support0 = filter == Resample::kBicubic ? 2.0 : 1.0;
  const double scale = static_cast<double>(in_size) / out_size;
  const double filterscale = std::max(scale, 1.0);
  const double support = support0 * filterscale;
  Taps t;
  t.first.resize(static_cast<size_t>(out_size));
  t.w.resize(static_cast<size_t>(out_size));
  for (int xx = 0; xx < out_size; ++xx) {
    const double center = (xx + 0.5) * scale;
    const int xmin = std::max(static_cast<int>(center - support + 0.5), 0);
    const int xmax = std::min(static_cast<int>(center + support + 0.5), in_size);
    std::vector<double> w;
    double total = 0;
    for (int x = xmin; x < xmax; ++x) {
      const double arg = (x - center + 0.5) / filterscale;
      const double v = filter == Resample::kBicubic ? Bicubic(arg) : Triangle(arg);
      w.push_back(v);
      total += v;
    }
    if (total != 0) {
      for (double& v : w) v /= total;
    }
    t.first[static_cast<size_t>(xx)] = xmin;
    t.w[static_cast<size_t>(xx)] = std::move(w);
  }
  return t;
}

uint8_t Clip8(double v) { return static_cast<uint8_t>(std::clamp(std::lround(v), 0L, 255L)); }

}  // namespace

RgbImage ResizeImage(const RgbImage& image, int width, int height, Resample filter) {
  if (image.width == width && image.height == height) return image;
  // Horizontal pass into an 8-bit image of the new width, then the vertical pass.
  const Taps h = Coefficients(image.width, width, filter);
  RgbImage mid{width, image.height, std::vector<uint8_t>(static_cast<size_t>(width) * image.height * 3)};
  for (int y = 0; y < image.height; ++y) {
    const uint8_t* row = image.pixels.data() + static_cast<size_t>(y) * image.width * 3;
    for (int x = 0; x < width; ++x) {
      double acc[3] = {0, 0, 0};
      const auto& w = h.w[static_cast<size_t>(x)];
      for (size_t k = 0; k < w.size(); ++k) {
        const uint8_t* p = row + static_cast<size_t>(h.first[static_cast<size_t>(x)] + static_cast<int>(k)) * 3;
        for (int c = 0; c < 3; ++c) acc[c] += w[k] * p[c];
      }
      uint8_t* out = mid.pixels.data() + (static_cast<size_t>(y) * width + x) * 3;
      for (int c = 0; c < 3; ++c) out[c] = Clip8(acc[c]);
    }
  }
  const Taps v = Coefficients(image.height, height, filter);
  RgbImage out{width, height, std::vector<uint8_t>(static_cast<size_t>(width) * height * 3)};
  for (int y = 0; y < height; ++y) {
    const auto& w = v.w[static_cast<size_t>(y)];
    for (int x = 0; x < width; ++x) {
      double acc[3] = {0, 0, 0};
      for (size_t k = 0; k < w.size(); ++k) {
        const uint8_t* p = mid.pixels.data() +
                           (static_cast<size_t>(v.first[static_cast<size_t>(y)] + static_cast<int>(k)) * width + x) * 3;
        for (int c = 0; c < 3; ++c) acc[c] += w[k] * p[c];
      }
      uint8_t* o = out.pixels.data() + (static_cast<size_t>(y) * width + x) * 3;
      for (int c = 0; c < 3; ++c) o[c] = Clip8(acc[c]);
    }
  }
  return out;
}

std::vector<float> PreprocessImage(const RgbImage& image, const ImageSpec& spec) {
  // The shorter side becomes spec.resize; the longer keeps the aspect ratio (truncated, as
  // transformers' get_resize_output_image_size computes it).
  int w = spec.resize, h = spec.resize;
  if (image.width < image.height) {
    h = static_cast<int>(static_cast<int64_t>(spec.resize) * image.height / image.width);
  } else if (image.height < image.width) {
    w = static_cast<int>(static_cast<int64_t>(spec.resize) * image.width / image.height);
  }
  const RgbImage resized = ResizeImage(image, w, h, spec.resample);
  const int c = spec.crop;
  const int top = (h - c) / 2, left = (w - c) / 2;
  std::vector<float> out(static_cast<size_t>(3) * c * c);
  for (int y = 0; y < c; ++y) {
    for (int x = 0; x < c; ++x) {
      const uint8_t* p = resized.pixels.data() + (static_cast<size_t>(top + y) * w + (left + x)) * 3;
      for (int ch = 0; ch < 3; ++ch) {
        out[(static_cast<size_t>(ch) * c + y) * c + x] = (p[ch] / 255.0f - spec.mean[ch]) / spec.std[ch];
      }
    }
  }
  return out;
}

Status ExpectImages(std::span<const Payload> inputs, const std::string& model) {
  for (size_t i = 0; i < inputs.size(); ++i) {
    const auto* image = std::get_if<RgbImage>(&inputs[i]);
    if (image == nullptr) return Status::InvalidArgument(model + " takes images; input " + std::to_string(i) + " is a text");
    if (image->empty()) return Status::InvalidArgument(model + ": input " + std::to_string(i) + " is an empty image");
  }
  return Status::Ok();
}

Tensor PixelValues(std::span<const Payload> inputs, size_t first, size_t count, const ImageSpec& spec) {
  const size_t plane = static_cast<size_t>(3) * spec.crop * spec.crop;
  std::vector<float> pixels(count * plane);
  for (size_t b = 0; b < count; ++b) {
    const auto chw = PreprocessImage(std::get<RgbImage>(inputs[first + b]), spec);
    std::copy(chw.begin(), chw.end(), pixels.begin() + static_cast<std::ptrdiff_t>(b * plane));
  }
  return Tensor::Floats({static_cast<int64_t>(count), 3, spec.crop, spec.crop}, std::move(pixels));
}

}  // namespace panic::models::onnx
