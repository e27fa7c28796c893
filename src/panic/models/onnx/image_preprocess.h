// CLIP-style image preprocessing, as Hugging Face's CLIPImageProcessor does it: the shorter
// side resized to `resize` (Pillow's resampling filters, antialiased when shrinking, 8-bit
// between the horizontal and the vertical pass, as Pillow keeps it), a centred square of
// `crop` cut out, then (value / 255 − mean) / std per channel, channels first.
//
// Thread safety: pure functions.
#pragma once

#include <span>
#include <string>
#include <vector>

#include "panic/core/image.h"
#include "panic/models/model.h"
#include "panic/models/onnx/manifest.h"
#include "panic/models/onnx/tensor.h"

namespace panic::models::onnx {

// `image` resized with Pillow's filter to width × height (8-bit RGB).
RgbImage ResizeImage(const RgbImage& image, int width, int height, Resample filter);

// 3 × crop × crop floats (CHW) for one image. REQUIRES: a non-empty image.
std::vector<float> PreprocessImage(const RgbImage& image, const ImageSpec& spec);

// OK when every input is a non-empty image; InvalidArgument naming `model` and the input.
Status ExpectImages(std::span<const Payload> inputs, const std::string& model);
// pixel_values [count, 3, crop, crop] for inputs [first, first + count).
// REQUIRES: ExpectImages(inputs) is OK.
Tensor PixelValues(std::span<const Payload> inputs, size_t first, size_t count, const ImageSpec& spec);

}  // namespace panic::models::onnx
