// Wall-clock timestamps as stored: ISO-8601 UTC with microseconds,
// "YYYY-MM-DDTHH:MM:SS.ffffffZ" (DESIGN.md §5). Sorting the text sorts by time.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "panic/core/status.h"

namespace panic {

// Microseconds since the Unix epoch, from the system clock.
int64_t NowMicros();
std::string FormatIsoMicros(int64_t micros_since_epoch);
std::string NowIso();
// Accepts the stored form, and also a "+00:00" suffix or no fraction.
Result<int64_t> ParseIsoMicros(std::string_view text);

}  // namespace panic
