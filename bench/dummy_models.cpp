// Throughput of the dummy models and the image codecs the runs stage calls per
// invocation: a DummyT2I batch (images/s), a DummyI2T batch, the dummy embeddings,
// lossless WEBP encode/decode of a 256×256 solid image (what storing a dummy output
// costs) and the JPEG-q30 encoding behind loop detection.
//
//   ninja -C build bench_dummy_models && ./build/bench/bench_dummy_models
#include <benchmark/benchmark.h>

#include <string>
#include <vector>

#include "panic/models/dummy/dummy_embeddings.h"
#include "panic/models/dummy/dummy_i2t.h"
#include "panic/models/dummy/dummy_t2i.h"
#include "panic/store/image_codec.h"

namespace {

using panic::RgbImage;
using panic::models::Payload;

constexpr int kBatch = 64;

std::vector<Payload> Prompts() {
  std::vector<Payload> prompts;
  for (int i = 0; i < kBatch; ++i) prompts.emplace_back("a prompt about a penguin, number " + std::to_string(i));
  return prompts;
}

std::vector<int64_t> Seeds() {
  std::vector<int64_t> seeds;
  for (int i = 0; i < kBatch; ++i) seeds.push_back(1000 + i);
  return seeds;
}

void BM_DummyT2IBatch(benchmark::State& state) {
  auto model = panic::models::MakeDummyT2I();
  const auto prompts = Prompts();
  const auto seeds = Seeds();
  for (auto _ : state) {
    auto out = model->InvokeBatch(prompts, seeds);
    benchmark::DoNotOptimize(out);
  }
  state.SetItemsProcessed(state.iterations() * kBatch);
  state.SetLabel("items = images");
}
BENCHMARK(BM_DummyT2IBatch);

void BM_DummyI2TBatch(benchmark::State& state) {
  auto model = panic::models::MakeDummyI2T();
  const auto images = *panic::models::MakeDummyT2I()->InvokeBatch(Prompts(), Seeds());
  const auto seeds = Seeds();
  for (auto _ : state) {
    auto out = model->InvokeBatch(images, seeds);
    benchmark::DoNotOptimize(out);
  }
  state.SetItemsProcessed(state.iterations() * kBatch);
  state.SetLabel("items = captions");
}
BENCHMARK(BM_DummyI2TBatch);

void BM_DummyTextEmbedBatch(benchmark::State& state) {
  auto model = panic::models::MakeDummyText();
  const auto texts = Prompts();
  for (auto _ : state) {
    auto out = model->EmbedBatch(texts);
    benchmark::DoNotOptimize(out);
  }
  state.SetItemsProcessed(state.iterations() * kBatch);
}
BENCHMARK(BM_DummyTextEmbedBatch);

void BM_WebpLosslessEncodeSolid256(benchmark::State& state) {
  const RgbImage image = RgbImage::Solid(256, 256, 98, 206, 229);
  size_t bytes = 0;
  for (auto _ : state) {
    auto webp = panic::store::EncodeWebp(image);
    bytes = webp->size();
    benchmark::DoNotOptimize(webp);
  }
  state.SetItemsProcessed(state.iterations());
  state.counters["bytes"] = static_cast<double>(bytes);
}
BENCHMARK(BM_WebpLosslessEncodeSolid256);

void BM_WebpDecodeSolid256(benchmark::State& state) {
  const std::string webp = *panic::store::EncodeWebp(RgbImage::Solid(256, 256, 98, 206, 229));
  for (auto _ : state) {
    auto image = panic::store::DecodeImage(webp);
    benchmark::DoNotOptimize(image);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_WebpDecodeSolid256);

void BM_JpegQ30EncodeSolid256(benchmark::State& state) {
  const RgbImage image = RgbImage::Solid(256, 256, 98, 206, 229);
  size_t bytes = 0;
  for (auto _ : state) {
    auto jpeg = panic::store::EncodeJpeg(image, panic::store::kLoopDetectionJpegQuality);
    bytes = jpeg->size();
    benchmark::DoNotOptimize(jpeg);
  }
  state.SetItemsProcessed(state.iterations());
  state.counters["bytes"] = static_cast<double>(bytes);
}
BENCHMARK(BM_JpegQ30EncodeSolid256);

}  // namespace

BENCHMARK_MAIN();
