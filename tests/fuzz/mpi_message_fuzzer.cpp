// libFuzzer target: the MPI message decoder (mpi/work_codec.h), what rank 0 and the worker
// ranks read from each other. A decoded message must re-encode and decode again to the
// same type, ticket and item count.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "panic/mpi/work_codec.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace panic::mpi;
  auto m = DecodeMessage(std::string_view(reinterpret_cast<const char*>(data), size));
  if (!m.ok()) return 0;
  auto bytes = EncodeMessage(*m);
  if (!bytes.ok()) return 0;  // e.g. a diagram task whose vectors differ in length cannot arise from decoding
  auto again = DecodeMessage(*bytes);
  if (!again.ok() || again->type != m->type || again->ticket != m->ticket || again->items != m->items) __builtin_trap();
  return 0;
}
