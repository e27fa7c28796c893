#include "panic/models/python/python_worker.h"

#include <cmath>
#include <cstdlib>
#include <optional>
#include <thread>

#include "panic/core/log.h"
#include "panic/core/version.h"

namespace panic::models::python {
namespace {

constexpr int kProtocolVersion = 1;
constexpr auto kShutdownGrace = std::chrono::milliseconds(2000);
constexpr auto kStderrWait = std::chrono::milliseconds(500);

Clock::time_point DeadlineIn(double seconds) {
  return Clock::now() + std::chrono::microseconds(static_cast<int64_t>(seconds * 1e6));
}

std::string Seconds(double s) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%g s", s);
  return buf;
}

ModelKind KindFromName(const std::string& kind, bool& ok) {
  ok = true;
  if (kind == "T2I") return ModelKind::kTextToImage;
  if (kind == "I2T") return ModelKind::kImageToText;
  if (kind == "text-embedding") return ModelKind::kTextEmbedding;
  if (kind == "image-embedding") return ModelKind::kImageEmbedding;
  ok = false;
  return ModelKind::kTextToImage;
}

// A failed attempt: what to log and whether the worker must be replaced.
struct AttemptError {
  Status status;
  bool retriable = true;
};

}  // namespace

std::string DescribeWorkerError(const nlohmann::json& header) {
  const auto err = header.value("error", nlohmann::json::object());
  return err.value("type", std::string("Error")) + ": " + err.value("message", std::string("(no message)"));
}

PythonWorker::PythonWorker(WorkerSettings settings) : settings_(std::move(settings)) {}

PythonWorker::~PythonWorker() { Shutdown(); }

WorkerSettings PythonWorker::settings() const {
  std::lock_guard<std::mutex> lock(mu_);
  return settings_;
}

void PythonWorker::UpdateSettings(WorkerSettings settings) {
  std::lock_guard<std::mutex> lock(mu_);
  const bool restart = settings.python != settings_.python || settings.package_dir != settings_.package_dir ||
                       settings.extra_env != settings_.extra_env;
  // A batch size learned at one image size says nothing about another.
  auto options_of = [](const WorkerSettings& w, const std::string& model) {
    auto it = w.load_options.find(model);
    return it == w.load_options.end() ? nlohmann::json() : it->second;
  };
  std::erase_if(fitted_, [&](const auto& kv) { return options_of(settings_, kv.first) != options_of(settings, kv.first); });
  settings_ = std::move(settings);
  if (restart) StopLocked();
}

int PythonWorker::starts() const {
  std::lock_guard<std::mutex> lock(mu_);
  return starts_;
}

int PythonWorker::pid() const {
  std::lock_guard<std::mutex> lock(mu_);
  return child_ ? static_cast<int>(child_->pid()) : -1;
}

void PythonWorker::StopLocked() {
  if (!child_) return;
  Frame bye;
  bye.header = {{"op", "shutdown"}, {"id", next_id_++}};
  if (child_->Send(EncodeFrame(bye), DeadlineIn(1)).ok()) child_->Stop(kShutdownGrace);
  child_.reset();
  loaded_.clear();
}

void PythonWorker::Shutdown() {
  std::lock_guard<std::mutex> lock(mu_);
  StopLocked();
}

Status PythonWorker::EnsureStartedLocked() {
  if (child_) return Status::Ok();
  if (settings_.package_dir.empty()) {
    return Status::NotFound("the panic_worker Python package was not found beside the executable "
                            "(<prefix>/share/panic-tda/python); set $PANIC_TDA_WORKER_PATH to the python/ "
                            "folder of the panic-tda sources");
  }
  std::string pythonpath = settings_.package_dir;
  if (const char* old = std::getenv("PYTHONPATH"); old && *old) pythonpath += std::string(":") + old;
  std::vector<std::pair<std::string, std::string>> env = {
      {"PYTHONPATH", pythonpath}, {"PYTHONDONTWRITEBYTECODE", "1"}, {"PYTHONUNBUFFERED", "1"},
      {"PANIC_TDA_VERSION", kPanicVersion}};  // the worker reports it as its version
  for (const auto& kv : settings_.extra_env) env.push_back(kv);
  PANIC_ASSIGN_OR_RETURN(child_, ChildProcess::Start({settings_.python, "-m", "panic_worker"}, env, "python worker"));
  ++starts_;
  loaded_.clear();
  Frame hello;
  hello.header = {{"op", "hello"}, {"protocol", kProtocolVersion}};
  auto reply = ExchangeLocked(std::move(hello), settings_.handshake_timeout_s);
  if (!reply.ok()) return reply.status().WithContext("starting the Python worker (" + settings_.python + " -m panic_worker)");
  if (!reply->header.value("ok", false) || reply->header.value("protocol", 0) != kProtocolVersion) {
    StopLocked();
    return Status::ModelFailed("the Python worker answered the handshake with " + reply->header.dump() +
                               " (expected protocol " + std::to_string(kProtocolVersion) + ")");
  }
  Log(LogLevel::kInfo, "python worker started: pid " + std::to_string(reply->header.value("pid", 0)) + ", Python " +
                           reply->header.value("python", std::string("?")) + " (" + settings_.python + ")");
  return Status::Ok();
}

Result<Frame> PythonWorker::ExchangeLocked(Frame request, double timeout_s) {
  const int64_t id = next_id_++;
  request.header["id"] = id;
  const std::string op = request.header.value("op", std::string("?"));
  const auto deadline = DeadlineIn(timeout_s);
  auto fail = [&](const Status& why) -> Status {
    std::string msg = why.message();
    if (child_->timed_out()) msg = "no answer to '" + op + "' within " + Seconds(timeout_s) + " (hung?)";
    const std::string ended = child_->Kill();
    const std::string tail = child_->StderrTailAfterExit(kStderrWait);
    msg += "; worker " + ended + " and replaced";
    if (!tail.empty()) msg += "; its stderr ended: " + tail;
    child_.reset();
    loaded_.clear();
    return Status::ModelFailed(msg);
  };
  if (Status s = child_->Send(EncodeFrameHead(request), deadline); !s.ok()) return fail(s);
  for (const auto& blob : request.blobs) {
    if (Status s = child_->Send(blob, deadline); !s.ok()) return fail(s);
  }
  std::string prefix;
  if (Status s = child_->ReceiveExactly(kFramePrefixSize, prefix, deadline); !s.ok()) return fail(s);
  auto lengths = DecodeFramePrefix(prefix);
  if (!lengths.ok()) return fail(lengths.status());
  std::string header;
  if (Status s = child_->ReceiveExactly(lengths->header_len, header, deadline); !s.ok()) return fail(s);
  std::string body;
  body.reserve(lengths->body_len);
  if (Status s = child_->ReceiveExactly(lengths->body_len, body, deadline); !s.ok()) return fail(s);
  auto frame = DecodeFrameParts(header, std::move(body));
  if (!frame.ok()) return fail(frame.status());
  if (frame->header.value("id", int64_t{-1}) != id) {
    return fail(Status::Corruption("malformed frame: a response for request " + frame->header.value("id", nlohmann::json()).dump() +
                                   " where " + std::to_string(id) + " was expected"));
  }
  return frame;
}

Result<std::vector<WorkerModel>> PythonWorker::ListModels() {
  std::lock_guard<std::mutex> lock(mu_);
  PANIC_RETURN_IF_ERROR(EnsureStartedLocked());
  Frame req;
  req.header = {{"op", "list"}};
  PANIC_ASSIGN_OR_RETURN(Frame reply, ExchangeLocked(std::move(req), settings_.control_timeout_s));
  if (!reply.header.value("ok", false)) return Status::ModelFailed("python worker: list: " + DescribeWorkerError(reply.header));
  std::vector<WorkerModel> out;
  try {
    for (const auto& m : reply.header.at("models")) {
      bool known_kind = false;
      const ModelKind kind = KindFromName(m.at("kind").get<std::string>(), known_kind);
      if (!known_kind) continue;
      WorkerModel w;
      w.info.name = m.at("name").get<std::string>();
      w.info.kind = kind;
      w.info.input = m.at("input").get<std::string>() == "text" ? Modality::kText : Modality::kImage;
      w.info.output = m.at("output").get<std::string>() == "text" ? Modality::kText : Modality::kImage;
      w.info.dimension = m.value("dimension", 0);
      w.info.backend = "python";
      w.info.description = m.value("description", std::string());
      w.info.max_batch = m.value("max_batch", 0);
      w.available = m.value("available", false);
      w.missing = m.value("missing", std::vector<std::string>());
      w.reason = m.value("reason", std::string());
      w.options = m.value("options", std::vector<std::string>());
      out.push_back(std::move(w));
    }
  } catch (const nlohmann::json::exception& e) {
    return Status::Corruption(std::string("python worker: a malformed model list: ") + e.what());
  }
  listed_.clear();
  for (const auto& m : out) listed_[m.info.name] = m;
  return out;
}

std::optional<WorkerModel> PythonWorker::Listed(const std::string& model) const {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = listed_.find(model);
  if (it == listed_.end()) return std::nullopt;
  return it->second;
}

Status PythonWorker::LoadLocked(const ModelInfo& info, bool& retriable) {
  const auto wanted = settings_.load_options.find(info.name);
  const nlohmann::json options = wanted == settings_.load_options.end() ? nlohmann::json::object() : wanted->second;
  if (auto it = loaded_.find(info.name); it != loaded_.end() && it->second == options) return Status::Ok();
  Frame load;
  load.header = {{"op", "load"}, {"model", info.name}, {"options", options}};
  auto reply = ExchangeLocked(std::move(load), settings_.load_timeout_s);
  if (!reply.ok()) return reply.status().WithContext("loading " + info.name);
  if (!reply->header.value("ok", false)) {
    const auto& err = reply->header["error"];
    // A missing package, no CUDA device or a bad option stays so.
    retriable = !err.value("permanent", false) && err.value("type", std::string()) != "ModuleNotFoundError";
    if (err.value("fatal", false)) StopLocked();
    if (retriable) Log(LogLevel::kWarning, "python worker: " + info.name + " load traceback: " + err.value("traceback", std::string()));
    return Status::ModelFailed("loading " + info.name + ": " + DescribeWorkerError(reply->header));
  }
  loaded_[info.name] = options;
  return Status::Ok();
}

Result<Frame> PythonWorker::CallModel(const ModelInfo& info, Frame request, bool* out_of_memory) {
  std::lock_guard<std::mutex> lock(mu_);
  const size_t batch = request.header.contains("inputs") ? request.header["inputs"].size() : 0;
  const int attempts = 1 + std::max(0, settings_.retries);
  const std::string what = info.name + " batch of " + std::to_string(batch);
  Status last;
  for (int attempt = 1; attempt <= attempts; ++attempt) {
    if (attempt > 1) {
      const double wait = settings_.backoff_s * std::pow(2.0, attempt - 2);
      std::this_thread::sleep_for(std::chrono::microseconds(static_cast<int64_t>(wait * 1e6)));
    }
    AttemptError error;
    std::optional<Frame> result;
    [&] {
      if (Status s = EnsureStartedLocked(); !s.ok()) {
        error = {s, s.code() != StatusCode::kNotFound};  // no interpreter or package: retrying cannot help
        return;
      }
      if (Status s = LoadLocked(info, error.retriable); !s.ok()) {
        error.status = s;
        return;
      }
      auto reply = ExchangeLocked(request, settings_.CallTimeout(info.kind));
      if (!reply.ok()) {
        error = {reply.status()};
        return;
      }
      if (!reply->header.value("ok", false)) {
        const auto& err = reply->header["error"];
        if (err.value("oom", false) && out_of_memory) {
          *out_of_memory = true;  // the caller splits the batch; the worker has freed its cache
          error = {Status::ModelFailed(DescribeWorkerError(reply->header)), false};
          return;
        }
        Log(LogLevel::kWarning, "python worker: " + what + " traceback: " + err.value("traceback", std::string()));
        if (err.value("fatal", false)) {
          StopLocked();  // a device fault poisons the process: start a fresh one
          error = {Status::ModelFailed(DescribeWorkerError(reply->header) + " (fatal: worker replaced)")};
        } else {
          error = {Status::ModelFailed(DescribeWorkerError(reply->header)), !err.value("permanent", false)};
        }
        return;
      }
      result = std::move(reply).value();
    }();
    if (result) return std::move(*result);
    if (out_of_memory && *out_of_memory) return error.status;
    last = error.status;
    const bool more = error.retriable && attempt < attempts;
    Log(LogLevel::kWarning, "python worker: " + what + ": attempt " + std::to_string(attempt) + "/" +
                                std::to_string(attempts) + " failed: " + last.message() +
                                (more ? "; retrying in " + Seconds(settings_.backoff_s * std::pow(2.0, attempt - 1))
                                      : "; giving up"));
    if (!more) {
      return Status::ModelFailed("python worker: " + info.name + " failed after " + std::to_string(attempt) +
                                 " attempt(s): " + last.message());
    }
  }
  return Status::Internal("unreachable");
}

int PythonWorker::BatchLimit(const ModelInfo& info) const {
  std::lock_guard<std::mutex> lock(mu_);
  int limit = info.max_batch;
  if (auto it = settings_.max_batch.find(info.name); it != settings_.max_batch.end()) limit = it->second;
  if (auto it = fitted_.find(info.name); it != fitted_.end()) limit = limit > 0 ? std::min(limit, it->second) : it->second;
  return limit;
}

int PythonWorker::FittedBatch(const std::string& model) const {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = fitted_.find(model);
  return it == fitted_.end() ? 0 : it->second;
}

Status PythonWorker::CallModelInChunks(const ModelInfo& info, size_t count,
                                       const std::function<Result<Frame>(size_t, size_t)>& make,
                                       const std::function<Status(size_t, size_t, const Frame&)>& take) {
  size_t begin = 0;
  while (begin < count) {
    const int limit = BatchLimit(info);
    const size_t n = limit > 0 ? std::min(count - begin, static_cast<size_t>(limit)) : count - begin;
    PANIC_ASSIGN_OR_RETURN(Frame request, make(begin, n));
    bool out_of_memory = false;
    // A single input that does not fit is an ordinary failure, retried with back-off
    // (another process may be holding the memory).
    auto reply = CallModel(info, std::move(request), n > 1 ? &out_of_memory : nullptr);
    if (out_of_memory) {
      const int half = static_cast<int>((n + 1) / 2);
      {
        std::lock_guard<std::mutex> lock(mu_);
        fitted_[info.name] = half;
      }
      Log(LogLevel::kWarning, "python worker: " + info.name + " ran out of memory with a batch of " + std::to_string(n) +
                                  " (" + reply.status().message() + "); batches of at most " + std::to_string(half) +
                                  " from now on");
      continue;
    }
    PANIC_RETURN_IF_ERROR(reply.status());
    PANIC_RETURN_IF_ERROR(take(begin, n, *reply));
    begin += n;
  }
  return Status::Ok();
}

Result<Frame> PythonWorker::Call(Frame request, double timeout_s) {
  std::lock_guard<std::mutex> lock(mu_);
  PANIC_RETURN_IF_ERROR(EnsureStartedLocked());
  return ExchangeLocked(std::move(request), timeout_s);
}

Status PythonWorker::Release(const std::string& model, const std::string& mode) {
  std::lock_guard<std::mutex> lock(mu_);
  if (!child_ || !loaded_.count(model)) return Status::Ok();
  Frame req;
  req.header = {{"op", "release"}, {"model", model}, {"mode", mode}};
  PANIC_ASSIGN_OR_RETURN(Frame reply, ExchangeLocked(std::move(req), settings_.control_timeout_s));
  if (mode == "unload") loaded_.erase(model);
  if (!reply.header.value("ok", false)) return Status::ModelFailed("python worker: release " + model + ": " + DescribeWorkerError(reply.header));
  return Status::Ok();
}

Status PythonWorker::ReleaseAll() {
  std::lock_guard<std::mutex> lock(mu_);
  if (!child_ || loaded_.empty()) return Status::Ok();
  Frame req;
  req.header = {{"op", "release"}, {"mode", "unload"}};
  PANIC_ASSIGN_OR_RETURN(Frame reply, ExchangeLocked(std::move(req), settings_.control_timeout_s));
  loaded_.clear();
  if (!reply.header.value("ok", false)) return Status::ModelFailed("python worker: release: " + DescribeWorkerError(reply.header));
  return Status::Ok();
}

}  // namespace panic::models::python
