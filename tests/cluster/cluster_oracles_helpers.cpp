#include "cluster/cluster_oracles.h"

#include <cmath>
#include <cstdio>
#include <fstream>
#include <limits>
#include <sstream>

#include "support/test_support.h"

namespace panic::testing {
namespace {

void WriteFloats(const std::string& path, const std::vector<float>& values) {
  std::ofstream out(path, std::ios::binary);
  out.write(reinterpret_cast<const char*>(values.data()),
            static_cast<std::streamsize>(values.size() * sizeof(float)));
}

std::vector<std::string> Lines(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    if (!line.empty()) lines.push_back(line);
  }
  return lines;
}

}  // namespace

bool HaveRDbscan() {
  static const bool have =
      RunShell("Rscript -e 'suppressMessages(library(dbscan))' >/dev/null 2>&1").exit_code == 0;
  return have;
}

bool HaveSklearn() {
  static const bool have =
      RunShell("/usr/bin/python3 -c 'import sklearn.cluster' >/dev/null 2>&1").exit_code == 0;
  return have;
}

std::vector<float> Normalized(const std::vector<float>& values, size_t dim) {
  std::vector<float> out = values;
  for (size_t i = 0; i < out.size() / dim; ++i) {
    double s = 0;
    for (size_t k = 0; k < dim; ++k) s += static_cast<double>(out[i * dim + k]) * out[i * dim + k];
    if (s == 0) continue;
    const double inv = 1.0 / std::sqrt(s);
    for (size_t k = 0; k < dim; ++k) out[i * dim + k] = static_cast<float>(out[i * dim + k] * inv);
  }
  return out;
}

std::vector<int32_t> RHdbscanLabels(const std::vector<float>& values, size_t n, size_t dim,
                                    size_t min_pts) {
  TempDir dir;
  const std::string in = dir.File("x.f32"), out = dir.File("labels.txt"), script = dir.File("h.R");
  WriteFloats(in, values);
  WriteFile(script,
            "a <- commandArgs(TRUE)\n"
            "n <- as.integer(a[2]); d <- as.integer(a[3])\n"
            "x <- matrix(readBin(a[1], 'double', n * d, size = 4), nrow = n, byrow = TRUE)\n"
            "cl <- dbscan::hdbscan(x, minPts = as.integer(a[4]))\n"
            "writeLines(as.character(cl$cluster), a[5])\n");
  CommandResult r = RunShell("Rscript " + ShellQuote(script) + " " + ShellQuote(in) + " " +
                             std::to_string(n) + " " + std::to_string(dim) + " " +
                             std::to_string(min_pts) + " " + ShellQuote(out));
  if (r.exit_code != 0) return {};
  std::vector<int32_t> labels;
  for (const std::string& line : Lines(ReadFile(out))) labels.push_back(std::stoi(line) - 1);
  return labels;
}

SklearnOptics RunSklearnOptics(const std::vector<float>& values, size_t n, size_t dim,
                               size_t min_samples, double max_eps, double xi,
                               size_t min_cluster_size) {
  TempDir dir;
  const std::string in = dir.File("x.f32"), script = dir.File("o.py");
  WriteFloats(in, values);
  char eps[64];
  std::snprintf(eps, sizeof eps, "%.17g", max_eps);
  WriteFile(script,
            "import sys, numpy as np\n"
            "from sklearn.cluster import OPTICS\n"
            "x = np.fromfile(sys.argv[1], dtype=np.float32).reshape(int(sys.argv[2]), "
            "int(sys.argv[3])).astype(np.float64)\n"
            "me = float(sys.argv[5])\n"
            "o = OPTICS(min_samples=int(sys.argv[4]), max_eps=me, xi=float(sys.argv[6]), "
            "min_cluster_size=int(sys.argv[7]), metric='euclidean').fit(x)\n"
            "print(' '.join(str(v) for v in o.labels_))\n"
            "print(' '.join(str(v) for v in o.ordering_))\n"
            "print(' '.join(repr(float(v)) for v in o.reachability_))\n"
            "print(' '.join(repr(float(v)) for v in o.core_distances_))\n");
  CommandResult r =
      RunShell("/usr/bin/python3 " + ShellQuote(script) + " " + ShellQuote(in) + " " +
               std::to_string(n) + " " + std::to_string(dim) + " " + std::to_string(min_samples) +
               " " + (std::isinf(max_eps) ? std::string("inf") : std::string(eps)) + " " +
               std::to_string(xi) + " " + std::to_string(min_cluster_size));
  SklearnOptics o;
  if (r.exit_code != 0) return o;
  std::vector<std::string> lines = Lines(r.out);
  if (lines.size() != 4) return o;
  auto numbers = [](const std::string& line) {
    std::vector<double> v;
    std::istringstream stream(line);
    std::string tok;
    while (stream >> tok) v.push_back(tok == "inf" ? std::numeric_limits<double>::infinity() : std::stod(tok));
    return v;
  };
  for (double v : numbers(lines[0])) o.labels.push_back(static_cast<int32_t>(v));
  for (double v : numbers(lines[1])) o.ordering.push_back(static_cast<int64_t>(v));
  o.reachability = numbers(lines[2]);
  o.core_distances = numbers(lines[3]);
  return o;
}

}  // namespace panic::testing
