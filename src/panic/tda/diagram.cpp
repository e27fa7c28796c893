#include "panic/tda/diagram.h"

#include <algorithm>

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

}  // namespace panic::tda
