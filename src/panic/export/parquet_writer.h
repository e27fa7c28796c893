// A Parquet file writer for tidy tables (tidy_table.h): the encoder behind parquet_sink.cpp.
//
// What it writes (Apache Parquet format 2.x, readable by pyarrow, pandas, polars, R's arrow,
// DuckDB, hyparquet, parquet-wasm):
//   string      optional BYTE_ARRAY, annotated STRING (UTF8)
//   int64       optional INT64
//   double      optional DOUBLE (NaN and ±∞ as themselves)
//   float list  optional group (LIST) { repeated group list { required FLOAT element } },
//               the three-level list layout the format's LogicalTypes.md prescribes
// NULL cells are NULL (definition level 0). Pages are version-1 data pages, PLAIN values,
// RLE levels, uncompressed (float32 vectors do not compress; snappy would cost time for ~0 %),
// each ≈ 1 MiB and ending on a row boundary. Rows are buffered into row groups of ≈ 128 MiB,
// so memory stays bounded whatever the table's length; no statistics or dictionary pages.
#pragma once

#include <cstdint>
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "panic/core/status.h"
#include "panic/export/tidy_table.h"

namespace panic::exporting {

class ParquetWriter {
 public:
  struct Limits {
    size_t page_bytes = size_t{1} << 20;
    size_t row_group_bytes = size_t{128} << 20;
  };

  // Writes into `file` (opened for writing at offset 0; the caller closes it).
  ParquetWriter(std::FILE* file, std::vector<Column> columns, Limits limits);
  ParquetWriter(std::FILE* file, std::vector<Column> columns) : ParquetWriter(file, std::move(columns), Limits{}) {}
  ~ParquetWriter();

  // REQUIRES: row.size() == number of columns; each cell of its column's type or NULL
  // (a cell of another type is an InvalidArgument error naming the column).
  Status Add(const Row& row);
  // Writes the last row group and the footer. The writer is unusable afterwards.
  Status Finish();

  uint64_t rows() const { return total_rows_; }
  // Bytes handed to the FILE so far (the sink syncs behind this mark).
  uint64_t bytes_written() const { return offset_; }

 private:
  class ColumnChunk;
  struct RowGroupInfo;

  Status Write(const void* data, size_t size);
  Status FlushRowGroup();
  std::string Footer() const;

  std::FILE* file_;
  std::vector<Column> columns_;
  Limits limits_;
  std::vector<std::unique_ptr<ColumnChunk>> chunks_;
  std::vector<RowGroupInfo> row_groups_;
  uint64_t offset_ = 0;      // bytes written to the file so far
  uint64_t group_rows_ = 0;  // rows in the row group being buffered
  uint64_t total_rows_ = 0;
  bool started_ = false, finished_ = false;
};

}  // namespace panic::exporting
