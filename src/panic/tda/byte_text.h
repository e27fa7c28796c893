// A memory size for messages: "16.8 GiB", "95.4 MiB" or "4000 bytes" (the early memory
// checks of the exact and approximate paths state their needs with it).
#pragma once

#include <cstddef>
#include <cstdio>
#include <string>

namespace panic::tda::internal {

inline std::string ByteText(double bytes) {
  char buf[32];
  if (bytes >= double(size_t{1} << 30)) {
    std::snprintf(buf, sizeof buf, "%.1f GiB", bytes / double(size_t{1} << 30));
  } else if (bytes >= double(size_t{1} << 20)) {
    std::snprintf(buf, sizeof buf, "%.1f MiB", bytes / double(size_t{1} << 20));
  } else {
    std::snprintf(buf, sizeof buf, "%.0f bytes", bytes);
  }
  return buf;
}

}  // namespace panic::tda::internal
