// Writing the embeddings table of `export data` (issue 12's target: 1 000 000 embeddings to
// Parquet in ≤ 30 s). The Parquet sink (export/parquet_writer.*) alone is measured here, fed rows of the
// embeddings table's shape — four UUID strings, a sequence number, a model name, a 768-d
// float32 vector — from 65 536 distinct random vectors cycled (so compression sees no
// repeated pages); reading the rows from SQLite is measured by `export data` itself.
//
//   ninja -C build bench_analysis_export && ./build/bench/bench_analysis_export [ROWS] [csv]

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <random>
#include <string>
#include <vector>

#include "panic/export/parquet_sink.h"
#include "panic/export/tidy_table.h"

#include "bench_clock.h"

namespace {

using panic::bench::CpuSeconds;

}  // namespace

int main(int argc, char** argv) {
  using namespace panic::exporting;
  const size_t rows = argc > 1 ? std::strtoull(argv[1], nullptr, 10) : 1000000;
  const bool csv = argc > 2 && std::string(argv[2]) == "csv";
  constexpr size_t kDim = 768, kPool = 65536;
  std::mt19937_64 rng(1);
  std::normal_distribution<float> normal;
  std::vector<std::vector<float>> pool(kPool, std::vector<float>(kDim));
  for (auto& v : pool) for (float& x : v) x = normal(rng);
  const auto dir = std::filesystem::temp_directory_path() / ("bench_analysis_export_" + std::to_string(getpid()));
  std::filesystem::create_directories(dir);
  const std::string path = (dir / (csv ? "embeddings.csv" : "embeddings.parquet")).string();
  std::ofstream file;
  std::unique_ptr<TableSink> sink;
  if (csv) {
    file.open(path);
    sink = MakeCsvSink(file, path);
  } else {
    auto made = MakeParquetSink(path);
    if (!made.ok()) {
      std::fprintf(stderr, "%s\n", made.status().ToString().c_str());
      return 1;
    }
    sink = std::move(made).value();
  }
  const auto t0 = std::chrono::steady_clock::now();
  const double c0 = CpuSeconds();
  auto check = [](const panic::Status& s) {
    if (!s.ok()) {
      std::fprintf(stderr, "%s\n", s.ToString().c_str());
      std::exit(1);
    }
  };
  check(sink->Begin("embeddings", {{"embedding_id", ColumnType::kString}, {"experiment_id", ColumnType::kString},
                                   {"run_id", ColumnType::kString}, {"invocation_id", ColumnType::kString},
                                   {"sequence_number", ColumnType::kInt64}, {"embedding_model", ColumnType::kString},
                                   {"vector", ColumnType::kFloatList}}));
  char id[64];
  Row row(7);
  for (size_t i = 0; i < rows; ++i) {
    std::snprintf(id, sizeof id, "01a23714-b945-73c8-b884-%012zu", i);
    row[0] = std::string(id);
    row[1] = std::string("01a23714-b736-7273-a2b0-e75f1fecf4da");
    std::snprintf(id, sizeof id, "01a23714-b736-7274-903b-%012zu", i / 1000);
    row[2] = std::string(id);
    std::snprintf(id, sizeof id, "01a23714-b7cc-7120-8b26-%012zu", i);
    row[3] = std::string(id);
    row[4] = static_cast<int64_t>(i % 1000);
    row[5] = std::string("Nomic");
    row[6] = pool[i % kPool];
    check(sink->Add(row));
  }
  const double appended = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  const double appended_cpu = CpuSeconds() - c0;
  std::printf("appended in %.2f s wall, %.2f s CPU\n", appended, appended_cpu);
  check(sink->End());
  sink.reset();
  const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  const double cpu = CpuSeconds() - c0;
  std::printf("%zu rows × %zu-d to %s: %.2f s wall, %.2f s CPU (process), %.0f MB, %.0f rows/s\n", rows, kDim,
              csv ? "CSV" : "Parquet", wall, cpu, std::filesystem::file_size(path) / 1e6, rows / wall);
  std::filesystem::remove_all(dir);
  return 0;
}
