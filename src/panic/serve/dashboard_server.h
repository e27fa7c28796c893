// `panic-tda serve`: the dashboard's HTTP server (cpp-httplib), docs/SERVE.md.
//
// Safety, by construction:
// - Binding: 127.0.0.1 by default; any host that is not loopback needs allow_remote
//   (CheckBinding), and the command warns when it is given.
// - Read-only: every connection is store::OpenMode::kReadOnly (SQLITE_OPEN_READONLY, mode=ro,
//   PRAGMA query_only): no table is created or migrated, an older file stays byte-identical,
//   and WAL lets it read while an experiment writes.
// - Requests: only GET and HEAD; the path is matched against fixed routes
//   (request_parsing.h) and ids must be UUIDs; bodies over kMaxBodyBytes are refused (413),
//   URIs and headers are bounded by cpp-httplib (8 KiB); a fixed thread pool serves the
//   connections, with read/write timeouts, so a slow client holds one thread for at most
//   the timeout.
// - Every response carries a strict Content-Security-Policy (default-src 'self', no inline
//   script) and nosniff; pages insert database strings as text, never as HTML.
#pragma once

#include <atomic>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "panic/core/status.h"
#include "panic/store/database.h"

namespace httplib {
class Server;
}

namespace panic::serve {

inline constexpr size_t kMaxBodyBytes = 64 * 1024;
inline constexpr const char* kContentSecurityPolicy =
    "default-src 'self'; img-src 'self'; script-src 'self'; style-src 'self'; object-src 'none'; "
    "base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

struct ServeOptions {
  std::string db_path;
  std::string host = "127.0.0.1";
  int port = 8080;  // 0: an ephemeral port (tests)
  bool allow_remote = false;
  int threads = 16;            // the pool that serves connections
  int timeout_seconds = 5;     // read and write timeout of a connection
};

// 127.0.0.0/8, ::1 and "localhost".
bool IsLoopbackHost(const std::string& host);

// InvalidArgument (exit 2) naming --allow-remote when the host is not loopback and remote
// access was not allowed; InvalidArgument for a port outside 0..65535 or threads < 1.
Status CheckOptions(const ServeOptions& options);

// Read-only connections to the database, one per request in flight (a Database is used by
// one thread at a time); opened on demand and kept for reuse.
class ConnectionPool {
 public:
  explicit ConnectionPool(std::string path) : path_(std::move(path)) {}
  // Returned to the pool when the lease ends.
  struct Lease {
    ConnectionPool* pool;
    std::unique_ptr<store::Database> db;
    ~Lease();
    Lease(ConnectionPool* p, std::unique_ptr<store::Database> d) : pool(p), db(std::move(d)) {}
    Lease(Lease&&) = default;
  };
  Result<Lease> Acquire();

 private:
  std::string path_;
  std::mutex mutex_;
  std::vector<std::unique_ptr<store::Database>> idle_;
};

class DashboardServer {
 public:
  // Checks the options and opens the database once (read-only) so that a missing or foreign
  // file is refused before anything listens.
  static Result<std::unique_ptr<DashboardServer>> Create(const ServeOptions& options);
  ~DashboardServer();

  // Binds the socket; returns the port (the ephemeral one when options.port is 0).
  Result<int> Bind();
  // Serves until Stop (blocking). Call after Bind.
  Status Run();
  // Serves on a thread of its own (tests, benchmarks); Stop ends it.
  Status Start();
  void Stop();

 private:
  explicit DashboardServer(const ServeOptions& options);
  void Install();

  ServeOptions options_;
  std::unique_ptr<httplib::Server> http_;
  ConnectionPool pool_;
  std::atomic<int> listen_fd_{-1};
  std::thread thread_;
};

}  // namespace panic::serve
