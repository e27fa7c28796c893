#include "panic/engine/loop_key.h"

#include <cstring>

#include "panic/core/sha256.h"
#include "panic/store/image_codec.h"

namespace panic::engine {
namespace {

std::string DigestBytes(const Sha256Digest& d) { return std::string(reinterpret_cast<const char*>(d.data()), d.size()); }

}  // namespace

Result<std::string> LoopKey(const models::Payload& output, LoopDetection mode) {
  if (const auto* text = std::get_if<std::string>(&output)) {
    return "t" + DigestBytes(Sha256(*text));
  }
  const RgbImage& img = std::get<RgbImage>(output);
  if (mode == LoopDetection::kJpegQ30) {
    PANIC_ASSIGN_OR_RETURN(std::string jpeg, store::EncodeJpeg(img, 30));
    return "j" + DigestBytes(Sha256(jpeg));
  }
  std::string raw(8, '\0');
  uint32_t wh[2] = {static_cast<uint32_t>(img.width), static_cast<uint32_t>(img.height)};
  std::memcpy(raw.data(), wh, 8);
  raw.append(reinterpret_cast<const char*>(img.pixels.data()), img.pixels.size());
  return "p" + DigestBytes(Sha256(raw));
}

}  // namespace panic::engine
