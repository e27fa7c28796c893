// The independent oracles of the diagram-distance tests (tests/tda/diagram_distance_test.cpp,
// tests/analysis/exact_wasserstein_test.cpp), computed for many pairs of diagrams in one
// python3 process:
//   - GUDHI's own bottleneck distance (gudhi.bottleneck_distance, not Hera's code);
//   - the exact p-Wasserstein distance, p = 1, 2, 3, from scipy's linear_sum_assignment on
//     the full (n + m) × (n + m) cost matrix with the diagonal copies (dense, no pruning, not
//     Hera's auction);
//   - Hera's auction through GUDHI (gudhi.hera.wasserstein_distance), p = 1, 2, at delta 1e-9.
// Plus the random grid diagrams both suites feed them.
#pragma once

#include <gtest/gtest.h>

#include <cstdio>
#include <limits>
#include <random>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "panic/tda/diagram.h"
#include "support/test_support.h"

namespace panic::testing {

// Random bars on a coarse grid, so that ties and duplicates occur; some on the diagonal
// (death = birth), and `essential` bars that never die.
inline tda::Bars GridBars(std::mt19937_64& rng, size_t n, int grid, size_t essential) {
  std::uniform_int_distribution<int> u(0, grid);
  tda::Bars bars;
  for (size_t i = 0; i < n; ++i) {
    float b = static_cast<float>(u(rng)) / static_cast<float>(grid);
    float d = b + static_cast<float>(u(rng) / 2) / static_cast<float>(grid);  // may equal b
    bars.push_back(tda::Bar{b, d});
  }
  for (size_t i = 0; i < essential; ++i) {
    bars.push_back(tda::Bar{static_cast<float>(u(rng)) / grid, std::numeric_limits<float>::infinity()});
  }
  return bars;
}

// The bars as a Python list of [birth, death] pairs, every float exactly (%.17g).
inline std::string PyList(const tda::Bars& bars) {
  std::string s = "[";
  for (const tda::Bar& b : bars) {
    char buf[80];
    if (b.IsEssential()) {
      std::snprintf(buf, sizeof buf, "[%.17g,float('inf')],", static_cast<double>(b.birth));
    } else {
      std::snprintf(buf, sizeof buf, "[%.17g,%.17g],", static_cast<double>(b.birth), static_cast<double>(b.death));
    }
    s += buf;
  }
  return s + "]";
}

// For each pair: GUDHI's bottleneck, exact W1, W2, W3 (scipy, dense), Hera's W1, W2.
inline constexpr const char* kDiagramOracleScript = R"PY(
import sys, math, numpy as np, gudhi, gudhi.hera
from scipy.optimize import linear_sum_assignment

def exact_wasserstein(a, b, p):
    fa = a[np.isfinite(a[:, 1])]; fb = b[np.isfinite(b[:, 1])]
    ea = np.sort(a[~np.isfinite(a[:, 1])][:, 0]); eb = np.sort(b[~np.isfinite(b[:, 1])][:, 0])
    if len(ea) != len(eb): return math.inf
    fa = fa[fa[:, 1] > fa[:, 0]]; fb = fb[fb[:, 1] > fb[:, 0]]
    n, m = len(fa), len(fb)
    cost = np.zeros((n + m, n + m))
    if n and m:
        cost[:n, :m] = np.maximum(np.abs(fa[:, None, 0] - fb[None, :, 0]), np.abs(fa[:, None, 1] - fb[None, :, 1])) ** p
    if n: cost[:n, m:] = (((fa[:, 1] - fa[:, 0]) / 2) ** p)[:, None]
    if m: cost[n:, :m] = (((fb[:, 1] - fb[:, 0]) / 2) ** p)[None, :]
    rows, cols = linear_sum_assignment(cost)
    return (cost[rows, cols].sum() + (np.abs(ea - eb) ** p).sum()) ** (1.0 / p)

for line in sys.stdin:
    a, b = eval(line)
    a = np.array(a, dtype=float).reshape(-1, 2); b = np.array(b, dtype=float).reshape(-1, 2)
    print('%.17g %.17g %.17g %.17g %.17g %.17g' % (
        gudhi.bottleneck_distance(a, b),
        exact_wasserstein(a, b, 1), exact_wasserstein(a, b, 2), exact_wasserstein(a, b, 3),
        gudhi.hera.wasserstein_distance(a, b, order=1, internal_p=np.inf, delta=1e-9),
        gudhi.hera.wasserstein_distance(a, b, order=2, internal_p=np.inf, delta=1e-9)))
)PY";

struct DiagramOracleValues {
  double bottleneck, w1, w2, w3, hera_w1, hera_w2;
};

// One value set per pair, in order (a test failure when python3 fails or a line is missing).
inline std::vector<DiagramOracleValues> RunDiagramOracle(const std::vector<std::pair<tda::Bars, tda::Bars>>& pairs) {
  TempDir dir;
  WriteFile(dir.File("oracle.py"), kDiagramOracleScript);
  std::string input;
  for (const auto& [a, b] : pairs) input += "(" + PyList(a) + "," + PyList(b) + ")\n";
  WriteFile(dir.File("pairs.txt"), input);
  auto r = RunShell("/usr/bin/python3 " + dir.File("oracle.py") + " < " + dir.File("pairs.txt"));
  EXPECT_EQ(r.exit_code, 0) << r.err;
  std::vector<DiagramOracleValues> out;
  std::istringstream in(r.out);
  std::string line;
  while (std::getline(in, line)) {
    DiagramOracleValues v{};
    // %lf reads "inf" as well.
    if (std::sscanf(line.c_str(), "%lf %lf %lf %lf %lf %lf", &v.bottleneck, &v.w1, &v.w2, &v.w3, &v.hera_w1,
                    &v.hera_w2) == 6) {
      out.push_back(v);
    }
  }
  EXPECT_EQ(out.size(), pairs.size()) << r.out;
  return out;
}

inline bool HaveDiagramOracles() {
  return RunShell("/usr/bin/python3 -c 'import gudhi, gudhi.hera, scipy.optimize'").exit_code == 0;
}

}  // namespace panic::testing
