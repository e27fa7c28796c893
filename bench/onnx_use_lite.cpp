// USELite through the ONNX backend next to the native USELite, on the same captions.
//
//   bench_onnx_use_lite [--seconds S] [--model DIR]
//
// DIR is a folder made by tools/onnx/use_lite_to_onnx.py; without --model the export is made
// into a temporary folder first (/usr/bin/python3 with python3-onnx). Texts per second for
// batches of 1, 32 and 256 captions (tools/use_lite_reference/captions.json), one caller:
//   native:           models/native (our AVX-512 kernel where the CPU has it, else OpenBLAS)
//   onnx, 1 thread:   ONNX Runtime's CPU provider, one intra-op thread (what the registry
//                     gives an embedding model: the engine embeds one batch per thread)
//   onnx, 2 threads:  the same session options with two intra-op threads
// and texts per CPU second of the one-thread runs (steadier on a shared machine), plus the
// load time of each. Needs the USELite weights (scripts/fetch_models.sh) and ONNX Runtime.
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <functional>
#include <sstream>
#include <string>
#include <vector>

#include <unistd.h>

#include <nlohmann/json.hpp>

#include "panic/models/native/use_lite_model.h"
#include "panic/models/onnx/onnx_embedding_models.h"

#include "bench_clock.h"

namespace {

using panic::bench::CpuSeconds;
using panic::bench::Seconds;

using Clock = std::chrono::steady_clock;
using panic::models::Payload;
using panic::models::native::UseLiteModel;
using panic::models::onnx::OnnxTextEmbedding;

struct Rate {
  double per_second = 0;
  double per_cpu_second = 0;
};

std::vector<std::string> Captions() {
  std::ifstream in(std::string(PANIC_SOURCE_DIR) + "/tools/use_lite_reference/captions.json");
  std::stringstream text;
  text << in.rdbuf();
  return nlohmann::json::parse(text.str()).get<std::vector<std::string>>();
}

// Texts per second of `embed` on batches of `batch` captions, for about `seconds`.
Rate Throughput(const std::function<void(const std::vector<std::string>&)>& embed,
                const std::vector<std::string>& captions, int batch, double seconds) {
  auto batch_at = [&](size_t start) {
    std::vector<std::string> texts;
    for (int i = 0; i < batch; ++i) texts.push_back(captions[(start + i) % captions.size()]);
    return texts;
  };
  embed(batch_at(0));  // warm-up
  long done = 0;
  size_t next = 0;
  const double cpu = CpuSeconds();
  const auto start = Clock::now();
  while (Seconds(start) < seconds) {
    embed(batch_at(next));
    next += static_cast<size_t>(batch);
    done += batch;
  }
  return {done / Seconds(start), done / (CpuSeconds() - cpu)};
}

}  // namespace

int main(int argc, char** argv) {
  double seconds = 3;
  std::string model_dir;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--seconds" && i + 1 < argc) {
      seconds = std::atof(argv[++i]);
    } else if (a == "--model" && i + 1 < argc) {
      model_dir = argv[++i];
    } else {
      std::fprintf(stderr, "usage: bench_onnx_use_lite [--seconds S] [--model DIR]\n");
      return 2;
    }
  }
  std::filesystem::path temp;
  if (model_dir.empty()) {
    temp = std::filesystem::temp_directory_path() / ("bench_onnx_use_lite." + std::to_string(getpid()));
    const std::string cmd = "/usr/bin/python3 '" + std::string(PANIC_SOURCE_DIR) + "/tools/onnx/use_lite_to_onnx.py' '" +
                            temp.string() + "'";
    if (std::system(cmd.c_str()) != 0) {
      std::fprintf(stderr, "the export failed: %s\n", cmd.c_str());
      return 1;
    }
    model_dir = temp.string();
  }
  const auto captions = Captions();

  auto t0 = Clock::now();
  auto native = UseLiteModel::LoadDefault();
  const double native_load = Seconds(t0);
  if (!native.ok()) {
    std::fprintf(stderr, "%s\n", native.status().ToString().c_str());
    return 1;
  }
  auto manifest = panic::models::onnx::LoadManifest(model_dir);
  if (!manifest.ok()) {
    std::fprintf(stderr, "%s\n", manifest.status().ToString().c_str());
    return 1;
  }
  panic::models::onnx::SessionOptions one, two;
  two.intra_op_threads = 2;
  t0 = Clock::now();
  auto onnx1 = OnnxTextEmbedding::Load(*manifest, one);
  const double onnx_load = Seconds(t0);
  auto onnx2 = OnnxTextEmbedding::Load(*manifest, two);
  if (!onnx1.ok() || !onnx2.ok()) {
    std::fprintf(stderr, "%s\n", (onnx1.ok() ? onnx2.status() : onnx1.status()).ToString().c_str());
    return 1;
  }
  auto onnx_embed = [](OnnxTextEmbedding& m) {
    return [&m](const std::vector<std::string>& texts) {
      std::vector<Payload> in(texts.begin(), texts.end());
      (void)m.EmbedBatch(in);
    };
  };
  std::printf("ONNX Runtime %s; load: native %.3f s, onnx %.3f s\n", panic::models::onnx::OnnxRuntimeVersion().c_str(),
              native_load, onnx_load);
  std::printf("%6s %14s %16s %17s %16s %16s %8s\n", "batch", "native text/s", "onnx 1 thr t/s", "onnx 2 thr t/s",
              "native /CPU s", "onnx /CPU s", "ratio");
  for (int batch : {1, 32, 256}) {
    const Rate n = Throughput([&](const std::vector<std::string>& t) { (*native)->EmbedTexts(t); }, captions, batch, seconds);
    const Rate o1 = Throughput(onnx_embed(**onnx1), captions, batch, seconds);
    const Rate o2 = Throughput(onnx_embed(**onnx2), captions, batch, seconds);
    std::printf("%6d %14.0f %16.0f %17.0f %16.0f %16.0f %7.2fx\n", batch, n.per_second, o1.per_second, o2.per_second,
                n.per_cpu_second, o1.per_cpu_second, n.per_cpu_second / o1.per_cpu_second);
  }
  if (!temp.empty()) std::filesystem::remove_all(temp);
  return 0;
}
