#include "panic/store/vector_codec.h"

#include <bit>
#include <cstring>

namespace panic::store {

static_assert(std::endian::native == std::endian::little, "vectors are stored little-endian; add byte swapping");
static_assert(sizeof(float) == 4);

std::string EncodeVector(const std::vector<float>& vector) {
  std::string out(vector.size() * 4, '\0');
  if (!vector.empty()) std::memcpy(out.data(), vector.data(), out.size());
  return out;
}

Result<std::vector<float>> DecodeVector(std::string_view bytes) {
  if (bytes.size() % 4 != 0) {
    return Status::Corruption("vector blob of " + std::to_string(bytes.size()) + " bytes is not float32 (size % 4 != 0)");
  }
  std::vector<float> out(bytes.size() / 4);
  if (!out.empty()) std::memcpy(out.data(), bytes.data(), bytes.size());
  return out;
}

}  // namespace panic::store
