// The experiment config file (JSON) and its structural validation: types, unknown keys,
// empty lists, ranges. Whether model names exist and networks chain is checked by the
// engine (engine/config_validation.h), which knows the model registry.
//
// Every error is InvalidArgument and names the field, the offending value and what is
// allowed, upper limits included, e.g. `max_length: 0 is not allowed (an integer 1..100000000)`.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "panic/core/status.h"

namespace panic {

// How two outputs of one run are compared to detect a loop (seeded runs only).
enum class LoopDetection {
  kJpegQ30,  // images equal when their JPEG-q30 encodings are byte-identical (the reference's rule)
  kExact,    // images equal when their pixels are
  kOff,      // never stop early
};

struct ExperimentOptions {
  LoopDetection loop_detection = LoopDetection::kJpegQ30;
  std::optional<int> webp_quality;  // absent: lossless WEBP; 0..100: lossy at that quality
  int maxdim = 2;                   // persistence diagrams: homology dimensions 0..maxdim
  std::string metric = "euclidean"; // "euclidean" | "cosine"
  std::optional<double> threshold;  // Rips threshold; absent: the enclosing radius
  int embedding_batch_size = 64;
  std::vector<std::pair<std::string, int>> max_batch;  // per-model cap on one call's batch
  // Per-model image size of a T2I model, square, in pixels (which models take it and
  // which sizes is the model backend's to check: models/python/python_registration.cpp).
  std::vector<std::pair<std::string, int>> image_size;
  // The Python model worker (models/python/worker_settings.h): its interpreter, call
  // timeouts in seconds by kind ("handshake", "load", "T2I", "I2T", "text-embedding",
  // "image-embedding"), retries after a failed call and the first back-off in seconds.
  std::optional<std::string> python;
  std::vector<std::pair<std::string, double>> worker_timeouts;
  std::optional<int> worker_retries;
  std::optional<double> worker_backoff;
  // The ONNX backend's execution provider: "cpu", "cuda" or "auto" (models/onnx/).
  std::optional<std::string> onnx_provider;
};

struct ExperimentConfig {
  std::vector<std::vector<std::string>> networks;
  std::vector<int64_t> seeds;
  std::vector<std::string> prompts;
  std::vector<std::string> embedding_models;
  int64_t max_length = 0;
  ExperimentOptions options;
  std::string options_json = "{}";  // the options object as given (normalised JSON)
};

// Limits on a config's text (docs/DECODERS.md), checked before it is parsed: its size,
// and the nesting of lists and objects (a config needs 3: networks → network → name).
inline constexpr size_t kMaxConfigBytes = size_t{64} << 20;
inline constexpr size_t kMaxConfigNesting = 32;

// `source` names the input in messages (a file path or "config").
Result<ExperimentConfig> ParseExperimentConfig(std::string_view json_text, const std::string& source);
// Reads and parses a file; NotFound when it does not exist.
Result<ExperimentConfig> LoadExperimentConfig(const std::string& path);
// Parses only the options object (as stored with an experiment).
Result<ExperimentOptions> ParseExperimentOptions(std::string_view options_json);

// The closest of `candidates` to `word` when it is a likely typo (edit distance ≤ 2
// or a prefix relation), else empty.
std::string NearestName(const std::string& word, const std::vector<std::string>& candidates);

}  // namespace panic
