// Loop detection keys. A seeded run stops when an output's key equals the key of any
// earlier output of the same run. Keys are SHA-256 digests of what is compared, so
// that a long run keeps 32 bytes per step, not an image.
//   text:  the exact string (UTF-8 bytes)
//   image: kJpegQ30 — the JPEG-q30 encoding as Pillow writes it (the Python reference's
//          rule: coarser than pixel equality, nearby solid colours collide);
//          kExact — the raw pixels with their size.
#pragma once

#include <string>

#include "panic/core/status.h"
#include "panic/models/model.h"

namespace panic::engine {

// How two outputs of one run are compared to detect a loop (seeded runs only); the runs
// stage's option loop_detection (runs_stage.h).
enum class LoopDetection {
  kJpegQ30,  // images equal when their JPEG-q30 encodings are byte-identical (the reference's rule)
  kExact,    // images equal when their pixels are
  kOff,      // never stop early
};

// REQUIRES: mode != LoopDetection::kOff.
Result<std::string> LoopKey(const models::Payload& output, LoopDetection mode);

}  // namespace panic::engine
