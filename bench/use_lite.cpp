// USELite throughput and load time, next to the JavaScript reference on the same captions.
//
//   bench_use_lite [--seconds S] [--no-reference] [--no-openblas]
//
// Texts per second for batches of 1, 32 and 256 captions (tools/use_lite_reference/
// captions.json: 256 captions of 7–20 words), with the default matrix-product kernel
// (BestGemmKernel(): our AVX-512 kernel where the CPU has it) and, for comparison, with
// OpenBLAS (as the environment configures it):
//   1 thread:            one caller, matrix products on one thread;
//   2 callers:           two threads embedding their own batches from the shared model;
//   1 caller, 2 threads: one caller, OpenBLAS's products on two threads (its pool);
//   per CPU s:           texts per CPU second of the 1-thread run, the steadiest figure on a
//                        shared machine.
// The reference is tools/use_lite_reference/bench.js under Node (TF.js wasm backend), run
// when Node and the packages (scripts/gen_use_lite_fixture.sh installs them) are present.
#include <algorithm>
#include <chrono>
#include <ctime>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "panic/models/native/gemm.h"
#include "panic/models/native/use_lite_model.h"

#include "bench_clock.h"

namespace {

using panic::bench::CpuSeconds;
using panic::bench::Seconds;

using Clock = std::chrono::steady_clock;
using panic::models::native::UseLiteModel;

struct Rate {
  double per_second = 0;      // texts per wall-clock second
  double per_cpu_second = 0;  // texts per CPU second of this process
};

std::vector<std::string> Captions() {
  std::ifstream in(std::string(PANIC_SOURCE_DIR) + "/tools/use_lite_reference/captions.json");
  std::stringstream text;
  text << in.rdbuf();
  return nlohmann::json::parse(text.str()).get<std::vector<std::string>>();
}

// Texts per second with `callers` threads each embedding batches of `batch` captions.
Rate Throughput(const UseLiteModel& model, const std::vector<std::string>& captions, int batch, int callers,
                  double seconds) {
  auto batch_at = [&](size_t start) {
    std::vector<std::string> texts;
    for (int i = 0; i < batch; ++i) texts.push_back(captions[(start + i) % captions.size()]);
    return texts;
  };
  model.EmbedTexts(batch_at(0));  // warm-up
  std::vector<long> done(callers, 0);
  const double cpu_start = CpuSeconds();
  const auto start = Clock::now();
  std::vector<std::thread> threads;
  for (int c = 0; c < callers; ++c) {
    threads.emplace_back([&, c] {
      size_t next = static_cast<size_t>(c) * 97;
      while (Seconds(start) < seconds) {
        model.EmbedTexts(batch_at(next));
        next += batch;
        done[c] += batch;
      }
    });
  }
  for (auto& t : threads) t.join();
  const double elapsed = Seconds(start);
  const double cpu = CpuSeconds() - cpu_start;
  long total = 0;
  for (long d : done) total += d;
  return {static_cast<double>(total) / elapsed, static_cast<double>(total) / cpu};
}

nlohmann::json RunReference(double seconds) {
  const std::string root = PANIC_SOURCE_DIR;
  const std::string modules = root + "/third_party/npm/use_lite_reference";
  if (!std::filesystem::exists(modules + "/node_modules/@energetic-ai/embeddings")) {
    std::fprintf(stderr, "reference: %s/node_modules is missing; run scripts/gen_use_lite_fixture.sh\n",
                 modules.c_str());
    return nullptr;
  }
  const std::string cmd = "node '" + root + "/tools/use_lite_reference/bench.js' '" + modules + "' '" + root +
                          "/tools/use_lite_reference/captions.json' " + std::to_string(seconds);
  FILE* pipe = popen(cmd.c_str(), "r");
  if (pipe == nullptr) return nullptr;
  std::string out;
  char buf[4096];
  while (size_t n = fread(buf, 1, sizeof buf, pipe)) out.append(buf, n);
  if (pclose(pipe) != 0) {
    std::fprintf(stderr, "reference: node failed\n");
    return nullptr;
  }
  return nlohmann::json::parse(out, nullptr, false);
}

}  // namespace

int main(int argc, char** argv) {
  double seconds = 3;
  bool reference = true;
  bool openblas = true;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "--seconds" && i + 1 < argc) {
      seconds = std::atof(argv[++i]);
    } else if (arg == "--no-reference") {
      reference = false;
    } else if (arg == "--no-openblas") {
      openblas = false;
    } else {
      std::fprintf(stderr, "usage: %s [--seconds S] [--no-reference] [--no-openblas]\n", argv[0]);
      return 2;
    }
  }

  // Load time: five loads (the files are in the page cache after the first).
  std::vector<double> loads;
  std::unique_ptr<UseLiteModel> model;
  for (int i = 0; i < 5; ++i) {
    const auto t0 = Clock::now();
    auto loaded = UseLiteModel::LoadDefault();
    loads.push_back(Seconds(t0));
    if (!loaded.ok()) {
      std::fprintf(stderr, "%s\n", loaded.status().ToString().c_str());
      return 1;
    }
    model = std::move(loaded).value();
  }
  using panic::models::native::GemmKernel;
  std::printf("matrix products: %s\n", panic::models::native::GemmKernelDescription(model->gemm_kernel()));
  std::unique_ptr<UseLiteModel> blas_model;
  if (openblas && model->gemm_kernel() != GemmKernel::kOpenBlas) {
    auto loaded = UseLiteModel::LoadDefault(GemmKernel::kOpenBlas);
    if (loaded.ok()) blas_model = std::move(loaded).value();
  }
  std::printf("load: first %.3f s, best %.3f s, median %.3f s\n", loads[0],
              *std::min_element(loads.begin(), loads.end()),
              [&] { auto v = loads; std::sort(v.begin(), v.end()); return v[v.size() / 2]; }());

  const auto captions = Captions();
  nlohmann::json js = reference ? RunReference(seconds) : nlohmann::json(nullptr);
  if (js.is_object()) {
    std::printf("reference (Node %s backend): load %.3f s\n", js.value("backend", "?").c_str(),
                js.value("load_seconds", 0.0));
  }

  auto cell = [](double v, double against) {
    char s[64];
    if (against > 0) {
      std::snprintf(s, sizeof s, "%.0f (%.1fx)", v, v / against);
    } else {
      std::snprintf(s, sizeof s, "%.0f", v);
    }
    return std::string(s);
  };
  auto table = [&](const UseLiteModel& m) {
    const bool blas = m.gemm_kernel() == GemmKernel::kOpenBlas;
    std::printf("\n%s: texts per second (ratio to the reference)\n",
                panic::models::native::GemmKernelDescription(m.gemm_kernel()));
    std::printf("%6s %10s %14s %14s %20s | %12s %18s\n", "batch", "JS", "1 thread", "2 callers",
                "1 caller, 2 threads", "JS per CPU s", "1 thread per CPU s");
    for (int batch : {1, 32, 256}) {
      panic::models::native::SetGemmThreads(1);
      const Rate one = Throughput(m, captions, batch, 1, seconds);
      const Rate two_callers = Throughput(m, captions, batch, 2, seconds);
      Rate two_gemm;
      if (blas) {
        panic::models::native::SetGemmThreads(2);
        two_gemm = Throughput(m, captions, batch, 1, seconds);
        panic::models::native::SetGemmThreads(1);
      }
      double ref = 0, ref_cpu = 0;
      if (js.is_object()) {
        ref = js["texts_per_second"].value(std::to_string(batch), 0.0);
        ref_cpu = js["texts_per_cpu_second"].value(std::to_string(batch), 0.0);
      }
      std::printf("%6d %10.0f %14s %14s %20s | %12.0f %18s\n", batch, ref, cell(one.per_second, ref).c_str(),
                  cell(two_callers.per_second, ref).c_str(), blas ? cell(two_gemm.per_second, ref).c_str() : "-",
                  ref_cpu, cell(one.per_cpu_second, ref_cpu).c_str());
    }
  };
  table(*model);
  if (blas_model) table(*blas_model);
  return 0;
}
