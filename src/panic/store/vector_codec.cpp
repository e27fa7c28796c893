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

Status DecodeVectorInto(std::string_view bytes, std::vector<float>& out) {
  if (bytes.size() % 4 != 0) {
    return Status::Corruption("vector blob of " + std::to_string(bytes.size()) + " bytes is not float32 (size % 4 != 0)");
  }
  out.resize(bytes.size() / 4);
  if (!out.empty()) std::memcpy(out.data(), bytes.data(), bytes.size());
  return Status::Ok();
}

Result<std::vector<float>> DecodeVector(std::string_view bytes) {
  std::vector<float> out;
  PANIC_RETURN_IF_ERROR(DecodeVectorInto(bytes, out));
  return out;
}

}  // namespace panic::store
