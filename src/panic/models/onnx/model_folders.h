// Where ONNX model folders are found (docs/ONNX.md, "Pointing panic-tda at a model"):
//
//   each folder listed in $PANIC_TDA_ONNX_PATH (colon-separated), then
//   <models root>/onnx      the models root is $PANIC_TDA_MODELS, else
//                           ${XDG_CACHE_HOME:-$HOME/.cache}/panic-tda/models (native/model_dir.h)
//
// Every sub-folder of these that holds a manifest.json is a model named after the
// sub-folder; the first folder to name a model wins.
//
// Thread safety: reads the environment; safe from any thread that does not set it.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

namespace panic::models::onnx {

std::vector<std::filesystem::path> OnnxModelRoots();

struct FoundModel {
  std::string name;
  std::filesystem::path folder;
};
// The model folders under the roots, in root order then by name; later duplicates dropped.
std::vector<FoundModel> FindOnnxModelFolders();

}  // namespace panic::models::onnx
