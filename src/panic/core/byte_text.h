// A byte count for messages: "594 B", "12.0 KiB", "95.4 MiB", "1.5 GiB" (the memory checks of
// the exact and approximate persistence paths and the MPI placement state needs with it).
#pragma once

#include <cstdint>
#include <cstdio>
#include <string>

namespace panic::core {

inline std::string ByteText(double bytes) {
  const char* units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
  double v = bytes;
  int u = 0;
  while (v >= 1024 && u < 4) {
    v /= 1024;
    ++u;
  }
  char buf[32];
  if (u == 0) {
    std::snprintf(buf, sizeof buf, "%.0f B", bytes);
  } else {
    std::snprintf(buf, sizeof buf, "%.1f %s", v, units[u]);
  }
  return buf;
}

}  // namespace panic::core
