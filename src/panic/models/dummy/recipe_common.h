// Pieces shared by the dummy recipes of the Python reference (issue 2, §4 and §4b).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace panic::models {

// Every dummy image is this many pixels square (the reference's IMAGE_SIZE).
inline constexpr int kDummyImageSize = 256;
// Every dummy embedding has this many float32 values (the reference's EMBEDDING_DIM).
inline constexpr int kDummyEmbeddingDim = 768;
// The seed that means "non-deterministic".
inline constexpr int64_t kNonDeterministicSeed = -1;

// sha8(s): the first 8 hex digits of SHA-256 of the bytes of `utf8` (Python's
// s.encode("utf-8")), read as an integer in [0, 2^32).
uint32_t Sha8(std::string_view utf8);

// 8 lower-case hex digits from an unseeded, per-thread generator (for seed −1 captions).
std::string RandomHex8();

}  // namespace panic::models
