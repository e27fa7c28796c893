// The Parquet encoder (parquet_writer.h). Field ids and enum values are those of the
// format's parquet.thrift; the comments name each one.
#include "panic/export/parquet_writer.h"

#include <bit>
#include <cerrno>
#include <cstring>
#include <span>
#include <type_traits>
#include <utility>

#include "panic/core/varint.h"
#include "panic/export/thrift_compact.h"

namespace panic::exporting {
namespace {

// parquet.thrift enums.
constexpr int32_t kTypeInt64 = 2, kTypeFloat = 4, kTypeDouble = 5, kTypeByteArray = 6;
constexpr int32_t kRequired = 0, kOptional = 1, kRepeated = 2;
constexpr int32_t kConvertedUtf8 = 0, kConvertedList = 3;
constexpr int32_t kEncodingPlain = 0, kEncodingRle = 3;
constexpr int32_t kCodecUncompressed = 0;
constexpr int32_t kPageData = 0;
constexpr char kMagic[4] = {'P', 'A', 'R', '1'};

// Levels kept as runs of equal values, as the RLE encoding stores them: a 768-float vector
// adds two repetition runs and extends one definition run, never 768 bytes.
class LevelRuns {
 public:
  void Append(uint8_t value, uint64_t count) {
    if (count == 0) return;
    if (!runs_.empty() && runs_.back().first == value) {
      runs_.back().second += count;
    } else {
      runs_.emplace_back(value, count);
    }
  }
  // The RLE/bit-packed hybrid with only RLE runs (bit width ≤ 8: one value byte per run),
  // behind the 4-byte little-endian length that data pages v1 put before each level block.
  void EncodeTo(std::string* out) const {
    std::string body;
    for (const auto& [value, count] : runs_) {
      core::AppendVarint(body, count << 1);  // the run header
      body.push_back(static_cast<char>(value));
    }
    AppendLe32(out, static_cast<uint32_t>(body.size()));
    out->append(body);
  }
  void Clear() { runs_.clear(); }
  static void AppendLe32(std::string* out, uint32_t v) {
    for (int i = 0; i < 4; ++i) out->push_back(static_cast<char>(v >> (8 * i)));
  }

 private:
  std::vector<std::pair<uint8_t, uint64_t>> runs_;
};

template <typename T>
void AppendPlain(std::string* out, T v) {
  static_assert(std::is_trivially_copyable_v<T>);
  char bytes[sizeof(T)];
  std::memcpy(bytes, &v, sizeof(T));  // x86-64 and aarch64 are little-endian, as PLAIN is
  out->append(bytes, sizeof(T));
}

bool CellMatches(ColumnType t, const Cell& cell) {
  switch (t) {
    case ColumnType::kString: return std::holds_alternative<std::string>(cell);
    case ColumnType::kInt64: return std::holds_alternative<int64_t>(cell);
    case ColumnType::kDouble: return std::holds_alternative<double>(cell);
    case ColumnType::kFloatList: return std::holds_alternative<std::vector<float>>(cell);
  }
  return false;
}

const char* TypeName(ColumnType t) {
  switch (t) {
    case ColumnType::kString: return "string";
    case ColumnType::kInt64: return "int64";
    case ColumnType::kDouble: return "double";
    case ColumnType::kFloatList: return "float list";
  }
  return "?";
}

}  // namespace

static_assert(std::endian::native == std::endian::little, "PLAIN values are written as they are in memory");

// One column's pages of the row group being buffered.
class ParquetWriter::ColumnChunk {
 public:
  ColumnChunk(const Column& column, size_t page_bytes)
      : type_(column.type), list_(column.type == ColumnType::kFloatList), page_bytes_(page_bytes) {}

  // Appends one cell. REQUIRES: CellMatches(type, cell) or the cell is NULL.
  void Add(const Cell& cell) {
    if (std::holds_alternative<std::monostate>(cell)) {
      def_.Append(0, 1);
      if (list_) rep_.Append(0, 1);
      ++page_values_;
    } else if (list_) {
      const auto& v = std::get<std::vector<float>>(cell);
      rep_.Append(0, 1);  // a new row begins
      if (v.empty()) {
        def_.Append(1, 1);  // the list is present, with no element
        ++page_values_;
      } else {
        def_.Append(2, v.size());
        rep_.Append(1, v.size() - 1);
        page_values_ += v.size();
        values_.append(reinterpret_cast<const char*>(v.data()), v.size() * sizeof(float));
      }
    } else {
      def_.Append(1, 1);
      ++page_values_;
      if (type_ == ColumnType::kString) {
        const auto& s = std::get<std::string>(cell);
        AppendPlain(&values_, static_cast<uint32_t>(s.size()));
        values_.append(s);
      } else if (type_ == ColumnType::kInt64) {
        AppendPlain(&values_, std::get<int64_t>(cell));
      } else {
        AppendPlain(&values_, std::get<double>(cell));
      }
    }
    ++page_rows_;
    if (values_.size() >= page_bytes_) ClosePage();  // pages end on a row boundary
  }

  // Bytes buffered so far (closed pages and the open one).
  size_t bytes() const { return closed_bytes_ + values_.size(); }

  // Closes the open page. A closed page is two pieces: its header with the level blocks,
  // then its values, handed over by swapping buffers rather than copied; the pieces'
  // buffers are kept from row group to row group, so a steady export allocates nothing.
  void ClosePage() {
    if (page_rows_ == 0) return;
    std::string levels;
    if (list_) rep_.EncodeTo(&levels);
    def_.EncodeTo(&levels);
    const size_t body = levels.size() + values_.size();
    ThriftCompactWriter header;  // PageHeader
    header.I32(1, kPageData);                            // type
    header.I32(2, static_cast<int32_t>(body));           // uncompressed_page_size
    header.I32(3, static_cast<int32_t>(body));           // compressed_page_size
    header.BeginStruct(5);                               // data_page_header
    header.I32(1, static_cast<int32_t>(page_values_));   //   num_values (level entries)
    header.I32(2, kEncodingPlain);                       //   encoding
    header.I32(3, kEncodingRle);                         //   definition_level_encoding
    header.I32(4, kEncodingRle);                         //   repetition_level_encoding
    header.EndStruct();
    const std::string& header_bytes = header.End();  // (End appends the stop byte: call it once)
    closed_bytes_ += header_bytes.size() + body;
    {
      std::string& head = NextPiece();
      head.append(header_bytes);
      head.append(levels);
    }  // (NextPiece may move the pieces: no reference to one is kept across it)
    NextPiece().swap(values_);  // values_ takes the cleared buffer
    chunk_values_ += page_values_;
    def_.Clear();
    rep_.Clear();
    page_values_ = page_rows_ = 0;
  }

  // The closed pages' pieces, in file order (their sizes add up to bytes() after ClosePage).
  std::span<const std::string> pieces() const { return {pieces_.data(), pieces_used_}; }
  uint64_t values() const { return chunk_values_; }
  void Reset() {
    pieces_used_ = 0;
    closed_bytes_ = 0;
    chunk_values_ = 0;
  }

 private:
  std::string& NextPiece() {
    if (pieces_used_ == pieces_.size()) pieces_.emplace_back();
    std::string& piece = pieces_[pieces_used_++];
    piece.clear();
    return piece;
  }

  ColumnType type_;
  bool list_;
  size_t page_bytes_;
  std::string values_;  // PLAIN values of the open page
  LevelRuns def_, rep_;
  uint64_t page_values_ = 0, page_rows_ = 0;
  std::vector<std::string> pieces_;  // [0, pieces_used_): the closed pages of this row group
  size_t pieces_used_ = 0;
  size_t closed_bytes_ = 0;
  uint64_t chunk_values_ = 0;
};

struct ParquetWriter::RowGroupInfo {
  struct Chunk {
    uint64_t offset, bytes, values;
  };
  std::vector<Chunk> chunks;
  uint64_t rows, bytes, offset;
};

ParquetWriter::ParquetWriter(std::FILE* file, std::vector<Column> columns, Limits limits)
    : file_(file), columns_(std::move(columns)), limits_(limits) {
  for (const auto& c : columns_) chunks_.push_back(std::make_unique<ColumnChunk>(c, limits_.page_bytes));
}

ParquetWriter::~ParquetWriter() = default;

Status ParquetWriter::Write(const void* data, size_t size) {
  if (size && std::fwrite(data, 1, size, file_) != size) {
    return Status::IOError(std::string("cannot write the Parquet file: ") + std::strerror(errno));
  }
  offset_ += size;
  return Status::Ok();
}

Status ParquetWriter::Add(const Row& row) {
  if (finished_) return Status::Internal("ParquetWriter::Add after Finish");
  if (row.size() != columns_.size()) {
    return Status::InvalidArgument("a Parquet row has " + std::to_string(row.size()) + " cells; the table has " +
                                   std::to_string(columns_.size()) + " columns");
  }
  if (!started_) {
    PANIC_RETURN_IF_ERROR(Write(kMagic, sizeof kMagic));
    started_ = true;
  }
  // Every cell is checked before any is appended, so a refused row leaves nothing behind.
  for (size_t c = 0; c < row.size(); ++c) {
    if (!std::holds_alternative<std::monostate>(row[c]) && !CellMatches(columns_[c].type, row[c])) {
      return Status::InvalidArgument("Parquet column '" + columns_[c].name + "' holds " + TypeName(columns_[c].type) +
                                     " values; row " + std::to_string(total_rows_) + " gives another type");
    }
  }
  size_t bytes = 0;
  for (size_t c = 0; c < row.size(); ++c) {
    chunks_[c]->Add(row[c]);
    bytes += chunks_[c]->bytes();
  }
  ++group_rows_;
  ++total_rows_;
  if (bytes >= limits_.row_group_bytes) return FlushRowGroup();
  return Status::Ok();
}

Status ParquetWriter::FlushRowGroup() {
  if (group_rows_ == 0) return Status::Ok();
  RowGroupInfo group{{}, group_rows_, 0, offset_};
  for (auto& chunk : chunks_) {
    chunk->ClosePage();
    group.chunks.push_back({offset_, chunk->bytes(), chunk->values()});
    group.bytes += chunk->bytes();
    for (const std::string& piece : chunk->pieces()) PANIC_RETURN_IF_ERROR(Write(piece.data(), piece.size()));
    chunk->Reset();
  }
  row_groups_.push_back(std::move(group));
  group_rows_ = 0;
  return Status::Ok();
}

std::string ParquetWriter::Footer() const {
  ThriftCompactWriter m;  // FileMetaData
  m.I32(1, 1);            // version
  // schema: the root, then each column depth-first
  size_t elements = 1;
  for (const auto& c : columns_) elements += c.type == ColumnType::kFloatList ? 3 : 1;
  m.BeginList(2, ThriftCompactWriter::kStruct, elements);
  m.BeginListStruct();
  m.Binary(4, "schema");                                 // name
  m.I32(5, static_cast<int32_t>(columns_.size()));       // num_children
  m.EndStruct();
  for (const auto& c : columns_) {
    m.BeginListStruct();
    switch (c.type) {
      case ColumnType::kString:
        m.I32(1, kTypeByteArray);  // type
        m.I32(3, kOptional);       // repetition_type
        m.Binary(4, c.name);       // name
        m.I32(6, kConvertedUtf8);  // converted_type
        m.BeginStruct(10);         // logicalType: the STRING member (field 1), an empty struct
        m.BeginStruct(1);
        m.EndStruct();
        m.EndStruct();
        m.EndStruct();
        break;
      case ColumnType::kInt64:
      case ColumnType::kDouble:
        m.I32(1, c.type == ColumnType::kInt64 ? kTypeInt64 : kTypeDouble);
        m.I32(3, kOptional);
        m.Binary(4, c.name);
        m.EndStruct();
        break;
      case ColumnType::kFloatList:
        m.I32(3, kOptional);
        m.Binary(4, c.name);
        m.I32(5, 1);               // num_children
        m.I32(6, kConvertedList);  // converted_type
        m.BeginStruct(10);         // logicalType: the LIST member (field 3)
        m.BeginStruct(3);
        m.EndStruct();
        m.EndStruct();
        m.EndStruct();
        m.BeginListStruct();
        m.I32(3, kRepeated);
        m.Binary(4, "list");
        m.I32(5, 1);
        m.EndStruct();
        m.BeginListStruct();
        m.I32(1, kTypeFloat);
        m.I32(3, kRequired);
        m.Binary(4, "element");
        m.EndStruct();
        break;
    }
  }
  m.I64(3, static_cast<int64_t>(total_rows_));  // num_rows
  m.BeginList(4, ThriftCompactWriter::kStruct, row_groups_.size());  // row_groups
  for (const auto& g : row_groups_) {
    m.BeginListStruct();  // RowGroup
    m.BeginList(1, ThriftCompactWriter::kStruct, columns_.size());  // columns
    for (size_t c = 0; c < columns_.size(); ++c) {
      const auto& chunk = g.chunks[c];
      m.BeginListStruct();                             // ColumnChunk
      m.I64(2, static_cast<int64_t>(chunk.offset));    // file_offset
      m.BeginStruct(3);                                // meta_data: ColumnMetaData
      const ColumnType t = columns_[c].type;
      m.I32(1, t == ColumnType::kString ? kTypeByteArray
               : t == ColumnType::kInt64 ? kTypeInt64
               : t == ColumnType::kDouble ? kTypeDouble
                                          : kTypeFloat);  // type
      m.BeginList(2, ThriftCompactWriter::kI32, 2);         // encodings
      m.ListI32(kEncodingPlain);
      m.ListI32(kEncodingRle);
      const bool list = t == ColumnType::kFloatList;
      m.BeginList(3, ThriftCompactWriter::kBinary, list ? 3 : 1);  // path_in_schema
      m.ListBinary(columns_[c].name);
      if (list) {
        m.ListBinary("list");
        m.ListBinary("element");
      }
      m.I32(4, kCodecUncompressed);                    // codec
      m.I64(5, static_cast<int64_t>(chunk.values));    // num_values
      m.I64(6, static_cast<int64_t>(chunk.bytes));     // total_uncompressed_size
      m.I64(7, static_cast<int64_t>(chunk.bytes));     // total_compressed_size
      m.I64(9, static_cast<int64_t>(chunk.offset));    // data_page_offset
      m.EndStruct();
      m.EndStruct();
    }
    m.I64(2, static_cast<int64_t>(g.bytes));   // total_byte_size
    m.I64(3, static_cast<int64_t>(g.rows));    // num_rows
    m.I64(5, static_cast<int64_t>(g.offset));  // file_offset
    m.I64(6, static_cast<int64_t>(g.bytes));   // total_compressed_size
    m.EndStruct();
  }
  m.Binary(6, "panic-tda");  // created_by
  return m.End();
}

Status ParquetWriter::Finish() {
  if (finished_) return Status::Internal("ParquetWriter::Finish twice");
  finished_ = true;
  if (!started_) {
    PANIC_RETURN_IF_ERROR(Write(kMagic, sizeof kMagic));
    started_ = true;
  }
  PANIC_RETURN_IF_ERROR(FlushRowGroup());
  const std::string footer = Footer();
  PANIC_RETURN_IF_ERROR(Write(footer.data(), footer.size()));
  std::string tail;
  LevelRuns::AppendLe32(&tail, static_cast<uint32_t>(footer.size()));
  tail.append(kMagic, sizeof kMagic);
  return Write(tail.data(), tail.size());
}

}  // namespace panic::exporting
