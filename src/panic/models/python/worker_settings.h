// How the Python worker is started and supervised: the interpreter, where the
// panic_worker package lives, timeouts per call kind, retries and back-off.
//
// The interpreter, first match wins: --python (the registry's backend option
// "python.interpreter"), $PANIC_TDA_PYTHON, the experiment's options.python,
// /usr/bin/python3. (Debian's python3 has numpy and
// PIL as packages; a python3 found on $PATH may be another build without them.)
// The package folder (put on PYTHONPATH): $PANIC_TDA_WORKER_PATH, else the nearest
// share/panic-tda/python found from the executable's folder upward (core/install_paths.h:
// <prefix>/share/panic-tda/python when installed; the build tree links it to the sources).
//
// Thread safety: values.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "panic/core/option_schema.h"
#include "panic/models/model_options.h"
#include "panic/models/model.h"

namespace panic::models::python {

inline constexpr const char* kDefaultPython = "/usr/bin/python3";

struct WorkerSettings {
  std::string python = kDefaultPython;
  std::string package_dir;  // the folder holding panic_worker/
  double handshake_timeout_s = 60;  // start-up and hello
  double load_timeout_s = 3600;     // load (downloads of weights may be slow)
  double t2i_timeout_s = 600;
  double i2t_timeout_s = 300;
  double text_embedding_timeout_s = 300;
  double image_embedding_timeout_s = 300;
  double control_timeout_s = 60;    // list, release, shutdown
  int retries = 2;                  // further attempts after the first
  double backoff_s = 0.5;           // wait before retry k: backoff_s × 2^(k−1)
  std::vector<std::pair<std::string, std::string>> extra_env;  // added to the worker's environment
  // options.max_batch: a model's batch cap, replacing the one the worker reports (both
  // bounded by what fits: PythonWorker lowers a model's cap when a batch runs out of memory).
  std::map<std::string, int> max_batch;
  // The `load` request's options per model (options.image_size becomes {"image_size": n}).
  std::map<std::string, nlohmann::json> load_options;

  double CallTimeout(ModelKind kind) const;
};

// The experiment options the Python backend owns (declared through the registry by
// RegisterPythonModels; core/option_schema.h):
//   python           the interpreter's path
//   worker_timeouts  {"T2I": seconds, ...}, kinds: handshake, load, T2I, I2T,
//                    text-embedding, image-embedding
//   worker_retries   0..10 further attempts after a failed call
//   worker_backoff   0..3600 seconds before the first retry
//   image_size       {"ModelName": pixels}: which models take it and which sizes is
//                    checked against the worker's list (ValidatePythonModelOptions)
inline constexpr const char* kPythonBackendOwner = "python backend";

struct PythonOptions {
  std::optional<std::string> python;
  std::vector<std::pair<std::string, double>> worker_timeouts;
  std::optional<int> worker_retries;
  std::optional<double> worker_backoff;
  std::vector<std::pair<std::string, int>> image_size;
};

const std::vector<OptionField<PythonOptions>>& PythonOptionFields();
std::vector<OptionSpec> PythonOptionSpecs();
Result<PythonOptions> ReadPythonOptions(const nlohmann::json& options);

// Settings from `python_override` (the --python flag; empty: none), the environment
// and defaults (no experiment options).
WorkerSettings DefaultWorkerSettings(const std::string& python_override = "");
// `base` with an experiment's options applied (python, worker_timeouts, worker_retries,
// worker_backoff, max_batch, image_size), keeping the precedence above for the
// interpreter: options.python applies only when `python_override` and
// $PANIC_TDA_PYTHON are empty.
WorkerSettings ApplyExperimentOptions(WorkerSettings base, const PythonOptions& options,
                                      const ModelOptions& model_options, const std::string& python_override = "");
// The same from a checked options object (its Python and registry keys).
Result<WorkerSettings> ApplyExperimentOptions(WorkerSettings base, const nlohmann::json& options,
                                              const std::string& python_override = "");

// The panic_worker package folder as described above; empty when none is found.
std::string FindWorkerPackageDir();

}  // namespace panic::models::python
