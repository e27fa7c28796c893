// The Parquet sink (parquet_sink.h): a ParquetWriter into `path`.tmp, renamed over `path`
// once the footer is written and the file synced, so a reader never sees a partial file.
#include "panic/export/parquet_sink.h"

#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>

#include "panic/export/parquet_writer.h"

namespace panic::exporting {
namespace {

class ParquetFileSink : public TableSink {
 public:
  explicit ParquetFileSink(std::string path) : path_(std::move(path)), tmp_(path_ + ".tmp") {}
  ~ParquetFileSink() override {
    writer_.reset();
    if (file_) std::fclose(file_);
    if (!done_) {
      std::error_code ec;
      std::filesystem::remove(tmp_, ec);
    }
  }

  Status Begin(const std::string&, const std::vector<Column>& columns) override {
    file_ = std::fopen(tmp_.c_str(), "wb");
    if (!file_) return Status::IOError("cannot create '" + tmp_ + "': " + std::strerror(errno));
    std::setvbuf(file_, nullptr, _IOFBF, size_t{1} << 20);
    writer_ = std::make_unique<ParquetWriter>(file_, columns);
    return Status::Ok();
  }

  Status Add(const Row& row) override { return writer_->Add(row); }

  Status End() override {
    PANIC_RETURN_IF_ERROR(writer_->Finish());
    writer_.reset();
    const bool flushed = std::fflush(file_) == 0 && ::fsync(fileno(file_)) == 0;
    const int error = errno;
    const bool closed = std::fclose(file_) == 0;
    file_ = nullptr;
    if (!flushed || !closed) return Status::IOError("cannot write '" + tmp_ + "': " + std::strerror(error));
    std::error_code ec;
    std::filesystem::rename(tmp_, path_, ec);
    if (ec) return Status::IOError("cannot rename '" + tmp_ + "' to '" + path_ + "': " + ec.message());
    done_ = true;
    return Status::Ok();
  }

 private:
  std::string path_, tmp_;
  std::FILE* file_ = nullptr;
  std::unique_ptr<ParquetWriter> writer_;
  bool done_ = false;
};

}  // namespace

Result<std::unique_ptr<TableSink>> MakeParquetSink(const std::string& path) {
  return std::unique_ptr<TableSink>(std::make_unique<ParquetFileSink>(path));
}

}  // namespace panic::exporting
