#include "panic/tda/persistent_entropy.h"

#include <cmath>

namespace panic::tda {

double PersistentEntropyOf(const Bars& bars) {
  double total = 0;
  for (const Bar& b : bars) {
    if (!b.IsEssential()) total += static_cast<double>(b.death) - b.birth;
  }
  if (!(total > 0)) return 0.0;
  double entropy = 0;
  for (const Bar& b : bars) {
    if (b.IsEssential()) continue;
    double p = (static_cast<double>(b.death) - b.birth) / total;
    if (p > 0) entropy -= p * std::log(p);
  }
  return entropy;
}

std::vector<float> PersistentEntropy(const Diagram& diagram) {
  std::vector<float> out;
  for (const Bars& bars : diagram.dimensions) out.push_back(static_cast<float>(PersistentEntropyOf(bars)));
  return out;
}

}  // namespace panic::tda
