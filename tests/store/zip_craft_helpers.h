// Hand-made zip archives for the NPZ decoder's tests: every size and offset field can
// lie, zip64 extra fields and end records can be added, and deflate streams of any
// inflated size are built from a repeated, byte-aligned block (so a 1 GiB member costs
// a few milliseconds and 1 MiB to make).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace panic::testing {

struct CraftedMember {
  std::string name;
  std::string payload;      // the bytes as stored in the archive (already deflated if method 8)
  uint16_t method = 0;      // 0 stored, 8 deflate
  uint32_t crc = 0;         // CRC-32 of the inflated data
  uint64_t size = 0;        // the inflated size the headers declare
  bool zip64 = false;       // sizes in a zip64 extra field (32-bit fields saturated)
};

// The member for `data` stored (or deflated when `deflate`), with honest headers.
CraftedMember HonestMember(const std::string& name, const std::string& data, bool deflate);

// A raw-deflate stream of `prefix` followed by `zeros` zero bytes (zeros a multiple of
// 16 MiB, or below it), its CRC-32 in *crc. ~1 KiB of stream per MiB of zeros.
std::string DeflateZeros(const std::string& prefix, uint64_t zeros, uint32_t* crc);

// The archive: local headers + payloads, the central directory, the end record.
std::string CraftZip(const std::vector<CraftedMember>& members);

// 98 bytes: a zip64 end record (56) + its locator (20) + an end record (22) whose
// central directory is at `cd_offset` with `entries` entries (the overflow of issue 9).
std::string CraftZip64EndOnly(uint64_t cd_offset, uint64_t entries);

}  // namespace panic::testing
