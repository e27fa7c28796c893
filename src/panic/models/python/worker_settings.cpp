#include "panic/models/python/worker_settings.h"

#include <unistd.h>

#include <cstdlib>
#include <filesystem>

#include "panic/core/install_paths.h"

namespace panic::models::python {
namespace {

namespace fs = std::filesystem;

std::string Env(const char* name) {
  const char* v = std::getenv(name);
  return v ? std::string(v) : std::string();
}

bool HasWorker(const fs::path& dir) {
  std::error_code ec;
  return fs::is_regular_file(dir / "panic_worker" / "__main__.py", ec);
}

std::string OverrideOrEnvPython(const std::string& python_override) {
  return python_override.empty() ? Env("PANIC_TDA_PYTHON") : python_override;
}

}  // namespace

double WorkerSettings::CallTimeout(ModelKind kind) const {
  switch (kind) {
    case ModelKind::kTextToImage: return t2i_timeout_s;
    case ModelKind::kImageToText: return i2t_timeout_s;
    case ModelKind::kTextEmbedding: return text_embedding_timeout_s;
    case ModelKind::kImageEmbedding: return image_embedding_timeout_s;
  }
  return control_timeout_s;
}

std::string FindWorkerPackageDir() {
  if (std::string env = Env("PANIC_TDA_WORKER_PATH"); !env.empty()) return env;
  // <prefix>/share/panic-tda/python beside the executable (core/install_paths.h); the
  // build tree links it to the sources' python/ folder.
  if (auto dir = FindInstalledData("python"); dir && HasWorker(*dir)) return dir->string();
  return "";
}

WorkerSettings DefaultWorkerSettings(const std::string& python_override) {
  WorkerSettings s;
  if (std::string p = OverrideOrEnvPython(python_override); !p.empty()) s.python = p;
  s.package_dir = FindWorkerPackageDir();
  return s;
}

WorkerSettings ApplyExperimentOptions(WorkerSettings s, const ExperimentOptions& options,
                                      const std::string& python_override) {
  if (options.python && OverrideOrEnvPython(python_override).empty()) s.python = *options.python;
  for (const auto& [key, seconds] : options.worker_timeouts) {
    if (key == "handshake") s.handshake_timeout_s = seconds;
    else if (key == "load") s.load_timeout_s = seconds;
    else if (key == "T2I") s.t2i_timeout_s = seconds;
    else if (key == "I2T") s.i2t_timeout_s = seconds;
    else if (key == "text-embedding") s.text_embedding_timeout_s = seconds;
    else if (key == "image-embedding") s.image_embedding_timeout_s = seconds;
  }
  if (options.worker_retries) s.retries = *options.worker_retries;
  if (options.worker_backoff) s.backoff_s = *options.worker_backoff;
  for (const auto& [model, cap] : options.max_batch) s.max_batch[model] = cap;
  for (const auto& [model, px] : options.image_size) s.load_options[model]["image_size"] = px;
  return s;
}

}  // namespace panic::models::python
