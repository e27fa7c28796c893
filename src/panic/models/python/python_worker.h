// The supervisor of the Python model worker (python/panic_worker): one child process
// per PythonWorker, started on first use, spoken to with the framed protocol of
// frame_codec.h, one request at a time.
//
// Faults: a crash, a call that passes its timeout, a malformed frame or an error the
// worker marks fatal (a device fault: illegal memory access, device-side assert) kills
// the child; the next attempt starts a fresh one, handshakes, reloads the model and
// sends the batch again. CallModel makes at most 1 + settings.retries attempts with
// exponential back-off between them, logging each failed attempt (model, batch size,
// error; the engine's LogScope adds the step), and then returns ModelFailed. Errors
// that cannot heal by retrying (no interpreter, no package, a missing Python
// dependency, no CUDA device, a bad load option: the worker marks them permanent) are
// returned at once.
//
// Out of memory is not a fault: the worker frees its cache and says so, and
// CallModelInChunks sends the batch again in halves, down to 1, lowering the model's
// batch cap to the size that fitted for the rest of this process (an experiment run).
//
// Thread safety: every method may be called from any thread; calls are serialised.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
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
  std::string reason;                // why it cannot run when no package is missing (no CUDA GPU)
  std::vector<std::string> options;  // the load options it takes (T2I: "image_size")
};

class PythonWorker {
 public:
  explicit PythonWorker(WorkerSettings settings);
  ~PythonWorker();  // asks the worker to shut down, then kills it if it does not
  PythonWorker(const PythonWorker&) = delete;
  PythonWorker& operator=(const PythonWorker&) = delete;

  WorkerSettings settings() const;
  // New settings apply from the next call; a change of interpreter or package folder
  // stops the running worker, a change of a model's load options forgets the batch size
  // learned for it.
  void UpdateSettings(WorkerSettings settings);

  // The worker's models (starting it if needed). NotFound when the interpreter or the
  // package is missing; IOError/ModelFailed when the worker cannot be started.
  Result<std::vector<WorkerModel>> ListModels();
  // What the last successful ListModels said of `model`; nullopt when it did not list it.
  std::optional<WorkerModel> Listed(const std::string& model) const;

  // Sends `request` (its "op" and "model" set by the caller) for the model `info`,
  // loading the model first (with settings().load_options) in a worker that has not
  // loaded it so, with the retries and restarts described above. The response frame,
  // whose header has "ok": true. When `out_of_memory` is given, a batch the worker
  // could not hold returns at once with *out_of_memory set; otherwise it counts as a
  // failed attempt.
  Result<Frame> CallModel(const ModelInfo& info, Frame request, bool* out_of_memory = nullptr);

  // Sends `count` inputs to the model in consecutive chunks of at most BatchLimit(info):
  // make(begin, n) builds a chunk's request, take(begin, n, reply) consumes its reply.
  // A chunk that runs out of memory is sent again as smaller chunks (half the size,
  // down to 1), and the model's cap stays at the size that fitted.
  Status CallModelInChunks(const ModelInfo& info, size_t count,
                           const std::function<Result<Frame>(size_t begin, size_t n)>& make,
                           const std::function<Status(size_t begin, size_t n, const Frame& reply)>& take);
  // The largest batch one call to the model takes now: options.max_batch if set, else
  // the worker's max_batch, lowered to what fitted after an out-of-memory error; 0 means
  // unlimited.
  int BatchLimit(const ModelInfo& info) const;
  // The cap learned from out-of-memory errors; 0 when none happened.
  int FittedBatch(const std::string& model) const;

  // One request of any op (e.g. "echo"), one attempt, no model loading: starts the
  // worker if needed. A transport failure kills it and is returned; a Python error is
  // returned as a frame whose header has "ok": false.
  Result<Frame> Call(Frame request, double timeout_s);

  // Unloads a model (mode "unload"), or moves its weights to host memory (mode "cpu":
  // its next call moves them back); nothing when no worker runs.
  Status Release(const std::string& model, const std::string& mode = "unload");
  // Unloads every model in the worker (the process stays); nothing when none runs.
  Status ReleaseAll();
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

  // REQUIRES: mu_ held. Loads `info` in the running worker unless it holds it with
  // the same options; a failed attempt's error (retriable or not) otherwise.
  Status LoadLocked(const ModelInfo& info, bool& retriable);

  mutable std::mutex mu_;
  WorkerSettings settings_;               // GUARDED_BY(mu_)
  std::unique_ptr<ChildProcess> child_;   // GUARDED_BY(mu_)
  std::map<std::string, nlohmann::json> loaded_;  // GUARDED_BY(mu_): models loaded in child_, with their options
  std::map<std::string, int> fitted_;     // GUARDED_BY(mu_): batch caps learned from OOM; survive restarts
  std::map<std::string, WorkerModel> listed_;  // GUARDED_BY(mu_): the last `list`
  int64_t next_id_ = 1;                   // GUARDED_BY(mu_)
  int starts_ = 0;                        // GUARDED_BY(mu_)
};

// "ValueError: message" from an error response's header.
std::string DescribeWorkerError(const nlohmann::json& header);

}  // namespace panic::models::python
