// Persistent entropy (Chintakunta, Gentimis, Gonzalez-Diaz, Jimenez, Krim 2015; Atienza
// et al. 2019), as the Python reference stored it: per dimension, drop essential bars,
// ℓᵢ = death − birth, pᵢ = ℓᵢ / Σℓ, E = −Σ pᵢ ln pᵢ (natural log); an empty diagram
// (or one with only essential bars) gives 0.
#pragma once

#include <vector>

#include "panic/tda/diagram.h"

namespace panic::tda {

// One value per dimension of the diagram; computed in double, returned as float.
std::vector<float> PersistentEntropy(const Diagram& diagram);

// The entropy of one dimension's bars.
double PersistentEntropyOf(const Bars& bars);

}  // namespace panic::tda
