#include "panic/tda/diagram.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <string>

namespace panic::tda {

const Bars& Diagram::bars(size_t d) const {
  static const Bars kEmpty;  // immutable, so sharing it between threads is safe
  return d < dimensions.size() ? dimensions[d] : kEmpty;
}

void SortBars(Diagram& diagram) {
  for (Bars& bars : diagram.dimensions) {
    std::sort(bars.begin(), bars.end(), [](const Bar& a, const Bar& b) {
      return a.birth < b.birth || (a.birth == b.birth && a.death < b.death);
    });
  }
}

namespace {
std::string FormatFloat(float v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.9g", static_cast<double>(v));
  return buf;
}
}  // namespace

Status ValidateDiagram(const Diagram& diagram) {
  for (size_t d = 0; d < diagram.dimensions.size(); ++d) {
    const Bars& bars = diagram.dimensions[d];
    for (size_t i = 0; i < bars.size(); ++i) {
      const Bar& b = bars[i];
      const char* problem = nullptr;
      if (!std::isfinite(b.birth)) {
        problem = "the birth must be finite";
      } else if (std::isnan(b.death)) {
        problem = "the death must be a number (+inf for an essential class)";
      } else if (b.death < b.birth) {
        problem = "the death must not precede the birth";
      }
      if (problem != nullptr) {
        // Appended, not "H" + std::string&&: GCC 12 at -O3 warns on that form (-Wrestrict,
        // a false positive of its string inlining).
        std::string message = "H";
        message += std::to_string(d) + " bar " + std::to_string(i) + " (" + FormatFloat(b.birth) + ", " +
                   FormatFloat(b.death) + "): " + problem;
        return Status::InvalidArgument(message);
      }
    }
  }
  return Status::Ok();
}

}  // namespace panic::tda
