// The Parquet sink through DuckDB's C API (parquet_sink.h). Rows are appended in data
// chunks (vectors filled directly: no per-value allocation, so a million 768-d embeddings
// cost one copy of their floats) into a table of an in-memory DuckDB database with a memory
// limit, then COPY writes the Parquet file, which is renamed into place.
#include <duckdb.h>

#include <algorithm>
#include <cstring>
#include <filesystem>

#include "panic/export/parquet_sink.h"

namespace panic::exporting {
namespace {

std::string SqlString(const std::string& s) {
  std::string out = "'";
  for (char c : s) out += c == '\'' ? std::string("''") : std::string(1, c);
  return out + "'";
}
std::string SqlName(const std::string& s) {
  std::string out = "\"";
  for (char c : s) out += c == '"' ? std::string("\"\"") : std::string(1, c);
  return out + "\"";
}
void Remove(const std::string& path) {
  std::error_code ec;
  std::filesystem::remove(path, ec);
}

class DuckDbParquetSink : public TableSink {
 public:
  explicit DuckDbParquetSink(std::string path)
      : path_(std::move(path)), tmp_(path_ + ".tmp"), spill_(path_ + ".spill.tmp") {}
  ~DuckDbParquetSink() override {
    Close();
    if (!done_) Remove(tmp_);
  }

  Status Begin(const std::string&, const std::vector<Column>& columns) override {
    columns_ = columns;
    duckdb_config config = nullptr;
    if (duckdb_create_config(&config) != DuckDBSuccess) return Status::Internal("duckdb: cannot create a config");
    // Bounded memory: a table larger than this spills into the temporary database file.
    duckdb_set_config(config, "memory_limit", "1GB");
    duckdb_set_config(config, "threads", "2");
    char* error = nullptr;
    // In memory (an on-disk database compresses every float on checkpoint and decompresses
    // it for COPY: twice as slow), spilling beside the output beyond the memory limit.
    duckdb_set_config(config, "temp_directory", spill_.c_str());
    duckdb_state opened = duckdb_open_ext(nullptr, &db_, config, &error);
    duckdb_destroy_config(&config);
    if (opened != DuckDBSuccess) {
      std::string why = error ? error : "unknown error";
      if (error) duckdb_free(error);
      return Status::IOError("duckdb: cannot open an in-memory database: " + why);
    }
    if (duckdb_connect(db_, &con_) != DuckDBSuccess) return Status::IOError("duckdb: cannot connect");
    std::string create = "CREATE TABLE t (";
    for (size_t c = 0; c < columns.size(); ++c) {
      const char* type = "VARCHAR";
      switch (columns[c].type) {
        case ColumnType::kString: type = "VARCHAR"; break;
        case ColumnType::kInt64: type = "BIGINT"; break;
        case ColumnType::kDouble: type = "DOUBLE"; break;
        case ColumnType::kFloatList: type = "FLOAT[]"; break;
      }
      create += (c ? ", " : "") + SqlName(columns[c].name) + " " + type;
    }
    PANIC_RETURN_IF_ERROR(Query(create + ")"));
    if (duckdb_appender_create(con_, nullptr, "t", &appender_) != DuckDBSuccess) {
      return Status::IOError("duckdb: cannot append: " + AppenderError());
    }
    for (const auto& col : columns) {
      if (col.type == ColumnType::kFloatList) {
        duckdb_logical_type child = duckdb_create_logical_type(DUCKDB_TYPE_FLOAT);
        types_.push_back(duckdb_create_list_type(child));
        duckdb_destroy_logical_type(&child);
      } else {
        types_.push_back(duckdb_create_logical_type(col.type == ColumnType::kString  ? DUCKDB_TYPE_VARCHAR
                                                    : col.type == ColumnType::kInt64 ? DUCKDB_TYPE_BIGINT
                                                                                     : DUCKDB_TYPE_DOUBLE));
      }
    }
    capacity_ = duckdb_vector_size();
    NewChunk();
    return Status::Ok();
  }

  Status Add(const Row& row) override {
    const idx_t r = rows_;
    for (size_t c = 0; c < row.size(); ++c) {
      duckdb_vector vec = duckdb_data_chunk_get_vector(chunk_, c);
      const Cell& cell = row[c];
      if (std::holds_alternative<std::monostate>(cell)) {
        duckdb_vector_ensure_validity_writable(vec);
        duckdb_validity_set_row_invalid(duckdb_vector_get_validity(vec), r);
        if (columns_[c].type == ColumnType::kFloatList) {
          static_cast<duckdb_list_entry*>(duckdb_vector_get_data(vec))[r] = {list_sizes_[c], 0};
        }
      } else if (auto* s = std::get_if<std::string>(&cell)) {
        duckdb_vector_assign_string_element_len(vec, r, s->data(), s->size());
      } else if (auto* i = std::get_if<int64_t>(&cell)) {
        static_cast<int64_t*>(duckdb_vector_get_data(vec))[r] = *i;
      } else if (auto* d = std::get_if<double>(&cell)) {
        static_cast<double*>(duckdb_vector_get_data(vec))[r] = *d;
      } else if (auto* v = std::get_if<std::vector<float>>(&cell)) {
        const idx_t at = list_sizes_[c];
        if (at + v->size() > list_reserved_[c]) {
          // Grow geometrically, starting at a whole chunk of lists this long: reserving only
          // what each row needs would copy the chunk's floats once per row.
          const idx_t want = std::max<idx_t>({at + v->size(), 2 * list_reserved_[c], capacity_ * v->size()});
          if (duckdb_list_vector_reserve(vec, want) != DuckDBSuccess) {
            return Status::IOError("duckdb: cannot reserve a list of " + std::to_string(want) + " floats");
          }
          list_reserved_[c] = want;
        }
        // The child's data pointer is read after the reserve, which may move it.
        float* data = static_cast<float*>(duckdb_vector_get_data(duckdb_list_vector_get_child(vec)));
        if (!v->empty()) std::memcpy(data + at, v->data(), v->size() * sizeof(float));
        static_cast<duckdb_list_entry*>(duckdb_vector_get_data(vec))[r] = {at, v->size()};
        list_sizes_[c] = at + v->size();
        duckdb_list_vector_set_size(vec, list_sizes_[c]);
      }
    }
    if (++rows_ == capacity_) return Flush();
    return Status::Ok();
  }

  Status End() override {
    PANIC_RETURN_IF_ERROR(Flush());
    if (duckdb_appender_close(appender_) != DuckDBSuccess) return Status::IOError("duckdb: " + AppenderError());
    duckdb_appender_destroy(&appender_);
    appender_ = nullptr;
    Remove(tmp_);
    PANIC_RETURN_IF_ERROR(Query("COPY t TO " + SqlString(tmp_) + " (FORMAT parquet, COMPRESSION snappy)"));
    Close();
    std::error_code ec;
    std::filesystem::rename(tmp_, path_, ec);
    if (ec) return Status::IOError("cannot rename '" + tmp_ + "' to '" + path_ + "': " + ec.message());
    done_ = true;
    return Status::Ok();
  }

 private:
  void NewChunk() {
    chunk_ = duckdb_create_data_chunk(types_.data(), types_.size());
    rows_ = 0;
    list_sizes_.assign(types_.size(), 0);
    list_reserved_.assign(types_.size(), 0);
  }

  Status Flush() {
    if (rows_ == 0) return Status::Ok();
    duckdb_data_chunk_set_size(chunk_, rows_);
    duckdb_state appended = duckdb_append_data_chunk(appender_, chunk_);
    duckdb_destroy_data_chunk(&chunk_);
    NewChunk();
    if (appended != DuckDBSuccess) return Status::IOError("duckdb: " + AppenderError());
    return Status::Ok();
  }

  Status Query(const std::string& sql) {
    duckdb_result result;
    duckdb_state state = duckdb_query(con_, sql.c_str(), &result);
    std::string why = state == DuckDBSuccess ? "" : duckdb_result_error(&result) ? duckdb_result_error(&result) : "?";
    duckdb_destroy_result(&result);
    if (state != DuckDBSuccess) return Status::IOError("duckdb: " + why + " (in: " + sql.substr(0, 200) + ")");
    return Status::Ok();
  }

  std::string AppenderError() const {
    const char* e = appender_ ? duckdb_appender_error(appender_) : nullptr;
    return e ? e : "unknown error";
  }

  void Close() {
    if (chunk_) duckdb_destroy_data_chunk(&chunk_);
    chunk_ = nullptr;
    if (appender_) duckdb_appender_destroy(&appender_);
    appender_ = nullptr;
    for (auto& t : types_) duckdb_destroy_logical_type(&t);
    types_.clear();
    if (con_) duckdb_disconnect(&con_);
    con_ = nullptr;
    if (db_) duckdb_close(&db_);
    db_ = nullptr;
    std::error_code ec;
    std::filesystem::remove_all(spill_, ec);
  }

  std::string path_, tmp_, spill_;
  std::vector<Column> columns_;
  duckdb_database db_ = nullptr;
  duckdb_connection con_ = nullptr;
  duckdb_appender appender_ = nullptr;
  std::vector<duckdb_logical_type> types_;
  duckdb_data_chunk chunk_ = nullptr;
  idx_t rows_ = 0, capacity_ = 0;
  std::vector<idx_t> list_sizes_, list_reserved_;  // per list column: floats used, reserved
  bool done_ = false;
};

}  // namespace

bool ParquetAvailable(std::string* why) {
  if (why) why->clear();
  return true;
}

Result<std::unique_ptr<TableSink>> MakeParquetSink(const std::string& path) {
  return std::unique_ptr<TableSink>(std::make_unique<DuckDbParquetSink>(path));
}

}  // namespace panic::exporting
