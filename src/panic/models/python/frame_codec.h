// The frame layout of the Python worker protocol (docs/PYTHON_WORKER.md), shared with
// python/panic_worker/protocol.py:
//
//   offset  size  field
//   0       4     magic "PNKW"
//   4       4     header_len, uint32 little-endian
//   8       8     body_len, uint64 little-endian
//   16      *     header: a UTF-8 JSON object of header_len bytes
//   ...     *     body: the blobs back to back, body_len bytes
//
// header["blobs"] lists each blob's length in order; they sum to body_len. Texts are
// UTF-8 blobs, images raw RGB blobs (width and height in the header), vectors
// float32 little-endian blobs. Nothing is base64.
//
// Thread safety: values and pure functions.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "panic/core/status.h"

namespace panic::models::python {

inline constexpr char kFrameMagic[4] = {'P', 'N', 'K', 'W'};
inline constexpr size_t kFramePrefixSize = 16;  // magic + header_len (u32) + body_len (u64)
// Limits (docs/DECODERS.md): a header of at most 64 MiB nested at most kMaxHeaderNesting
// deep, a body of at most 4 GiB (a batch of ~340 RGB images of 2048²), at most
// kMaxBlobs blobs.
inline constexpr uint32_t kMaxHeaderBytes = 64u << 20;
inline constexpr uint64_t kMaxBodyBytes = uint64_t{4} << 30;
inline constexpr size_t kMaxHeaderNesting = 32;
inline constexpr size_t kMaxBlobs = size_t{1} << 16;

struct Frame {
  nlohmann::json header = nlohmann::json::object();
  std::vector<std::string> blobs;  // binary-safe byte strings
};

// The bytes of `frame`; header["blobs"] is set from the blobs (any given value is replaced).
std::string EncodeFrame(const Frame& frame);
// The prefix and header of `frame` only: followed by its blobs in order, the same bytes
// as EncodeFrame (lets a sender write large blobs without copying them first).
std::string EncodeFrameHead(const Frame& frame);

// Parses the 16-byte prefix: the header and body lengths.
// Corruption for a wrong magic or lengths beyond the limits.
struct FramePrefix {
  uint32_t header_len = 0;
  uint64_t body_len = 0;
};
Result<FramePrefix> DecodeFramePrefix(std::string_view prefix);

// Builds a frame from its header bytes and body. Corruption when the header is not a
// JSON object, is nested too deep, lists more than kMaxBlobs blobs, or its "blobs" do
// not add up to the body.
Result<Frame> DecodeFrameParts(std::string_view header, std::string body);

// A whole frame from contiguous bytes (tests, tools): the prefix, header and body.
// Corruption when `bytes` is not exactly one frame.
Result<Frame> DecodeFrame(std::string_view bytes);

}  // namespace panic::models::python
