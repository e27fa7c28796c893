#include "panic/export/data_export.h"

#include <cerrno>
#include <condition_variable>
#include <cstring>
#include <deque>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <thread>

#include "panic/core/atomic_file.h"
#include "panic/export/parquet_sink.h"
#include "panic/export/tidy_tables.h"

namespace panic::exporting {
namespace {

// Counts rows and hands them on; owns the inner sink.
class CountingSink : public TableSink {
 public:
  explicit CountingSink(std::unique_ptr<TableSink> inner) : inner_(std::move(inner)) {}
  Status Begin(const std::string& t, const std::vector<Column>& c) override { return inner_->Begin(t, c); }
  Status Add(const Row& row) override {
    ++rows_;
    return inner_->Add(row);
  }
  Status End() override { return inner_->End(); }
  int64_t rows() const { return rows_; }

 private:
  std::unique_ptr<TableSink> inner_;
  int64_t rows_ = 0;
};

// Hands the rows to a writer thread that runs `inner` (encoding, write(2), fsync), so that
// reading the database on this thread and writing the file overlap on two cores. Rows
// travel in batches; a bounded queue holds the reader back when the writer lags, and the
// writer's first error stops the reader at its next Add. Batches are recycled: copying a
// row onto a recycled one reuses its cells' buffers, so the queue allocates nothing in a
// steady export. Begin and End run on the caller's thread (End after the writer has
// drained the queue), so `inner` sees Begin, every Add in order, then End, one at a time.
class WriterThreadSink : public TableSink {
 public:
  explicit WriterThreadSink(std::unique_ptr<TableSink> inner) : inner_(std::move(inner)) {}
  ~WriterThreadSink() override { Stop(); }

  Status Begin(const std::string& t, const std::vector<Column>& c) override {
    PANIC_RETURN_IF_ERROR(inner_->Begin(t, c));
    thread_ = std::thread([this] { Drain(); });
    return Status::Ok();
  }

  Status Add(const Row& row) override {
    if (filling_.rows.size() == filling_.used) filling_.rows.emplace_back();
    filling_.rows[filling_.used++] = row;
    if (filling_.used < kBatchRows) return Status::Ok();
    return Submit();
  }

  Status End() override {
    PANIC_RETURN_IF_ERROR(Submit());
    Stop();
    if (!error_.ok()) return error_;
    return inner_->End();
  }

 private:
  static constexpr size_t kBatchRows = 256;  // ≈ 0.8 MB of 768-d embedding rows
  static constexpr size_t kMaxQueued = 8;

  struct Batch {
    std::vector<Row> rows;  // [0, used) are filled
    size_t used = 0;
  };

  // Queues the filled batch and takes a recycled one (or a new one) to fill next.
  Status Submit() {
    std::unique_lock lock(mutex_);
    room_.wait(lock, [&] { return queued_.size() < kMaxQueued || !error_.ok(); });
    if (!error_.ok()) return error_;
    if (filling_.used > 0) queued_.push_back(std::move(filling_));
    if (free_.empty()) {
      filling_ = Batch{};
    } else {
      filling_ = std::move(free_.back());
      free_.pop_back();
    }
    filling_.used = 0;
    work_.notify_one();
    return Status::Ok();
  }

  void Drain() {
    std::unique_lock lock(mutex_);
    while (true) {
      work_.wait(lock, [&] { return !queued_.empty() || closing_; });
      if (queued_.empty()) return;  // closing, and everything written
      Batch batch = std::move(queued_.front());
      queued_.pop_front();
      room_.notify_one();
      lock.unlock();
      Status status;
      for (size_t i = 0; i < batch.used && status.ok(); ++i) status = inner_->Add(batch.rows[i]);
      lock.lock();
      free_.push_back(std::move(batch));
      if (!status.ok()) {
        error_ = status;
        queued_.clear();
        room_.notify_all();
        return;
      }
    }
  }

  // Lets the writer finish what is queued and joins it.
  void Stop() {
    if (!thread_.joinable()) return;
    {
      std::lock_guard lock(mutex_);
      closing_ = true;
    }
    work_.notify_one();
    thread_.join();
  }

  std::unique_ptr<TableSink> inner_;
  std::thread thread_;
  std::mutex mutex_;
  std::condition_variable work_, room_;
  std::deque<Batch> queued_;
  std::vector<Batch> free_;
  Batch filling_;  // the reader's, outside the lock
  Status error_;   // the writer's first error
  bool closing_ = false;
};

// CSV into a temporary file beside `path`, renamed over it by End (core/atomic_file.h).
class CsvFileSink : public TableSink {
 public:
  explicit CsvFileSink(std::string path) : path_(std::move(path)) {}
  Status Begin(const std::string& t, const std::vector<Column>& c) override {
    PANIC_ASSIGN_OR_RETURN(file_, AtomicFile::Create(path_));
    stream_.open(file_->temp_path(), std::ios::binary | std::ios::trunc);
    if (!stream_) return Status::IOError("cannot write '" + path_ + "': " + std::strerror(errno));
    csv_ = MakeCsvSink(stream_, "'" + path_ + "'");
    return csv_->Begin(t, c);
  }
  Status Add(const Row& row) override { return csv_->Add(row); }
  Status End() override {
    PANIC_RETURN_IF_ERROR(csv_->End());
    stream_.close();
    if (!stream_) return Status::IOError("error writing '" + path_ + "'");
    return file_->Commit();
  }

 private:
  std::string path_;
  std::unique_ptr<AtomicFile> file_;  // before stream_: the stream closes first
  std::ofstream stream_;
  std::unique_ptr<TableSink> csv_;
};

using Writer = std::function<Status(store::Database&, const std::vector<std::string>&, const TidyOptions&, TableSink&)>;

Writer WriterFor(const std::string& table) {
  if (table == "experiments") {
    return [](store::Database& db, const std::vector<std::string>& e, const TidyOptions&, TableSink& s) {
      return WriteExperimentsTable(db, e, s);
    };
  }
  if (table == "runs") return WriteRunsTable;
  if (table == "invocations") {
    return [](store::Database& db, const std::vector<std::string>& e, const TidyOptions&, TableSink& s) {
      return WriteInvocationsTable(db, e, s);
    };
  }
  if (table == "embeddings") return WriteEmbeddingsTable;
  if (table == "diagrams") return WriteDiagramsTable;
  if (table == "entropy") return WriteEntropyTable;
  if (table == "clusters") return WriteClustersTable;
  if (table == "drift") return WriteDriftTable;
  if (table == "lyapunov") return WriteLyapunovTable;
  return WriteLyapunovCurveTable;
}

}  // namespace

const std::vector<std::string>& DataExportTables() {
  static const std::vector<std::string> kTables = {"experiments", "runs",     "invocations", "embeddings",
                                                   "diagrams",    "entropy",  "clusters",    "drift",
                                                   "lyapunov",    "lyapunov_curves"};
  return kTables;
}

Result<std::vector<ExportedTable>> ExportData(store::Database& db, const std::vector<std::string>& experiments,
                                              const DataExportOptions& options) {
  if (options.format != "csv" && options.format != "parquet") {
    return Status::InvalidArgument("--format: '" + options.format + "' is not one of: csv, parquet");
  }
  PANIC_RETURN_IF_ERROR(CheckEmbeddingModel(db, experiments, options.model));
  std::error_code ec;
  if (std::filesystem::exists(options.directory, ec) && !std::filesystem::is_directory(options.directory, ec)) {
    return Status::InvalidArgument("--output: '" + options.directory + "' is a file, not a folder (give a folder for the table files)");
  }
  std::filesystem::create_directories(options.directory, ec);
  if (ec) return Status::IOError("--output: cannot create '" + options.directory + "': " + ec.message());
  TidyOptions tidy;
  tidy.model = options.model;
  tidy.threads = options.threads;
  tidy.cancel = options.cancel;
  std::vector<ExportedTable> out;
  const auto& tables = DataExportTables();
  for (size_t k = 0; k < tables.size(); ++k) {
    if (options.cancel && options.cancel->load()) return Status::Cancelled("interrupted");
    const std::string path = (std::filesystem::path(options.directory) / (tables[k] + "." + options.format)).string();
    std::unique_ptr<TableSink> file;
    if (options.format == "csv") {
      file = std::make_unique<CsvFileSink>(path);
    } else {
      PANIC_ASSIGN_OR_RETURN(file, MakeParquetSink(path));
    }
    CountingSink sink(std::make_unique<WriterThreadSink>(std::move(file)));
    Status s = WriterFor(tables[k])(db, experiments, tidy, sink);
    if (!s.ok()) return s.WithContext("table " + tables[k]);
    out.push_back({tables[k], path, sink.rows()});
    if (options.progress) options.progress(static_cast<int64_t>(k + 1), static_cast<int64_t>(tables.size()), tables[k]);
  }
  return out;
}

}  // namespace panic::exporting
