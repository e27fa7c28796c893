// CLIP-style image preprocessing, as Hugging Face's CLIPImageProcessor does it: the shorter
// side resized to `resize` (Pillow's resampling filters, antialiased when shrinking, 8-bit
// between the horizontal and the vertical pass, as Pillow keeps it), a centred square of
// `crop` cut out, then (value / 255 − mean) / std per channel, channels first.
//
// Thread safety: pure functions.
#pragma once

#include <vector>

#include "panic/core/image.h"
#include "panic/models/onnx/manifest.h"

namespace panic::models::onnx {

// `image` resized with Pillow's filter to width × height (8-bit RGB).
RgbImage ResizeImage(const RgbImage& image, int width, int height, Resample filter);

// 3 × crop × crop floats (CHW) for one image. REQUIRES: a non-empty image.
std::vector<float> PreprocessImage(const RgbImage& image, const ImageSpec& spec);

}  // namespace panic::models::onnx
