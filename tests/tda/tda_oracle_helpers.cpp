#include "tda/tda_oracle_helpers.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <functional>
#include <limits>
#include <random>
#include <sstream>

#include "panic/tda/diagram_distance.h"
#include "support/test_support.h"
#include "support/walk_cloud.h"

namespace panic::testing {
namespace {

std::string FormatFloat(double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.9g", v);
  return buf;
}

tda::Diagram ParseRipserOutput(const std::string& out, int maxdim) {
  tda::Diagram d;
  d.dimensions.resize(static_cast<size_t>(maxdim) + 1);
  std::istringstream in(out);
  std::string line;
  int dim = -1;
  while (std::getline(in, line)) {
    if (line.rfind("persistence intervals in dim ", 0) == 0) {
      dim = std::stoi(line.substr(29));
      continue;
    }
    size_t open = line.find('[');
    if (dim < 0 || open == std::string::npos) continue;
    size_t comma = line.find(',', open);
    size_t close = line.find(')', comma);
    tda::Bar bar;
    bar.birth = std::stof(line.substr(open + 1, comma - open - 1));
    std::string death = line.substr(comma + 1, close - comma - 1);
    bar.death = death == " " ? std::numeric_limits<float>::infinity() : std::stof(death);
    d.dimensions[static_cast<size_t>(dim)].push_back(bar);
  }
  tda::SortBars(d);
  return d;
}

tda::Diagram RunRipserOn(const std::string& contents, const std::string& args, int maxdim,
                         const std::string& binary = "/usr/bin/ripser") {
  TempDir dir;
  std::string file = dir.File("input.txt");
  WriteFile(file, contents);
  CommandResult r = RunShell(binary + " " + args + " --dim " + std::to_string(maxdim) +
                             " " + ShellQuote(file));
  if (r.exit_code != 0) return {};
  return ParseRipserOutput(r.out, maxdim);
}

// Maximum bipartite matching (Kuhn) of a's bars to b's within tol per coordinate.
std::string CompareBars(const tda::Bars& a, const tda::Bars& b, double tol, size_t dim) {
  auto close = [tol](const tda::Bar& x, const tda::Bar& y) {
    bool births = std::fabs(x.birth - y.birth) <= tol;
    bool deaths = (x.IsEssential() && y.IsEssential()) ||
                  (!x.IsEssential() && !y.IsEssential() && std::fabs(x.death - y.death) <= tol);
    return births && deaths;
  };
  std::vector<std::vector<size_t>> adj(a.size());
  for (size_t i = 0; i < a.size(); ++i) {
    for (size_t j = 0; j < b.size(); ++j) {
      if (close(a[i], b[j])) adj[i].push_back(j);
    }
  }
  std::vector<long> match_b(b.size(), -1);
  std::vector<char> seen;
  std::function<bool(size_t)> augment = [&](size_t i) {
    for (size_t j : adj[i]) {
      if (seen[j]) continue;
      seen[j] = 1;
      if (match_b[j] < 0 || augment(static_cast<size_t>(match_b[j]))) {
        match_b[j] = static_cast<long>(i);
        return true;
      }
    }
    return false;
  };
  std::vector<char> matched_a(a.size(), 0);
  for (size_t i = 0; i < a.size(); ++i) {
    seen.assign(b.size(), 0);
    if (augment(i)) matched_a[i] = 1;
  }
  auto describe = [&](const char* side, const tda::Bar& bar) {
    std::ostringstream s;
    s << "H" << dim << ": bar [" << FormatFloat(bar.birth) << ", " << FormatFloat(bar.death)
      << ") of " << side << " has no partner (sizes " << a.size() << " vs " << b.size() << ")";
    return s.str();
  };
  for (size_t i = 0; i < a.size(); ++i) {
    if (!matched_a[i] && !(a[i].Persistence() <= 2 * tol)) return describe("first", a[i]);
  }
  for (size_t j = 0; j < b.size(); ++j) {
    if (match_b[j] < 0 && !(b[j].Persistence() <= 2 * tol)) return describe("second", b[j]);
  }
  return "";
}

std::vector<float> UnitVector(std::mt19937_64& rng, size_t dim) {
  std::normal_distribution<double> g(0.0, 1.0);
  std::vector<double> v(dim);
  double s = 0;
  for (double& x : v) {
    x = g(rng);
    s += x * x;
  }
  std::vector<float> out(dim);
  for (size_t k = 0; k < dim; ++k) out[k] = static_cast<float>(v[k] / std::sqrt(s));
  return out;
}

}  // namespace

bool HaveRipser() { return std::filesystem::exists("/usr/bin/ripser"); }

tda::Diagram RipserOnCloud(const PointCloud& cloud, int maxdim, double threshold) {
  std::string text;
  for (size_t i = 0; i < cloud.n; ++i) {
    for (size_t k = 0; k < cloud.dim; ++k) {
      if (k) text += ',';
      text += FormatFloat(cloud.values[i * cloud.dim + k]);
    }
    text += '\n';
  }
  std::string args = "--format point-cloud";
  if (threshold >= 0) args += " --threshold " + FormatFloat(threshold);
  return RunRipserOn(text, args, maxdim);
}

tda::Diagram RipserOnLowerDistances(const std::vector<double>& full, size_t n, int maxdim,
                                    int modulus) {
  std::string text;
  for (size_t i = 1; i < n; ++i) {
    for (size_t j = 0; j < i; ++j) {
      if (j) text += ',';
      text += FormatFloat(full[i * n + j]);
    }
    text += '\n';
  }
  std::string args = "--format lower-distance";
  if (modulus != 2) {
    return RunRipserOn(text, args + " --modulus " + std::to_string(modulus), maxdim,
                       "/usr/bin/ripser-coeff");
  }
  return RunRipserOn(text, args, maxdim);
}

tda::Diagram RipserOnSparseEdges(const std::vector<float>& full, size_t n, int maxdim,
                                 double threshold) {
  std::string text;
  for (size_t i = 1; i < n; ++i) {
    for (size_t j = 0; j < i; ++j) {
      const float v = full[i * n + j];
      if (std::isfinite(v) && v <= threshold) {
        text += std::to_string(i) + " " + std::to_string(j) + " " + FormatFloat(v) + "\n";
      }
    }
  }
  // ripser sizes the vertex set by the largest index it reads: name the last vertex.
  if (n > 1) text += std::to_string(n - 1) + " " + std::to_string(n - 1) + " 0\n";
  return RunRipserOn(text, "--format sparse --threshold " + FormatFloat(threshold), maxdim);
}

std::string CompareDiagrams(const tda::Diagram& a, const tda::Diagram& b, double tol) {
  size_t dims = std::max(a.num_dimensions(), b.num_dimensions());
  for (size_t d = 0; d < dims; ++d) {
    std::string m = CompareBars(a.bars(d), b.bars(d), tol, d);
    if (!m.empty()) return m;
  }
  return "";
}

PointCloud Circle(size_t n, double noise, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::normal_distribution<double> g(0.0, noise);
  PointCloud c{n, 2, {}};
  for (size_t i = 0; i < n; ++i) {
    double t = 2 * M_PI * static_cast<double>(i) / static_cast<double>(n);
    c.values.push_back(static_cast<float>(std::cos(t) + (noise > 0 ? g(rng) : 0.0)));
    c.values.push_back(static_cast<float>(std::sin(t) + (noise > 0 ? g(rng) : 0.0)));
  }
  return c;
}

PointCloud SphereSample(size_t n, uint64_t seed) {
  std::mt19937_64 rng(seed);
  PointCloud c{n, 3, {}};
  for (size_t i = 0; i < n; ++i) {
    auto v = UnitVector(rng, 3);
    c.values.insert(c.values.end(), v.begin(), v.end());
  }
  return c;
}

PointCloud GaussianCloud(size_t n, size_t dim, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::normal_distribution<double> g(0.0, 1.0 / std::sqrt(static_cast<double>(dim)));
  PointCloud c{n, dim, {}};
  for (size_t i = 0; i < n * dim; ++i) c.values.push_back(static_cast<float>(g(rng)));
  return c;
}

PointCloud WalkCloud(size_t n, size_t dim, uint64_t seed) { return {n, dim, WalkCloudPoints(n, dim, seed)}; }

PointCloud UnitSphereWalk(size_t n, size_t dim, double step, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::normal_distribution<double> g(0.0, step);
  PointCloud c{n, dim, {}};
  auto first = UnitVector(rng, dim);
  std::vector<double> x(first.begin(), first.end());
  for (size_t i = 0; i < n; ++i) {
    if (i > 0) {
      for (double& v : x) v += g(rng);
    }
    double s = 0;
    for (double v : x) s += v * v;
    s = std::sqrt(s);
    for (double& v : x) v /= s;
    for (double v : x) c.values.push_back(static_cast<float>(v));
  }
  return c;
}

// A noisy torus in R³ (radii 1 and 0.4): one H2 and two H1 classes, and loops at every scale.
PointCloud NoisyTorus(size_t n, double noise, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<double> angle(0, 2 * M_PI);
  std::normal_distribution<double> g(0.0, noise);
  PointCloud c{n, 3, {}};
  for (size_t i = 0; i < n; ++i) {
    const double u = angle(rng), v = angle(rng);
    const double r = 1 + 0.4 * std::cos(v);
    c.values.push_back(static_cast<float>(r * std::cos(u) + g(rng)));
    c.values.push_back(static_cast<float>(r * std::sin(u) + g(rng)));
    c.values.push_back(static_cast<float>(0.4 * std::sin(v) + g(rng)));
  }
  return c;
}

// n points of the 4 × 4 × 4 lattice drawn with repetition from rng: ties everywhere.
PointCloud LatticeCloud(size_t n, std::mt19937_64& rng) {
  std::uniform_int_distribution<int> coordinate(0, 3);
  PointCloud grid{n, 3, {}};
  for (size_t i = 0; i < grid.n * grid.dim; ++i) grid.values.push_back(static_cast<float>(coordinate(rng)));
  return grid;
}
PointCloud LatticeCloud(size_t n, uint64_t seed) {
  std::mt19937_64 rng(seed);
  return LatticeCloud(n, rng);
}

// The bottleneck distance of two diagrams with every bar read as (ln birth, ln death),
// the largest over dimensions. H0 bars are all born at 0 (ln = −inf, infinitely far from
// the diagonal), so they must match one to one: sorted deaths, paired in order (optimal
// for points on a line). Returns +inf when the H0 counts or essential counts differ.
double LogBottleneck(const tda::Diagram& a, const tda::Diagram& b) {
  double worst = 0;
  std::vector<float> da, db;
  for (const tda::Bar& x : a.bars(0)) da.push_back(x.death);
  for (const tda::Bar& x : b.bars(0)) db.push_back(x.death);
  if (da.size() != db.size()) return std::numeric_limits<double>::infinity();
  std::sort(da.begin(), da.end());
  std::sort(db.begin(), db.end());
  for (size_t i = 0; i < da.size(); ++i) {
    if (std::isinf(da[i]) != std::isinf(db[i])) return std::numeric_limits<double>::infinity();
    if (!std::isinf(da[i])) worst = std::max(worst, std::fabs(std::log(double(da[i]) / db[i])));
  }
  auto log_bars = [](const tda::Bars& bars) {
    tda::Bars out;
    for (const tda::Bar& x : bars) {
      EXPECT_GT(x.birth, 0.0f);
      out.push_back(tda::Bar{std::log(x.birth), x.IsEssential() ? std::numeric_limits<float>::infinity() : std::log(x.death)});
    }
    return out;
  };
  const size_t dims = std::max(a.num_dimensions(), b.num_dimensions());
  for (size_t k = 1; k < dims; ++k) {
    auto d = tda::BottleneckDistance(log_bars(a.bars(k)), log_bars(b.bars(k)));
    EXPECT_TRUE(d.ok()) << d.status().ToString();
    if (d.ok()) worst = std::max(worst, *d);
  }
  return worst;
}

}  // namespace panic::testing
