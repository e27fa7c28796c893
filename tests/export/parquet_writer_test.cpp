// The Parquet writer against two independent readers under Node: hyparquet (JavaScript) and
// parquet-wasm (the Rust arrow-rs reader compiled to WebAssembly, with apache-arrow for the
// table). scripts/setup.sh installs both into ~/.cache/panic-tda/ (or set
// $PANIC_TDA_HYPARQUET / $PANIC_TDA_PARQUET_WASM); without them those tests are skipped.
// Each reader's rows are printed as JSON (int64 as strings, NaN/±∞ as strings) and compared
// here with what was written.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <limits>
#include <nlohmann/json.hpp>

#include "panic/export/parquet_sink.h"
#include "panic/export/parquet_writer.h"
#include "support/test_support.h"

namespace panic::exporting {
namespace {

using panic::testing::HyparquetRoot;
using panic::testing::NpmOracleRoot;
using panic::testing::ReadFile;
using panic::testing::RunShell;
using panic::testing::ShellQuote;
using panic::testing::TempDir;
using panic::testing::WriteFile;
using nlohmann::json;

// Both scripts print [{column: value}] for argv[3] (the library folder is argv[2]).
constexpr const char* kHyparquet = R"JS(
const [, , root, input] = process.argv;
const { asyncBufferFromFile, parquetReadObjects } = await import(root + '/node_modules/hyparquet/src/node.js');
const rows = await parquetReadObjects({ file: await asyncBufferFromFile(input) });
process.stdout.write(JSON.stringify(rows, (k, v) =>
  typeof v === 'bigint' ? String(v) : (typeof v === 'number' && !Number.isFinite(v) ? String(v) : v)));
)JS";

constexpr const char* kParquetWasm = R"JS(
const [, , root, input] = process.argv;
const fs = await import('node:fs');
const wasm = await import(root + '/node_modules/parquet-wasm/esm/parquet_wasm.js');
await wasm.default({ module_or_path: fs.readFileSync(root + '/node_modules/parquet-wasm/esm/parquet_wasm_bg.wasm') });
const arrow = await import(root + '/node_modules/apache-arrow/Arrow.node.mjs');
const table = arrow.tableFromIPC(wasm.readParquet(new Uint8Array(fs.readFileSync(input))).intoIPCStream());
const names = table.schema.fields.map(f => f.name);
const rows = [];
for (let i = 0; i < table.numRows; ++i) {
  const row = {};
  for (const name of names) {
    const v = table.getChild(name).get(i);
    row[name] = v != null && typeof v === 'object' && 'toArray' in v ? Array.from(v.toArray()) : v;
  }
  rows.push(row);
}
process.stdout.write(JSON.stringify({ types: table.schema.fields.map(f => String(f.type)), rows }, (k, v) =>
  typeof v === 'bigint' ? String(v) : (typeof v === 'number' && !Number.isFinite(v) ? String(v) : v)));
)JS";

const std::vector<Column> kColumns = {
    {"name", ColumnType::kString}, {"count", ColumnType::kInt64}, {"value", ColumnType::kDouble},
    {"vector", ColumnType::kFloatList}};

// Rows with every kind of cell: NULL in each column, an empty list, NaN and ±∞, int64 at its
// limits, unicode and hostile strings, and vectors long enough to span pages.
std::vector<Row> SampleRows(size_t n) {
  std::vector<Row> rows;
  const std::vector<std::string> names = {"plain", "<script>alert(1)</script>", "Ünïcödé → 漢字 😀", "",
                                          "quote \" and , comma\nnewline"};
  for (size_t i = 0; i < n; ++i) {
    Row r(4);
    if (i % 7 != 3) r[0] = names[i % names.size()] + " #" + std::to_string(i);
    if (i % 11 != 5) {
      r[1] = i == 1 ? std::numeric_limits<int64_t>::min()
                    : i == 2 ? std::numeric_limits<int64_t>::max() : static_cast<int64_t>(i * 1000003) - 7;
    }
    if (i % 13 != 6) {
      r[2] = i == 0   ? std::numeric_limits<double>::quiet_NaN()
             : i == 4 ? std::numeric_limits<double>::infinity()
             : i == 8 ? -std::numeric_limits<double>::infinity()
                      : 1.0 / (static_cast<double>(i) + 0.25);
    }
    if (i % 17 == 9) {
      // NULL vector
    } else if (i % 17 == 10) {
      r[3] = std::vector<float>{};
    } else {
      std::vector<float> v(1 + (i * 37) % 300);
      for (size_t k = 0; k < v.size(); ++k) v[k] = static_cast<float>(std::sin(0.1 * static_cast<double>(i + k)) * 3.5);
      r[3] = v;
    }
    rows.push_back(std::move(r));
  }
  return rows;
}

// Writes rows with small pages and row groups, so a few hundred rows give many of both.
void WriteSmallPages(const std::string& path, const std::vector<Row>& rows) {
  std::FILE* f = std::fopen(path.c_str(), "wb");
  ASSERT_NE(f, nullptr);
  ParquetWriter writer(f, kColumns, ParquetWriter::Limits{4096, 64 * 1024});
  for (const auto& r : rows) ASSERT_TRUE(writer.Add(r).ok());
  ASSERT_TRUE(writer.Finish().ok());
  ASSERT_EQ(std::fclose(f), 0);
}

void ExpectCell(const Cell& want, const json& got, const std::string& where) {
  if (std::holds_alternative<std::monostate>(want)) {
    EXPECT_TRUE(got.is_null()) << where << ": " << got;
  } else if (const auto* s = std::get_if<std::string>(&want)) {
    EXPECT_EQ(got, *s) << where;
  } else if (const auto* i = std::get_if<int64_t>(&want)) {
    EXPECT_EQ(got, std::to_string(*i)) << where;  // int64 arrives as its decimal string
  } else if (const auto* d = std::get_if<double>(&want)) {
    if (std::isnan(*d)) {
      EXPECT_EQ(got, "NaN") << where;
    } else if (std::isinf(*d)) {
      EXPECT_EQ(got, *d > 0 ? "Infinity" : "-Infinity") << where;
    } else {
      ASSERT_TRUE(got.is_number()) << where << ": " << got;
      EXPECT_EQ(got.get<double>(), *d) << where;  // bit-exact: JSON doubles round-trip
    }
  } else if (const auto* v = std::get_if<std::vector<float>>(&want)) {
    ASSERT_TRUE(got.is_array()) << where << ": " << got;
    ASSERT_EQ(got.size(), v->size()) << where;
    for (size_t k = 0; k < v->size(); ++k) {
      EXPECT_EQ(static_cast<float>(got[k].get<double>()), (*v)[k]) << where << "[" << k << "]";
    }
  }
}

void ExpectRows(const std::vector<Row>& want, const json& got) {
  ASSERT_TRUE(got.is_array());
  ASSERT_EQ(got.size(), want.size());
  for (size_t i = 0; i < want.size(); ++i) {
    for (size_t c = 0; c < kColumns.size(); ++c) {
      ASSERT_TRUE(got[i].contains(kColumns[c].name)) << "row " << i << " lacks " << kColumns[c].name;
      ExpectCell(want[i][c], got[i][kColumns[c].name], "row " + std::to_string(i) + " " + kColumns[c].name);
    }
  }
}

class ParquetReaders : public ::testing::Test {
 protected:
  // The reader's JSON for `file`, or a skip when the reader is not installed.
  json Read(const char* script, const std::string& root, const std::string& probe, const std::string& file) {
    if (!std::filesystem::exists(root + "/node_modules/" + probe) || RunShell("command -v node").exit_code != 0) {
      skipped_ = "not installed in " + root + " (scripts/setup.sh installs it)";
      return nullptr;
    }
    WriteFile(dir_.File("read.mjs"), script);
    auto r = RunShell("node " + ShellQuote(dir_.File("read.mjs")) + " " + ShellQuote(root) + " " + ShellQuote(file));
    EXPECT_EQ(r.exit_code, 0) << r.err;
    return json::parse(r.out);
  }
  json Hyparquet(const std::string& file) {
    return Read(kHyparquet, HyparquetRoot(), "hyparquet/package.json", file);
  }
  json ParquetWasm(const std::string& file) {
    return Read(kParquetWasm, NpmOracleRoot("PANIC_TDA_PARQUET_WASM", "parquet-wasm-0.7.1"), "parquet-wasm/package.json",
                file);
  }
  TempDir dir_;
  std::string skipped_;
};

TEST_F(ParquetReaders, HyparquetReadsEveryCellOfManyPagesAndRowGroups) {
  const auto rows = SampleRows(700);
  const std::string path = dir_.File("t.parquet");
  WriteSmallPages(path, rows);
  const json got = Hyparquet(path);
  if (!skipped_.empty()) GTEST_SKIP() << "hyparquet " << skipped_;
  ExpectRows(rows, got);
}

TEST_F(ParquetReaders, ArrowRsReadsEveryCellAndTheTypes) {
  const auto rows = SampleRows(700);
  const std::string path = dir_.File("t.parquet");
  WriteSmallPages(path, rows);
  const json got = ParquetWasm(path);
  if (!skipped_.empty()) GTEST_SKIP() << "parquet-wasm " << skipped_;
  ASSERT_EQ(got["types"].size(), 4u);
  EXPECT_EQ(got["types"][0], "Utf8");
  EXPECT_EQ(got["types"][1], "Int64");
  EXPECT_EQ(got["types"][2], "Float64");
  EXPECT_EQ(got["types"][3].get<std::string>().substr(0, 12), "List<Float32") << got["types"][3];
  ExpectRows(rows, got["rows"]);
}

TEST_F(ParquetReaders, AnEmptyTableHasItsColumnsAndNoRows) {
  const std::string path = dir_.File("empty.parquet");
  WriteSmallPages(path, {});
  const json hy = Hyparquet(path);
  const json pw = ParquetWasm(path);
  if (!skipped_.empty()) GTEST_SKIP() << skipped_;
  EXPECT_EQ(hy.size(), 0u);
  EXPECT_EQ(pw["rows"].size(), 0u);
  EXPECT_EQ(pw["types"].size(), 4u);
}

TEST(ParquetWriterTest, ACellOfTheWrongTypeIsRefusedAndTheRowLeavesNothing) {
  TempDir dir;
  const std::string path = dir.File("t.parquet");
  std::FILE* f = std::fopen(path.c_str(), "wb");
  ASSERT_NE(f, nullptr);
  ParquetWriter writer(f, kColumns);
  ASSERT_TRUE(writer.Add({std::string("a"), int64_t{1}, 0.5, std::vector<float>{1, 2}}).ok());
  Status bad = writer.Add({std::string("b"), int64_t{2}, std::string("not a double"), std::vector<float>{3}});
  EXPECT_EQ(bad.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(bad.message().find("'value'"), std::string::npos) << bad.message();
  EXPECT_FALSE(writer.Add({std::string("c")}).ok()) << "a row of the wrong width";
  ASSERT_TRUE(writer.Add({std::string("d"), int64_t{4}, 1.5, std::vector<float>{}}).ok());
  ASSERT_TRUE(writer.Finish().ok());
  ASSERT_EQ(std::fclose(f), 0);
  EXPECT_EQ(writer.rows(), 2u);
  const std::string bytes = ReadFile(path);
  ASSERT_GE(bytes.size(), 12u);
  EXPECT_EQ(bytes.substr(0, 4), "PAR1");
  EXPECT_EQ(bytes.substr(bytes.size() - 4), "PAR1");
}

TEST(ParquetSinkTest, NothingIsAtThePathUntilEndAndNoTemporaryFileStays) {
  TempDir dir;
  const std::string path = dir.File("t.parquet");
  {
    auto sink = MakeParquetSink(path);
    ASSERT_TRUE(sink.ok());
    ASSERT_TRUE((*sink)->Begin("t", kColumns).ok());
    ASSERT_TRUE((*sink)->Add({std::string("a"), int64_t{1}, 0.5, std::vector<float>{1}}).ok());
    EXPECT_FALSE(std::filesystem::exists(path));
  }  // abandoned without End
  EXPECT_FALSE(std::filesystem::exists(path));
  EXPECT_TRUE(std::filesystem::is_empty(dir.path())) << "the abandoned .tmp is removed";
  auto sink = MakeParquetSink(path);
  ASSERT_TRUE(sink.ok());
  ASSERT_TRUE((*sink)->Begin("t", kColumns).ok());
  ASSERT_TRUE((*sink)->Add({std::string("a"), int64_t{1}, 0.5, std::vector<float>{1}}).ok());
  ASSERT_TRUE((*sink)->End().ok());
  EXPECT_TRUE(std::filesystem::exists(path));
  EXPECT_EQ(std::distance(std::filesystem::directory_iterator(dir.path()), {}), 1);
}

}  // namespace
}  // namespace panic::exporting
