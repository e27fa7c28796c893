// Round-trip overhead of the Python model worker (docs/PYTHON_WORKER.md): what one call
// costs beyond the model itself, and what each MiB of image payload adds.
//   Echo/Text          one short text to the worker and back ("echo" op): the per-call cost
//   Echo/Image/<KiB>   one raw RGB image of that size there and back (2× the payload moves)
//   PyDummyI2T/<KiB>   one image in, a caption out: the payload moves one way, plus PIL
//   PyDummyT2I         one 256×256 image out; PyDummyText one 768-d vector out
// bytes_per_second counts payload bytes moved (both directions for echo).
// Targets (issue 6): ≤ 1 ms per call, ≤ 2 ms per MiB.
//
//   ninja -C build bench_python_worker && ./build/bench/bench_python_worker
#include <benchmark/benchmark.h>

#include <memory>
#include <string>
#include <vector>

#include "panic/models/python/python_models.h"

namespace {

using namespace panic::models;
using namespace panic::models::python;

std::shared_ptr<PythonWorker> Worker() {
  static std::shared_ptr<PythonWorker> worker = [] {
    WorkerSettings s = DefaultWorkerSettings();
    s.package_dir = std::string(PANIC_SOURCE_DIR) + "/python";
    return std::make_shared<PythonWorker>(s);
  }();
  return worker;
}

ModelInfo Info(const std::string& name, ModelKind kind, Modality in, Modality out, int dim = 0) {
  return ModelInfo{name, kind, in, out, dim, "python", "", 0};
}

panic::RgbImage ImageOfKiB(int64_t kib) {
  // A square-ish image of about `kib` KiB: side = sqrt(kib·1024/3).
  int side = 1;
  while (static_cast<int64_t>(side + 1) * (side + 1) * 3 <= kib * 1024) ++side;
  panic::RgbImage img{side, side, std::vector<uint8_t>(static_cast<size_t>(side) * side * 3)};
  for (size_t i = 0; i < img.pixels.size(); ++i) img.pixels[i] = static_cast<uint8_t>(i * 2654435761u >> 13);
  return img;
}

void Echo(benchmark::State& state, std::vector<Payload> payload, Modality m) {
  auto worker = Worker();
  const ModelInfo info = Info("echo", ModelKind::kTextToImage, m, m);
  Frame request;
  request.header = {{"op", "echo"}};
  if (!AppendInputs(info, payload, request).ok()) return state.SkipWithError("bad payload");
  size_t bytes = 0;
  for (const auto& b : request.blobs) bytes += b.size();
  for (auto _ : state) {
    auto reply = worker->Call(request, 60);
    if (!reply.ok() || !reply->header.value("ok", false)) return state.SkipWithError("echo failed");
    auto out = ParseOutputs(info, *reply, payload.size());
    benchmark::DoNotOptimize(out);
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * bytes * 2));
}

void BM_EchoText(benchmark::State& state) { Echo(state, {std::string("a short prompt about a penguin")}, Modality::kText); }

void BM_EchoImage(benchmark::State& state) { Echo(state, {ImageOfKiB(state.range(0))}, Modality::kImage); }

void BM_PyDummyI2T(benchmark::State& state) {
  PythonGenAIModel model(Info("PyDummyI2T", ModelKind::kImageToText, Modality::kImage, Modality::kText), Worker());
  const std::vector<Payload> inputs = {ImageOfKiB(state.range(0))};
  const std::vector<int64_t> seeds = {42};
  for (auto _ : state) {
    auto out = model.InvokeBatch(inputs, seeds);
    if (!out.ok()) return state.SkipWithError(out.status().ToString().c_str());
  }
  state.SetBytesProcessed(state.iterations() * static_cast<int64_t>(std::get<panic::RgbImage>(inputs[0]).pixels.size()));
}

void BM_PyDummyT2I(benchmark::State& state) {
  PythonGenAIModel model(Info("PyDummyT2I", ModelKind::kTextToImage, Modality::kText, Modality::kImage), Worker());
  const std::vector<Payload> inputs = {std::string("a red apple")};
  const std::vector<int64_t> seeds = {42};
  for (auto _ : state) {
    auto out = model.InvokeBatch(inputs, seeds);
    if (!out.ok()) return state.SkipWithError(out.status().ToString().c_str());
  }
  state.SetBytesProcessed(state.iterations() * 256 * 256 * 3);
}

void BM_PyDummyText(benchmark::State& state) {
  PythonEmbeddingModel model(Info("PyDummyText", ModelKind::kTextEmbedding, Modality::kText, Modality::kText, 768),
                             Worker());
  const std::vector<Payload> inputs = {std::string("a red apple")};
  for (auto _ : state) {
    auto out = model.EmbedBatch(inputs);
    if (!out.ok()) return state.SkipWithError(out.status().ToString().c_str());
  }
}

BENCHMARK(BM_EchoText)->Unit(benchmark::kMicrosecond)->UseRealTime();
BENCHMARK(BM_EchoImage)->Arg(192)->Arg(1024)->Arg(4096)->Arg(12288)->Unit(benchmark::kMicrosecond)->UseRealTime();
BENCHMARK(BM_PyDummyI2T)->Arg(192)->Arg(1024)->Arg(4096)->Arg(12288)->Unit(benchmark::kMicrosecond)->UseRealTime();
BENCHMARK(BM_PyDummyT2I)->Unit(benchmark::kMicrosecond)->UseRealTime();
BENCHMARK(BM_PyDummyText)->Unit(benchmark::kMicrosecond)->UseRealTime();

}  // namespace

BENCHMARK_MAIN();
