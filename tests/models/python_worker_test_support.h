// Shared by the Python worker tests: settings with short timeouts, fault switches.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "panic/models/python/worker_settings.h"
#include "support/test_support.h"

namespace panic::testing {

// True when Debian's /usr/bin/python3 has numpy and PIL (python3-numpy, python3-pil).
inline bool HavePythonWorkerDeps() {
  static const bool have = RunShell("/usr/bin/python3 -c 'import numpy, PIL'").exit_code == 0;
  return have;
}

// Worker settings for tests: Debian's python, the source tree's package, timeouts of a
// few seconds and a short back-off so that fault tests stay fast.
inline models::python::WorkerSettings TestWorkerSettings() {
  models::python::WorkerSettings s;
  s.python = "/usr/bin/python3";
  s.package_dir = SourcePath("python");
  s.handshake_timeout_s = 20;
  s.load_timeout_s = 20;
  s.t2i_timeout_s = s.i2t_timeout_s = s.text_embedding_timeout_s = s.image_embedding_timeout_s = 2;
  s.control_timeout_s = 10;
  s.retries = 2;
  s.backoff_s = 0.05;
  return s;
}

// `s` with the worker's fault switches (python/panic_worker/faults.py) set to `faults`,
// counting in `state_dir`.
inline models::python::WorkerSettings WithFaults(models::python::WorkerSettings s, const nlohmann::json& faults,
                                                 const std::string& state_dir) {
  s.extra_env = {{"PANIC_WORKER_FAULTS", faults.dump()}, {"PANIC_WORKER_FAULT_STATE", state_dir}};
  return s;
}

}  // namespace panic::testing
