// Times ComputeRips on a 768-D walk cloud (the shape of real trajectories: a random
// walk on the unit sphere that now and then returns near an earlier point).
//
//   bench_ph_rips [N=1000] [MAXDIM=2] [THREADS=1] [DIM=768] [SEED=1] [PREFIX]
//
// Prints the wall time and the bar counts. With PREFIX it computes nothing and writes the
// cloud instead: PREFIX.npy (float32, N × DIM) and PREFIX.txt (CSV, ripser's input). scripts/bench_ph.sh compares the CLI with
// Debian's ripser and GUDHI's on the same clouds, input parsing included.
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "panic/store/npy_codec.h"
#include "panic/tda/rips.h"
#include "support/walk_cloud.h"


namespace {

int WriteCloud(const std::string& prefix, const std::vector<float>& points, size_t n, size_t dim) {
  const std::string npy = panic::store::EncodeNpy(panic::store::MakeNpyFloat32(points, {n, dim}));
  std::FILE* f = std::fopen((prefix + ".npy").c_str(), "wb");
  std::FILE* t = std::fopen((prefix + ".txt").c_str(), "w");
  bool ok = f && t && std::fwrite(npy.data(), 1, npy.size(), f) == npy.size();
  for (size_t i = 0; ok && i < n; ++i) {
    for (size_t k = 0; k < dim; ++k) std::fprintf(t, k ? ",%.9g" : "%.9g", static_cast<double>(points[i * dim + k]));
    std::fputc('\n', t);
  }
  if (f && std::fclose(f) != 0) ok = false;
  if (t && std::fclose(t) != 0) ok = false;
  if (!ok) std::fprintf(stderr, "cannot write %s.npy / %s.txt\n", prefix.c_str(), prefix.c_str());
  return ok ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
  size_t n = argc > 1 ? std::strtoul(argv[1], nullptr, 10) : 1000;
  int maxdim = argc > 2 ? std::atoi(argv[2]) : 2;
  int threads = argc > 3 ? std::atoi(argv[3]) : 1;
  size_t dim = argc > 4 ? std::strtoul(argv[4], nullptr, 10) : 768;
  uint64_t seed = argc > 5 ? std::strtoull(argv[5], nullptr, 10) : 1;
  std::vector<float> points = panic::testing::WalkCloudPoints(n, dim, seed);
  if (argc > 6) return WriteCloud(argv[6], points, n, dim);
  panic::tda::RipsOptions options;
  options.maxdim = maxdim;
  options.threads = threads;
  auto start = std::chrono::steady_clock::now();
  auto diagram = panic::tda::ComputeRips(points, n, dim, options);
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  if (!diagram.ok()) {
    std::fprintf(stderr, "%s\n", diagram.status().ToString().c_str());
    return 1;
  }
  std::printf("n=%zu dim=%zu maxdim=%d threads=%d seconds=%.3f bars=", n, dim, maxdim, threads,
              seconds);
  for (size_t d = 0; d < diagram->num_dimensions(); ++d) {
    std::printf("%s%zu", d ? "/" : "", diagram->bars(d).size());
  }
  std::printf("\n");
  return 0;
}
