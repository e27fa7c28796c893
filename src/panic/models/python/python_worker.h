// The supervisor of the Python model worker (python/panic_worker): one child process
// per PythonWorker, started on first use, spoken to with the framed protocol of
// frame_codec.h, one request at a time.
//
// Faults: a crash, a call that passes its timeout, a malformed frame or an error the
// worker marks fatal (CUDA-type) kills the child; the next attempt starts a fresh one,
// handshakes, reloads the model and sends the batch again. CallModel makes at most
// 1 + settings.retries attempts with exponential back-off between them, logging each
// failed attempt (model, batch size, error; the engine's LogScope adds the step), and
// then returns ModelFailed. Errors that cannot heal by retrying (no interpreter, no
// package, a missing Python dependency) are returned at once.
//
// Thread safety: every method may be called from any thread; calls are serialised.
#pragma once

#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include "panic/models/model.h"
#include "panic/models/python/child_process.h"
#include "panic/models/python/frame_codec.h"
#include "panic/models/python/worker_settings.h"

namespace panic::models::python {

// What `list` says about one model.
struct WorkerModel {
  ModelInfo info;  // backend "python"
  bool available = false;
  std::vector<std::string> missing;  // Python packages the model needs but cannot import
};

class PythonWorker {
 public:
  explicit PythonWorker(WorkerSettings settings);
  ~PythonWorker();  // asks the worker to shut down, then kills it if it does not
  PythonWorker(const PythonWorker&) = delete;
  PythonWorker& operator=(const PythonWorker&) = delete;

  WorkerSettings settings() const;
  // New settings apply from the next call; a change of interpreter or package folder
  // stops the running worker.
  void UpdateSettings(WorkerSettings settings);

  // The worker's models (starting it if needed). NotFound when the interpreter or the
  // package is missing; IOError/ModelFailed when the worker cannot be started.
  Result<std::vector<WorkerModel>> ListModels();

  // Sends `request` (its "op" and "model" set by the caller) for the model `info`,
  // loading the model first in a worker that has not loaded it, with the retries and
  // restarts described above. The response frame, whose header has "ok": true.
  Result<Frame> CallModel(const ModelInfo& info, Frame request);

  // One request of any op (e.g. "echo"), one attempt, no model loading: starts the
  // worker if needed. A transport failure kills it and is returned; a Python error is
  // returned as a frame whose header has "ok": false.
  Result<Frame> Call(Frame request, double timeout_s);

  // Unloads a model (or moves it to the CPU: mode "cpu"); nothing when no worker runs.
  Status Release(const std::string& model, const std::string& mode = "unload");
  // Stops the worker process (the next call starts a new one).
  void Shutdown();

  // For tests and benchmarks: how many processes were started, and the current pid (−1: none).
  int starts() const;
  int pid() const;

 private:
  // REQUIRES: mu_ held.
  Status EnsureStartedLocked();
  // One request and its response. A transport failure (exit, timeout, malformed frame)
  // kills the child and is returned as an error; a Python error comes back as a frame
  // with "ok": false.
  Result<Frame> ExchangeLocked(Frame request, double timeout_s);
  void StopLocked();

  mutable std::mutex mu_;
  WorkerSettings settings_;               // GUARDED_BY(mu_)
  std::unique_ptr<ChildProcess> child_;   // GUARDED_BY(mu_)
  std::set<std::string> loaded_;          // GUARDED_BY(mu_): models loaded in child_
  int64_t next_id_ = 1;                   // GUARDED_BY(mu_)
  int starts_ = 0;                        // GUARDED_BY(mu_)
};

// "ValueError: message" from an error response's header.
std::string DescribeWorkerError(const nlohmann::json& header);

}  // namespace panic::models::python
