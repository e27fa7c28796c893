// A cochain entry of the Vietoris–Rips reduction (rips_reducer.cpp): a simplex's index
// and its coefficient in one word, and the filtration order of (diameter, index). Internal
// to tda/.
#pragma once

#include <cstdint>

namespace panic::tda::internal::reducer {

using index_t = int64_t;
// A cochain entry: the simplex index in the low 56 bits, its coefficient in the top 8.
using entry_t = uint64_t;
constexpr int kCoefShift = 56;
constexpr uint64_t kIndexMask = (uint64_t{1} << kCoefShift) - 1;

inline index_t IndexOf(entry_t e) { return static_cast<index_t>(e & kIndexMask); }
inline uint32_t CoefOf(entry_t e) { return static_cast<uint32_t>(e >> kCoefShift); }
inline entry_t MakeEntry(index_t i, uint32_t c) {
  return static_cast<uint64_t>(i) | (static_cast<uint64_t>(c) << kCoefShift);
}

struct DiamEntry {
  float diam;
  entry_t entry;
};
// Whether (da, ia) comes before (db, ib) in the filtration order.
inline bool Earlier(float da, index_t ia, float db, index_t ib) {
  return da < db || (da == db && ia > ib);
}

}  // namespace panic::tda::internal::reducer
