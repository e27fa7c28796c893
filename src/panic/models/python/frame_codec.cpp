#include "panic/models/python/frame_codec.h"

#include <cstring>

#include "panic/core/json_limits.h"

namespace panic::models::python {
namespace {

void PutLe(std::string& out, uint64_t v, int bytes) {
  for (int i = 0; i < bytes; ++i) out.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}

uint64_t GetLe(std::string_view in, size_t at, int bytes) {
  uint64_t v = 0;
  for (int i = 0; i < bytes; ++i) v |= uint64_t{static_cast<uint8_t>(in[at + static_cast<size_t>(i)])} << (8 * i);
  return v;
}

}  // namespace

std::string EncodeFrame(const Frame& frame) {
  std::string out = EncodeFrameHead(frame);
  for (const auto& b : frame.blobs) out += b;
  return out;
}

std::string EncodeFrameHead(const Frame& frame) {
  nlohmann::json header = frame.header;
  nlohmann::json sizes = nlohmann::json::array();
  uint64_t body = 0;
  for (const auto& b : frame.blobs) {
    sizes.push_back(b.size());
    body += b.size();
  }
  header["blobs"] = std::move(sizes);
  // ensure_ascii: the header stays 7-bit; texts travel as blobs anyway.
  const std::string head = header.dump(-1, ' ', true, nlohmann::json::error_handler_t::replace);
  std::string out;
  out.reserve(kFramePrefixSize + head.size());
  out.append(kFrameMagic, sizeof kFrameMagic);
  PutLe(out, head.size(), 4);
  PutLe(out, body, 8);
  out += head;
  return out;
}

Result<FramePrefix> DecodeFramePrefix(std::string_view prefix) {
  if (prefix.size() != kFramePrefixSize) return Status::Corruption("frame prefix of " + std::to_string(prefix.size()) + " bytes");
  if (std::memcmp(prefix.data(), kFrameMagic, sizeof kFrameMagic) != 0) {
    std::string shown;
    for (char c : prefix.substr(0, 4)) shown += (c >= 32 && c < 127) ? c : '?';
    return Status::Corruption("malformed frame: bad magic '" + shown + "' (expected 'PNKW')");
  }
  FramePrefix p;
  p.header_len = static_cast<uint32_t>(GetLe(prefix, 4, 4));
  p.body_len = GetLe(prefix, 8, 8);
  if (p.header_len > kMaxHeaderBytes) return Status::Corruption("malformed frame: header of " + std::to_string(p.header_len) + " bytes");
  if (p.body_len > kMaxBodyBytes) return Status::Corruption("malformed frame: body of " + std::to_string(p.body_len) + " bytes");
  return p;
}

Result<Frame> DecodeFrameParts(std::string_view header, std::string body) {
  if (header.size() > kMaxHeaderBytes) {
    return Status::Corruption("malformed frame: header of " + std::to_string(header.size()) + " bytes");
  }
  if (JsonNestingDepth(header, kMaxHeaderNesting) > kMaxHeaderNesting) {
    return Status::Corruption("malformed frame: header nested more than " + std::to_string(kMaxHeaderNesting) + " deep");
  }
  Frame f;
  try {
    f.header = nlohmann::json::parse(header);
  } catch (const nlohmann::json::exception& e) {
    return Status::Corruption(std::string("malformed frame: header is not JSON: ") + e.what());
  }
  if (!f.header.is_object()) return Status::Corruption("malformed frame: header is not a JSON object");
  const auto it = f.header.find("blobs");
  if (it == f.header.end() || !it->is_array()) {
    if (!body.empty()) return Status::Corruption("malformed frame: a body without \"blobs\" sizes");
    return f;
  }
  if (it->size() > kMaxBlobs) {
    return Status::Corruption("malformed frame: " + std::to_string(it->size()) + " blobs, at most " +
                              std::to_string(kMaxBlobs) + " allowed");
  }
  uint64_t at = 0;  // ≤ body.size() throughout
  for (const auto& size : *it) {
    if (!size.is_number_unsigned() && !size.is_number_integer()) {
      return Status::Corruption("malformed frame: a blob size is not an integer");
    }
    const int64_t n = size.get<int64_t>();
    if (n < 0 || static_cast<uint64_t>(n) > body.size() - at) {
      return Status::Corruption("malformed frame: blob sizes exceed the body of " + std::to_string(body.size()) + " bytes");
    }
    at += static_cast<uint64_t>(n);
  }
  if (at != body.size()) {
    return Status::Corruption("malformed frame: blob sizes sum to " + std::to_string(at) + " but the body has " +
                              std::to_string(body.size()) + " bytes");
  }
  if (it->size() == 1) {
    f.blobs.push_back(std::move(body));  // the common single-blob case without a copy
    return f;
  }
  at = 0;
  for (const auto& size : *it) {
    const size_t n = size.get<size_t>();
    f.blobs.emplace_back(body, at, n);
    at += n;
  }
  return f;
}

Result<Frame> DecodeFrame(std::string_view bytes) {
  if (bytes.size() < kFramePrefixSize) return Status::Corruption("malformed frame: " + std::to_string(bytes.size()) + " bytes");
  PANIC_ASSIGN_OR_RETURN(FramePrefix p, DecodeFramePrefix(bytes.substr(0, kFramePrefixSize)));
  if (bytes.size() != kFramePrefixSize + p.header_len + p.body_len) {
    return Status::Corruption("malformed frame: " + std::to_string(bytes.size()) + " bytes for a frame of " +
                              std::to_string(kFramePrefixSize + p.header_len + p.body_len));
  }
  return DecodeFrameParts(bytes.substr(kFramePrefixSize, p.header_len),
                          std::string(bytes.substr(kFramePrefixSize + p.header_len)));
}

}  // namespace panic::models::python
