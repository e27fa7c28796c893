// Long ("tidy") tables — one observation per row, one variable per column — as `analyse`
// prints them and `export data` writes them, and their text, CSV and JSON writers.
//
// A table is produced row by row into a TableSink (so an export of a million embeddings is
// never held in memory) or collected into a Table. Cells are typed by their column:
// strings, 64-bit integers, doubles, lists of float32 (embedding vectors); an empty cell
// (std::monostate) is NULL.
//
// How each format writes what a double can hold (docs/ANALYSIS.md "Tables"):
//   CSV   NULL and NaN as an empty field (pandas and R read NA), ±∞ as inf / -inf, doubles
//         with 17 significant digits and float lists with 9 (both round-trip), a list as
//         a JSON array in one quoted field; fields quoted as RFC 4180 requires.
//   JSON  an array of objects; NULL, NaN and ±∞ as null (JSON has no infinities).
//   text  aligned columns, 6 significant digits, NULL as "-".
#pragma once

#include <cstdint>
#include <iosfwd>
#include <memory>
#include <string>
#include <variant>
#include <vector>

#include "panic/core/status.h"

namespace panic::exporting {

enum class ColumnType { kString, kInt64, kDouble, kFloatList };

struct Column {
  std::string name;
  ColumnType type = ColumnType::kString;
};

using Cell = std::variant<std::monostate, std::string, int64_t, double, std::vector<float>>;
using Row = std::vector<Cell>;

class TableSink {
 public:
  virtual ~TableSink() = default;
  // Once, before the rows. `table` names it (a file name stem, e.g. "drift").
  virtual Status Begin(const std::string& table, const std::vector<Column>& columns) = 0;
  // REQUIRES: row.size() == columns.size(), each cell of its column's type or NULL.
  virtual Status Add(const Row& row) = 0;
  virtual Status End() = 0;
};

// Collects the rows in memory.
struct Table {
  std::string name;
  std::vector<Column> columns;
  std::vector<Row> rows;
  // The index of a column by name; -1 when absent.
  int Find(const std::string& column) const;
};
class CollectSink : public TableSink {
 public:
  Status Begin(const std::string& table, const std::vector<Column>& columns) override;
  Status Add(const Row& row) override;
  Status End() override { return Status::Ok(); }
  Table& table() { return table_; }

 private:
  Table table_;
};

// Writers onto a stream. A failed stream is an IOError naming `what` (a file or "standard output").
std::unique_ptr<TableSink> MakeCsvSink(std::ostream& os, std::string what);
std::unique_ptr<TableSink> MakeJsonSink(std::ostream& os, std::string what);
std::unique_ptr<TableSink> MakeTextSink(std::ostream& os, std::string what);

// One CSV field as MakeCsvSink writes it (exposed for tests).
std::string CsvField(const Cell& cell);

}  // namespace panic::exporting
