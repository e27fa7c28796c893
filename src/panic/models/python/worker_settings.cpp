#include "panic/models/python/worker_settings.h"

#include <unistd.h>

#include <algorithm>
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

const std::vector<OptionField<PythonOptions>>& PythonOptionFields() {
  using nlohmann::json;
  using option_values::Invalid;
  using option_values::IntRange;
  static const std::vector<std::string> kTimeoutKinds = {"handshake", "load", "T2I", "I2T", "text-embedding",
                                                         "image-embedding"};
  static const std::vector<OptionField<PythonOptions>> kFields = {
      {"python",
       [](const json& v, const std::string& field, PythonOptions& out) -> Status {
         if (!v.is_string() || v.get<std::string>().empty()) return Invalid(field, v, "the path of a Python interpreter");
         out.python = v.get<std::string>();
         return Status::Ok();
       }},
      {"worker_timeouts",
       [](const json& v, const std::string& field, PythonOptions& out) -> Status {
         if (!v.is_object()) return Invalid(field, v, "an object {\"T2I\": seconds, ...}");
         for (const auto& [kind, t] : v.items()) {
           if (std::find(kTimeoutKinds.begin(), kTimeoutKinds.end(), kind) == kTimeoutKinds.end()) {
             return option_values::UnknownKey(field + ": ", kind, kTimeoutKinds, option_values::JoinNames(kTimeoutKinds));
           }
           if (!t.is_number() || !(t.get<double>() > 0) || t.get<double>() > 1e7) {
             return Invalid(field + "." + kind, t, "a number of seconds > 0 and ≤ 10000000");
           }
           out.worker_timeouts.emplace_back(kind, t.get<double>());
         }
         return Status::Ok();
       }},
      {"worker_retries",
       [](const json& v, const std::string& field, PythonOptions& out) -> Status {
         PANIC_ASSIGN_OR_RETURN(int64_t r, option_values::Int(v, field, 0, 10, IntRange(0, 10)));
         out.worker_retries = static_cast<int>(r);
         return Status::Ok();
       }},
      {"worker_backoff",
       [](const json& v, const std::string& field, PythonOptions& out) -> Status {
         if (!v.is_number() || !(v.get<double>() >= 0) || v.get<double>() > 3600) {
           return Invalid(field, v, "a number of seconds 0..3600");
         }
         out.worker_backoff = v.get<double>();
         return Status::Ok();
       }},
      {"image_size",
       [](const json& v, const std::string& field, PythonOptions& out) -> Status {
         if (!v.is_object()) return Invalid(field, v, "an object {\"ModelName\": size in pixels}");
         for (const auto& [model, n] : v.items()) {
           PANIC_ASSIGN_OR_RETURN(int64_t px, option_values::Int(n, field + "." + model, 1, 1 << 16,
                                                                 IntRange(1, 1 << 16) + " pixels"));
           out.image_size.emplace_back(model, static_cast<int>(px));
         }
         return Status::Ok();
       }},
  };
  return kFields;
}

std::vector<OptionSpec> PythonOptionSpecs() { return DeclareOptions(kPythonBackendOwner, PythonOptionFields()); }

Result<PythonOptions> ReadPythonOptions(const nlohmann::json& options) {
  return ReadOptions(options, PythonOptionFields());
}

Result<WorkerSettings> ApplyExperimentOptions(WorkerSettings base, const nlohmann::json& options,
                                              const std::string& python_override) {
  PANIC_ASSIGN_OR_RETURN(PythonOptions python, ReadPythonOptions(options));
  PANIC_ASSIGN_OR_RETURN(ModelOptions models, ReadModelOptions(options));
  return ApplyExperimentOptions(std::move(base), python, models, python_override);
}

WorkerSettings ApplyExperimentOptions(WorkerSettings s, const PythonOptions& options,
                                      const ModelOptions& model_options, const std::string& python_override) {
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
  for (const auto& [model, cap] : model_options.max_batch) s.max_batch[model] = cap;
  for (const auto& [model, px] : options.image_size) s.load_options[model]["image_size"] = px;
  return s;
}

}  // namespace panic::models::python
