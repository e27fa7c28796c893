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

nlohmann::json DiagramJson(const tda::Diagram& diagram, const std::vector<float>& entropy) {
  nlohmann::json dims = nlohmann::json::array();
  for (size_t k = 0; k < diagram.num_dimensions(); ++k) {
    nlohmann::json bars = nlohmann::json::array();
    for (const tda::Bar& b : diagram.bars(k)) {
      bars.push_back({b.birth, b.IsEssential() ? nlohmann::json(nullptr) : nlohmann::json(b.death)});
    }
    dims.push_back({{"dim", k},
                    {"bars", std::move(bars)},
                    {"entropy", k < entropy.size() ? nlohmann::json(entropy[k]) : nlohmann::json(nullptr)}});
  }
  return {{"dimensions", std::move(dims)}};
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
