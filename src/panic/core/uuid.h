// UUIDv7 (RFC 9562 §5.7): 48-bit Unix milliseconds, version 7, a 12-bit counter in
// rand_a, the RFC variant, and 62 random bits. Ids made by one process are strictly
// increasing (RFC 9562 §6.2 method 1: the counter is bumped within one millisecond and
// the millisecond is borrowed forward on overflow), so sorting ids sorts by creation.
//
// Thread safety: NewUuidV7() may be called from any thread.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

#include "panic/core/status.h"

namespace panic {

using UuidBytes = std::array<uint8_t, 16>;

UuidBytes NewUuidV7Bytes();
// Canonical lower-case hyphenated text: 8-4-4-4-12.
std::string NewUuidV7();
std::string FormatUuid(const UuidBytes& bytes);
// Accepts any UUID text (any version, either case, hyphenated 8-4-4-4-12).
Result<UuidBytes> ParseUuid(std::string_view text);
// Milliseconds since the epoch encoded in a v7 id.
uint64_t UuidV7Millis(const UuidBytes& bytes);

}  // namespace panic
