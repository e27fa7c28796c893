// An 8-bit RGB image in memory, row-major, 3 bytes per pixel (r, g, b).
// This is what genAI models produce and consume; storage encodes it (store/image_codec.h).
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace panic {

struct RgbImage {
  int width = 0;
  int height = 0;
  std::vector<uint8_t> pixels;  // size == width * height * 3

  static RgbImage Solid(int width, int height, uint8_t r, uint8_t g, uint8_t b) {
    RgbImage img{width, height, std::vector<uint8_t>(static_cast<size_t>(width) * height * 3)};
    for (size_t i = 0; i < img.pixels.size(); i += 3) {
      img.pixels[i] = r;
      img.pixels[i + 1] = g;
      img.pixels[i + 2] = b;
    }
    return img;
  }
  bool empty() const { return pixels.empty(); }
  bool operator==(const RgbImage&) const = default;
};

}  // namespace panic
