#include "panic/cli/diagram_output.h"

#include <cmath>
#include <cstdio>
#include <sstream>

namespace panic::cli {

std::string FormatValue(double v) {
  if (std::isinf(v)) return v > 0 ? "inf" : "-inf";
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.9g", v);
  return buf;
}

std::string DiagramText(const tda::Diagram& diagram, const std::vector<float>& entropy) {
  std::ostringstream os;
  for (size_t k = 0; k < diagram.num_dimensions(); ++k) {
    const tda::Bars& bars = diagram.bars(k);
    os << "# H" << k << ": " << bars.size() << (bars.size() == 1 ? " bar" : " bars") << ", entropy "
       << (k < entropy.size() ? FormatValue(entropy[k]) : std::string("-")) << "\n";
    for (const tda::Bar& b : bars) os << k << " " << FormatValue(b.birth) << " " << FormatValue(b.death) << "\n";
  }
  return os.str();
}

}  // namespace panic::cli
