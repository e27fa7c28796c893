#include "panic/serve/dashboard_server.h"

#include <arpa/inet.h>
#include <httplib.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <chrono>

#include "panic/serve/dashboard_api.h"
#include "panic/serve/embedded_assets.h"
#include "panic/serve/request_parsing.h"

namespace panic::serve {
namespace {

// Connections waiting to be accepted. cpp-httplib listens with a backlog of 5, which makes
// a burst of clients wait for SYN retries (1 s and more); the socket is listened on again
// with this backlog once bound (Linux updates the backlog of a listening socket).
constexpr int kListenBacklog = 1024;

void Send(const Reply& reply, httplib::Response& res) {
  res.status = reply.status;
  for (const auto& [k, v] : reply.headers) res.set_header(k, v);
  if (!reply.content_type.empty()) res.set_content(reply.body, reply.content_type.c_str());
}

// What cpp-httplib's own refusals mean.
std::string HttpError(int status) {
  switch (status) {
    case 400: return "bad request";
    case 413: return "request body larger than the " + std::to_string(kMaxBodyBytes) + " bytes allowed";
    case 414: return "request URI too long";
    case 431: return "request headers too large";
    default: return "HTTP " + std::to_string(status);
  }
}

}  // namespace

bool IsLoopbackHost(const std::string& host) {
  if (host == "localhost" || host == "::1" || host == "[::1]") return true;
  in_addr a{};
  if (inet_pton(AF_INET, host.c_str(), &a) == 1) return (ntohl(a.s_addr) >> 24) == 127;
  return false;
}

Status CheckOptions(const ServeOptions& o) {
  if (o.port < 0 || o.port > 65535) {
    return Status::InvalidArgument("--port: " + std::to_string(o.port) + " is not a port (0 to 65535)");
  }
  if (o.threads < 1 || o.threads > 1024) {
    return Status::InvalidArgument("--threads: " + std::to_string(o.threads) + " is not allowed (1 to 1024)");
  }
  if (o.host.empty()) return Status::InvalidArgument("--host: empty (default 127.0.0.1)");
  if (!IsLoopbackHost(o.host) && !o.allow_remote) {
    return Status::InvalidArgument("--host " + o.host +
                                   " is not a loopback address: serving it to the network needs --allow-remote "
                                   "(the dashboard has no authentication)");
  }
  return Status::Ok();
}

ConnectionPool::Lease::~Lease() {
  if (!pool || !db) return;
  std::lock_guard<std::mutex> lock(pool->mutex_);
  pool->idle_.push_back(std::move(db));
}

Result<ConnectionPool::Lease> ConnectionPool::Acquire() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (!idle_.empty()) {
      auto db = std::move(idle_.back());
      idle_.pop_back();
      return Lease(this, std::move(db));
    }
  }
  PANIC_ASSIGN_OR_RETURN(auto db, store::Database::Open(path_, store::OpenMode::kReadOnly));
  return Lease(this, std::move(db));
}

DashboardServer::DashboardServer(const ServeOptions& options)
    : options_(options), http_(std::make_unique<httplib::Server>()), pool_(options.db_path) {}

DashboardServer::~DashboardServer() { Stop(); }

Result<std::unique_ptr<DashboardServer>> DashboardServer::Create(const ServeOptions& options) {
  PANIC_RETURN_IF_ERROR(CheckOptions(options));
  std::unique_ptr<DashboardServer> server(new DashboardServer(options));
  PANIC_RETURN_IF_ERROR(server->pool_.Acquire().status());  // refuses a missing or foreign file now
  server->Install();
  return server;
}

void DashboardServer::Install() {
  httplib::Server& s = *http_;
  const int threads = options_.threads;
  s.new_task_queue = [threads] { return new httplib::ThreadPool(static_cast<size_t>(threads)); };
  s.set_read_timeout(options_.timeout_seconds, 0);
  s.set_write_timeout(options_.timeout_seconds, 0);
  s.set_keep_alive_timeout(options_.timeout_seconds);
  s.set_keep_alive_max_count(100);
  s.set_payload_max_length(kMaxBodyBytes);
  s.set_tcp_nodelay(true);  // small answers go out at once (no 40 ms delayed-ACK stalls)
  s.set_socket_options([this](int sock) {
    int yes = 1;
    setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
    listen_fd_ = sock;
  });
  s.set_default_headers({{"Content-Security-Policy", kContentSecurityPolicy},
                         {"X-Content-Type-Options", "nosniff"},
                         {"Referrer-Policy", "no-referrer"},
                         {"X-Frame-Options", "DENY"}});
  // Every request is answered here, before cpp-httplib's router: one place decides.
  s.set_pre_routing_handler([this](const httplib::Request& req, httplib::Response& res) {
    if (req.method != "GET" && req.method != "HEAD") {
      Send(ErrorReply(405, "method " + req.method.substr(0, 16) + " is not allowed (the dashboard only reads)"), res);
      res.set_header("Allow", "GET, HEAD");
      return httplib::Server::HandlerResponse::Handled;
    }
    auto route = ParseRoute(req.path);
    if (!route.ok()) {
      Send(StatusReply(route.status()), res);
      return httplib::Server::HandlerResponse::Handled;
    }
    if (route->kind == RouteKind::kPage || route->kind == RouteKind::kAsset) {
      const EmbeddedAsset* asset = FindAsset(route->name);
      if (!asset) {
        Send(ErrorReply(404, "no such file: '" + route->name.substr(0, 64) + "'"), res);
        return httplib::Server::HandlerResponse::Handled;
      }
      res.set_header("Cache-Control", "no-cache");
      res.set_content(std::string(asset->bytes), std::string(AssetContentType(asset->name)).c_str());
      return httplib::Server::HandlerResponse::Handled;
    }
    QueryParams params;
    for (const auto& [k, v] : req.params) params[k] = v;
    auto lease = pool_.Acquire();
    if (!lease.ok()) {
      Send(StatusReply(lease.status()), res);
      return httplib::Server::HandlerResponse::Handled;
    }
    Send(AnswerApi(*lease->db, *route, params, req.get_header_value("If-None-Match")), res);
    return httplib::Server::HandlerResponse::Handled;
  });
  s.set_exception_handler([](const httplib::Request&, httplib::Response& res, std::exception_ptr ep) {
    std::string what = "internal error";
    try {
      if (ep) std::rethrow_exception(ep);
    } catch (const std::exception& e) {
      what = std::string("internal error: ") + e.what();
    } catch (...) {
    }
    Send(ErrorReply(500, what), res);
  });
  // Errors cpp-httplib raises itself (413 body too large, 414 URI too long, 400 bad request)
  // get the same JSON body.
  s.set_error_handler([](const httplib::Request&, httplib::Response& res) {
    if (!res.body.empty()) return;
    Send(ErrorReply(res.status, HttpError(res.status)), res);
  });
}

Result<int> DashboardServer::Bind() {
  int port = options_.port;
  if (port == 0) {
    port = http_->bind_to_any_port(options_.host);
    if (port <= 0) return Status::IOError("cannot bind " + options_.host + " to a port");
  } else if (!http_->bind_to_port(options_.host, port)) {
    return Status::IOError("cannot listen on " + options_.host + ":" + std::to_string(port) +
                           " (in use, or not an address of this machine)");
  }
  if (listen_fd_ >= 0) (void)::listen(listen_fd_, kListenBacklog);
  return port;
}

Status DashboardServer::Run() {
  if (!http_->listen_after_bind()) return Status::IOError("the server stopped listening");
  return Status::Ok();
}

Status DashboardServer::Start() {
  thread_ = std::thread([this] { (void)http_->listen_after_bind(); });
  for (int i = 0; i < 5000 && !http_->is_running(); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  return http_->is_running() ? Status::Ok() : Status::IOError("the server did not start listening");
}

void DashboardServer::Stop() {
  if (http_) http_->stop();
  if (thread_.joinable()) thread_.join();
}

}  // namespace panic::serve
