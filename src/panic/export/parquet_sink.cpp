// The Parquet sink (parquet_sink.h): a ParquetWriter into a temporary file beside `path`,
// renamed over `path` once the footer is written and the file synced (core/atomic_file.h),
// so a reader never sees a partial file.
//
// A large file is written back while it is being written: each time kSyncWindow more
// bytes have been written, the writeback of the new bytes is started (sync_file_range,
// asynchronous), and the range started the time before, whose writeback has had that long
// to finish, is waited for and dropped from the page cache (posix_fadvise DONTNEED). So
// the final fsync finds little dirty instead of gigabytes, and a 3 GB export does not push
// the database it reads out of the page cache. Both calls are advice: their failure is
// ignored (fflush and the AtomicFile's fsync in End still decide).
#include "panic/export/parquet_sink.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

#include "panic/core/atomic_file.h"
#include "panic/export/parquet_writer.h"

namespace panic::exporting {
namespace {

class ParquetFileSink : public TableSink {
 public:
  explicit ParquetFileSink(std::string path) : path_(std::move(path)) {}
  ~ParquetFileSink() override {
    writer_.reset();
    if (file_) std::fclose(file_);
  }

  Status Begin(const std::string&, const std::vector<Column>& columns) override {
    PANIC_ASSIGN_OR_RETURN(atomic_, AtomicFile::Create(path_));
    file_ = std::fopen(atomic_->temp_path().c_str(), "wb");
    if (!file_) return Status::IOError("cannot write '" + path_ + "': " + std::strerror(errno));
    std::setvbuf(file_, nullptr, _IOFBF, size_t{1} << 20);
    writer_ = std::make_unique<ParquetWriter>(file_, columns);
    return Status::Ok();
  }

  Status Add(const Row& row) override {
    PANIC_RETURN_IF_ERROR(writer_->Add(row));
    if (static_cast<off_t>(writer_->bytes_written()) >= started_ + kSyncWindow) WriteBack();
    return Status::Ok();
  }

  Status End() override {
    PANIC_RETURN_IF_ERROR(writer_->Finish());
    writer_.reset();
    const bool flushed = std::fflush(file_) == 0;
    const int error = errno;
    const bool closed = std::fclose(file_) == 0;
    file_ = nullptr;
    if (!flushed || !closed) return Status::IOError("cannot write '" + path_ + "': " + std::strerror(error));
    return atomic_->Commit();
  }

 private:
  static constexpr off_t kSyncWindow = off_t{64} << 20;

  // Starts the writeback of [started_, written), then waits for [waited_, started_), whose
  // writeback an earlier call started, and drops it from the cache.
  void WriteBack() {
    if (std::fflush(file_) != 0) return;  // the error stays on the stream for End
    const int fd = fileno(file_);
    const auto written = static_cast<off_t>(writer_->bytes_written());
    (void)::sync_file_range(fd, started_, written - started_, SYNC_FILE_RANGE_WRITE);
    if (started_ > waited_) {
      (void)::sync_file_range(fd, waited_, started_ - waited_,
                              SYNC_FILE_RANGE_WAIT_BEFORE | SYNC_FILE_RANGE_WRITE | SYNC_FILE_RANGE_WAIT_AFTER);
      (void)::posix_fadvise(fd, waited_, started_ - waited_, POSIX_FADV_DONTNEED);
    }
    waited_ = started_;
    started_ = written;
  }

  std::string path_;
  std::unique_ptr<AtomicFile> atomic_;  // removes the temporary file unless End committed it
  std::FILE* file_ = nullptr;
  off_t started_ = 0;  // writeback has been started for [0, started_)
  off_t waited_ = 0;   // ... and is complete, the pages dropped, for [0, waited_)
  std::unique_ptr<ParquetWriter> writer_;
};

}  // namespace

Result<std::unique_ptr<TableSink>> MakeParquetSink(const std::string& path) {
  return std::unique_ptr<TableSink>(std::make_unique<ParquetFileSink>(path));
}

}  // namespace panic::exporting
